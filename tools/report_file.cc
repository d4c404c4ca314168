#include "report_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace onnx_reinit {

absl::StatusOr<ReportFile> ReportFile::Create(const std::string& path) {
  // rename() would refuse a folder only after the models were written.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::ErrnoToStatus(EISDIR,
                               absl::StrCat("cannot create \"", path, "\""));
  }
  ReportFile file;
  file.path_ = path;
  std::string temp = path + ".tmp-XXXXXX";
  file.fd_ = ::mkostemp(temp.data(), O_CLOEXEC);
  if (file.fd_ < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot create \"", path, "\""));
  }
  file.temp_path_ = temp;
  file.on_signal_.emplace(temp);
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
      fd_(std::exchange(other.fd_, -1)),
      on_signal_(std::move(other.on_signal_)),
      mu_(std::move(other.mu_)),
      written_(other.written_),
      promised_(other.promised_),
      reserved_(other.reserved_) {
  other.on_signal_.reset();
}

ReportFile::~ReportFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

absl::Status ReportFile::ReserveLocked(uint64_t total) {
  if (total <= reserved_) return absl::OkStatus();
  int err = 0;
  while ((err = ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, 0,
                            static_cast<off_t>(total))) != 0 &&
         errno == EINTR) {
  }
  if (err != 0 && errno != EOPNOTSUPP) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot write \"", path_, "\""));
  }
  reserved_ = total;
  return absl::OkStatus();
}

absl::Status ReportFile::Reserve(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(*mu_);
  absl::Status s = ReserveLocked(written_ + promised_ + bytes);
  if (s.ok()) promised_ += bytes;
  return s;
}

absl::Status ReportFile::Append(absl::string_view text, uint64_t reserved) {
  std::lock_guard<std::mutex> lock(*mu_);
  promised_ -= std::min(promised_, reserved);
  absl::Status s = ReserveLocked(written_ + text.size() + promised_);
  if (!s.ok()) return s;
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::ErrnoToStatus(n < 0 ? errno : EIO,
                                 absl::StrCat("cannot write \"", path_, "\""));
    }
    text.remove_prefix(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ReportFile::Close() {
  std::lock_guard<std::mutex> lock(*mu_);
  if (fd_ < 0) return absl::OkStatus();
  // Blocks reserved beyond what was written are given back.
  const bool trimmed = ::ftruncate(fd_, static_cast<off_t>(written_)) == 0;
  const int trim_errno = errno;
  if (::close(std::exchange(fd_, -1)) != 0 || !trimmed) {
    return absl::ErrnoToStatus(trimmed ? errno : trim_errno,
                               absl::StrCat("cannot write \"", path_, "\""));
  }
  return absl::OkStatus();
}

absl::Status ReportFile::Commit() {
  if (absl::Status s = Close(); !s.ok()) return s;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot write \"", path_, "\""));
  }
  temp_path_.clear();
  on_signal_.reset();
  return absl::OkStatus();
}

}  // namespace onnx_reinit
