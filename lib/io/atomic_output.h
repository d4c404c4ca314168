// An output file that appears at its path only when complete: data goes to a
// fresh temporary file in the same folder ("<path>.tmp-XXXXXX", created with
// O_EXCL), and Commit() renames it over the path. If the object is destroyed
// before Commit() — on any error — the temporary file is removed and nothing
// is left behind; SIGINT, SIGTERM and SIGHUP remove it too, once the program
// has installed the handler (io/signal_cleanup.h).
//
// A file already at the path is replaced by a file with its mode and, where
// permitted, its owner and group (io/file_attributes.h); a new file gets
// 0666 & ~umask. A symbolic link at the path is refused rather than replaced
// by a regular file or followed: the caller names the file it means.
#ifndef ONNX_REINIT_IO_ATOMIC_OUTPUT_H_
#define ONNX_REINIT_IO_ATOMIC_OUTPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "io/signal_cleanup.h"

namespace onnx_reinit {

class AtomicOutput {
 public:
  // NotFound when the folder does not exist, PermissionDenied when it is not
  // writable, FailedPrecondition when `path` is a symbolic link; messages
  // name the output path.
  [[nodiscard]] static absl::StatusOr<AtomicOutput> Create(
      const std::string& path);

  AtomicOutput(AtomicOutput&& other) noexcept;
  AtomicOutput& operator=(AtomicOutput&&) = delete;
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Closes the file (reporting write-back errors) and renames it to path().
  [[nodiscard]] absl::Status Commit();

 private:
  AtomicOutput() = default;
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  TempFileRegistration on_signal_;  // temp_path_, while it exists
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_ATOMIC_OUTPUT_H_
