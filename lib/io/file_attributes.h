// What a file replacing another keeps of it: its permission bits and, where
// the process may set them, its owner and group.
#ifndef ONNX_REINIT_IO_FILE_ATTRIBUTES_H_
#define ONNX_REINIT_IO_FILE_ATTRIBUTES_H_

#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"

namespace onnx_reinit {

// Gives the open file `fd`, about to replace the file `previous` describes,
// that file's mode (permission bits, set-user-ID, set-group-ID, sticky) and,
// when the process runs as root or owns `previous`, its owner and group
// (fchown). What cannot be kept is not passed on to someone else: when the
// owner is not kept, set-user-ID is cleared; when the group is not kept (not
// root, and not a member of it), set-group-ID and the group's permission
// bits are cleared rather than granted to the new file's group. Extended
// attributes and ACLs are not copied. Errors (a failing fchmod, or fchown
// failing otherwise than with EPERM) name `path`.
[[nodiscard]] absl::Status KeepOwnerAndMode(int fd, const struct stat& previous,
                                            const std::string& path);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_FILE_ATTRIBUTES_H_
