// A small tmpfs mounted for one test (needs CAP_SYS_ADMIN: the tests run as
// root; elsewhere the test is skipped with the reason), to fill a disk or
// make a folder read-only. Unmounted (lazily) and removed when destroyed.
#ifndef ONNX_REINIT_TESTS_SUPPORT_TMPFS_H_
#define ONNX_REINIT_TESTS_SUPPORT_TMPFS_H_

#include <cstdint>
#include <memory>
#include <string>

namespace onnx_reinit::testing {

class Tmpfs {
 public:
  // Mounts a tmpfs of `bytes` on a fresh folder; null (with `why` set) when
  // mounting is not permitted or fails.
  static std::unique_ptr<Tmpfs> Mount(uint64_t bytes, std::string* why);
  ~Tmpfs();

  const std::string& path() const { return path_; }
  // Remounts it read-only; false (with `why` set) on failure.
  bool MakeReadOnly(std::string* why);
  // Writes a file `name` until the file system is full.
  void Fill(const std::string& name);

 private:
  explicit Tmpfs(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_TMPFS_H_
