// A report file the CLI writes (--report): created before any model is read,
// so an unwritable path stops the run before anything is written; filled as
// models finish; and put at its path, whole, by Commit(). Until then the text
// lives in a temporary file beside it ("<path>.tmp-XXXXXX", mode 0666 &
// ~umask), which is removed if Commit() is never reached.
#ifndef ONNX_REINIT_TOOLS_REPORT_FILE_H_
#define ONNX_REINIT_TOOLS_REPORT_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace onnx_reinit {

class ReportFile {
 public:
  // Errors from errno, naming the path: "cannot create \"PATH\": ...".
  [[nodiscard]] static absl::StatusOr<ReportFile> Create(
      const std::string& path);

  ReportFile(ReportFile&& other) noexcept;
  ReportFile& operator=(ReportFile&&) = delete;
  ~ReportFile();

  // "cannot write \"PATH\": ..." on failure.
  [[nodiscard]] absl::Status Append(absl::string_view text);
  [[nodiscard]] absl::Status Commit();

 private:
  ReportFile() = default;
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_REPORT_FILE_H_
