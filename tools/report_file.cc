#include "report_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace onnx_reinit {

absl::StatusOr<ReportFile> ReportFile::Create(const std::string& path) {
  ReportFile file;
  file.path_ = path;
  std::string temp = path + ".tmp-XXXXXX";
  file.fd_ = ::mkostemp(temp.data(), O_CLOEXEC);
  if (file.fd_ < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot create \"", path, "\""));
  }
  file.temp_path_ = temp;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(file.fd_, 0666 & ~mask) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot create \"", path, "\""));
  }
  return file;
}

ReportFile::ReportFile(ReportFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::exchange(other.temp_path_, "")),
      fd_(std::exchange(other.fd_, -1)) {}

ReportFile::~ReportFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

absl::Status ReportFile::Append(absl::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::ErrnoToStatus(n < 0 ? errno : EIO,
                                 absl::StrCat("cannot write \"", path_, "\""));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status ReportFile::Commit() {
  if (::close(std::exchange(fd_, -1)) != 0 ||
      ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot write \"", path_, "\""));
  }
  temp_path_.clear();
  return absl::OkStatus();
}

}  // namespace onnx_reinit
