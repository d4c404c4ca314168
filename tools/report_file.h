// A report file the CLI writes (--report): created before any model is read,
// so an unwritable path stops the run before anything is written; filled as
// models finish, before their outputs are put in place; and put at its path,
// whole, by Commit(). Until then the text lives in a temporary file beside it
// ("<path>.tmp-XXXXXX", mode 0666 & ~umask), which is removed if Commit() is
// never reached, and by SIGINT, SIGTERM and SIGHUP (RemoveOnSignal).
//
// Space can be reserved ahead (Reserve): a model's line is reserved before
// the model's outputs replace anything, so that a full disk stops that model
// rather than the report after it was written (README "Faults and signals").
#ifndef ONNX_REINIT_TOOLS_REPORT_FILE_H_
#define ONNX_REINIT_TOOLS_REPORT_FILE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {

class ReportFile {
 public:
  // Errors from errno, naming the path: "cannot create \"PATH\": ...".
  [[nodiscard]] static absl::StatusOr<ReportFile> Create(
      const std::string& path);

  ReportFile(ReportFile&& other) noexcept;
  ReportFile& operator=(ReportFile&&) = delete;
  ~ReportFile();

  // Makes room for `bytes` more to be appended later, on top of what is
  // already written or reserved (fallocate with FALLOC_FL_KEEP_SIZE): an
  // Append within what was reserved for it cannot run out of space. Where
  // the file system cannot preallocate (EOPNOTSUPP), nothing is reserved and
  // OK is returned. Thread-safe (with Append too). "cannot write \"PATH\":
  // ..." on failure (ResourceExhausted when the disk is full).
  [[nodiscard]] absl::Status Reserve(uint64_t bytes);

  // Appends `text`, for which `reserved` bytes were set aside by Reserve
  // (0: none; space is then reserved now). "cannot write \"PATH\": ..." on
  // failure.
  [[nodiscard]] absl::Status Append(absl::string_view text,
                                    uint64_t reserved = 0);

  // Closes the file, reporting write-back errors; nothing can be appended
  // after. Commit() closes it too when it is still open.
  [[nodiscard]] absl::Status Close();

  // Renames the file to its path.
  [[nodiscard]] absl::Status Commit();

 private:
  ReportFile() = default;
  absl::Status ReserveLocked(uint64_t total);
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  std::optional<RemoveOnSignal> on_signal_;  // temp_path_, while it exists
  std::unique_ptr<std::mutex> mu_ = std::make_unique<std::mutex>();
  uint64_t written_ = 0;   // bytes appended
  uint64_t promised_ = 0;  // reserved by Reserve, not yet appended
  uint64_t reserved_ = 0;  // bytes allocated: >= written_ + promised_
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_REPORT_FILE_H_
