#include "io/file_attributes.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace onnx_reinit {

absl::Status KeepOwnerAndMode(int fd, const struct stat& previous,
                              const std::string& path) {
  const uid_t me = ::geteuid();
  bool owner_kept = previous.st_uid == me;
  bool group_kept = false;
  if (me == 0 || owner_kept) {
    // The owner first: a change of owner clears set-user-ID and
    // set-group-ID, which fchmod then sets again.
    if (::fchown(fd, previous.st_uid, previous.st_gid) == 0) {
      owner_kept = group_kept = true;
    } else if (errno != EPERM) {
      return ErrnoStatus(errno, absl::StrCat("cannot write \"", path, "\""));
    }
  }
  if (!group_kept) {
    struct stat now;
    if (::fstat(fd, &now) != 0) {
      return ErrnoStatus(errno, absl::StrCat("cannot write \"", path, "\""));
    }
    group_kept = now.st_gid == previous.st_gid;
  }
  mode_t mode = previous.st_mode & 07777;
  if (!owner_kept) mode &= ~S_ISUID;
  if (!group_kept) mode &= ~(S_ISGID | S_IRWXG);
  if (::fchmod(fd, mode) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot write \"", path, "\""));
  }
  return absl::OkStatus();
}

}  // namespace onnx_reinit
