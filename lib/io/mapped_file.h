// A read-only memory map of a regular file. Pages are only touched when read,
// so mapping a large model costs nothing for the weight bytes that are never
// looked at (the rewrite replaces them without reading them).
#ifndef ONNX_REINIT_IO_MAPPED_FILE_H_
#define ONNX_REINIT_IO_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace onnx_reinit {

class MappedFile {
 public:
  // NotFound when the path does not exist; InvalidArgument when it is not a
  // regular file or is empty; Internal/Unknown for other I/O failures. Every
  // message names the path.
  [[nodiscard]] static absl::StatusOr<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  absl::Span<const uint8_t> bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  // The open descriptor (for copy_file_range); owned by this object.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  void Reset();
  std::string path_;
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_MAPPED_FILE_H_
