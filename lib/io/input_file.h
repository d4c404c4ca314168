// An input model file opened read-only. It is read with positioned reads
// only where needed (the wire-format walk, a few length prefixes); the weight
// bytes that are replaced are never read, and are not memory-mapped either
// (a mapping would pull whole large folios of them into the resident set).
#ifndef ONNX_REINIT_IO_INPUT_FILE_H_
#define ONNX_REINIT_IO_INPUT_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace onnx_reinit {

class InputFile {
 public:
  // NotFound when the path does not exist; InvalidArgument when it is not a
  // regular file or is empty; Internal/Unknown for other I/O failures. Every
  // message names the path.
  [[nodiscard]] static absl::StatusOr<InputFile> Open(const std::string& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  uint64_t size() const { return size_; }
  // Reads exactly `size` bytes at `offset` into `out`; an error naming the
  // path when the file is shorter or unreadable.
  [[nodiscard]] absl::Status ReadAt(uint64_t offset, uint64_t size,
                                    void* out) const;
  // The open descriptor (for streams and copy_file_range); owned by this
  // object.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  InputFile() = default;
  void Reset();
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_INPUT_FILE_H_
