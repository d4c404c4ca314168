// Positioned reads and writes, and in-kernel copies between descriptors.
// Errors name the path given by the caller.
#ifndef ONNX_REINIT_IO_FILE_IO_H_
#define ONNX_REINIT_IO_FILE_IO_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace onnx_reinit {

// The project's one mapping of an errno value to a status: "<what>:
// <strerror>" with absl::ErrnoToStatus's code (NotFound for ENOENT,
// PermissionDenied for EACCES, EPERM and EROFS, AlreadyExists for EEXIST,
// ResourceExhausted for ENOSPC, EDQUOT and EMFILE, FailedPrecondition for
// EISDIR, Unknown for EIO, ...), except ENOTDIR, which is NotFound like
// ENOENT (a path through a file names nothing) rather than abseil's
// FailedPrecondition.
absl::Status ErrnoStatus(int err, absl::string_view what);

// Whether two paths name the same file (same device and inode).
bool SameFile(const std::string& a, const std::string& b);

// The size of the open file `fd` (fstat); errors name `path`.
[[nodiscard]] absl::StatusOr<uint64_t> FileSize(int fd,
                                                const std::string& path);

// Writes all `size` bytes at `offset` (pwrite, retried on short writes).
[[nodiscard]] absl::Status WriteAt(int fd, const std::string& path,
                                   const void* data, size_t size,
                                   uint64_t offset);

// Writes the concatenation of `parts` at `offset` with pwritev (at most
// IOV_MAX parts), retried on short writes; `parts` is used up in the process.
[[nodiscard]] absl::Status WriteVectorAt(int fd, const std::string& path,
                                         absl::Span<iovec> parts,
                                         uint64_t offset);

// Reads exactly `size` bytes at `offset` of `in_fd` (pread, retried on short
// reads) for the output `out_path`: errors say "cannot read the input while
// writing" it, a file that ends early included.
[[nodiscard]] absl::Status ReadAt(int in_fd, void* data, size_t size,
                                  uint64_t offset, const std::string& out_path);

// Copies `size` bytes from in_fd@in_offset to out_fd@out_offset with
// copy_file_range (falling back to pread/pwrite where the kernel or file
// system cannot), without bringing them into this process's memory.
[[nodiscard]] absl::Status CopyRange(int in_fd, uint64_t in_offset, int out_fd,
                                     uint64_t out_offset, uint64_t size,
                                     const std::string& out_path);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_FILE_IO_H_
