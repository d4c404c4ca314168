#include "io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace onnx_reinit {
absl::StatusOr<InputFile> InputFile::Open(const std::string& path) {
  InputFile file;
  file.path_ = path;
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before the
  // regular-file check below could refuse it. Cleared once it is known to be
  // a regular file (where it means nothing anyway).
  file.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (file.fd_ < 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot open \"", path, "\""));
  }
  struct stat st;
  if (::fstat(file.fd_, &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot stat \"", path, "\""));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not a regular file"));
  }
  const int flags = ::fcntl(file.fd_, F_GETFL);
  if (flags < 0 || ::fcntl(file.fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot open \"", path, "\""));
  }
  if (st.st_size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is empty, not an ONNX model"));
  }
  file.size_ = static_cast<uint64_t>(st.st_size);
  return file;
}

InputFile::InputFile(InputFile&& other) noexcept { *this = std::move(other); }

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    Reset();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

InputFile::~InputFile() { Reset(); }

void InputFile::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  size_ = 0;
}

absl::Status InputFile::ReadAt(uint64_t offset, uint64_t size,
                               void* out) const {
  char* p = static_cast<char*>(out);
  while (size > 0) {
    ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return ErrnoStatus(errno, absl::StrCat("cannot read \"", path_, "\""));
    if (n == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", path_, "\": unexpected end of file at byte ", offset));
    }
    p += n;
    size -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace onnx_reinit
