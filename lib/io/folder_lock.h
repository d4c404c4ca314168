// An exclusive lock on an output folder, held while a run puts its files in
// place (reinit.cc), so that runs writing the same outputs commit one at a
// time and the model and its data files at the output always come from one
// run: the last to commit.
//
// It is flock(2) on an open descriptor of the folder: advisory (only other
// onnx-reinit runs wait for it), per open file description (two threads each
// with its own descriptor exclude each other too), and released by the kernel
// when the process dies. Where the file system does not support flock on a
// folder (ENOLCK, EINVAL, EOPNOTSUPP, EBADF: some network and FUSE file
// systems), the lock is not taken and concurrent runs are not serialized.
#ifndef ONNX_REINIT_IO_FOLDER_LOCK_H_
#define ONNX_REINIT_IO_FOLDER_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace onnx_reinit {

class FolderLock {
 public:
  // Waits for the exclusive lock on the folder open as `dir_fd` (through a
  // descriptor of its own, dup'ed from it); -1 gives a lock that holds
  // nothing. Errors other than an unsupported lock name `folder`.
  [[nodiscard]] static absl::StatusOr<FolderLock> Acquire(
      int dir_fd, const std::string& folder);

  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&&) = delete;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();  // releases it

 private:
  FolderLock() = default;
  int fd_ = -1;  // owned
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_FOLDER_LOCK_H_
