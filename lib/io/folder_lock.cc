#include "io/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace onnx_reinit {

absl::StatusOr<FolderLock> FolderLock::Acquire(int dir_fd,
                                               const std::string& folder) {
  FolderLock lock;
  if (dir_fd < 0) return lock;
  lock.fd_ = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (lock.fd_ < 0) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot lock the folder \"", folder, "\""));
  }
  while (::flock(lock.fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    if (errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP ||
        errno == EBADF) {
      return lock;  // not supported here: not serialized
    }
    return ErrnoStatus(errno,
                       absl::StrCat("cannot lock the folder \"", folder, "\""));
  }
  return lock;
}

FolderLock::FolderLock(FolderLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace onnx_reinit
