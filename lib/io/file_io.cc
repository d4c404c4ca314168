#include "io/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace onnx_reinit {
namespace {

absl::Status WriteError(const std::string& path, int err) {
  return ErrnoStatus(err, absl::StrCat("cannot write \"", path, "\""));
}

absl::Status CopyByReading(int in_fd, uint64_t in_offset, int out_fd,
                           uint64_t out_offset, uint64_t size,
                           const std::string& out_path) {
  std::vector<char> buffer(std::min<uint64_t>(size, 1 << 20));
  while (size > 0) {
    const size_t n = std::min<uint64_t>(size, buffer.size());
    absl::Status s = ReadAt(in_fd, buffer.data(), n, in_offset, out_path);
    if (s.ok()) s = WriteAt(out_fd, out_path, buffer.data(), n, out_offset);
    if (!s.ok()) return s;
    in_offset += n;
    out_offset += n;
    size -= n;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ErrnoStatus(int err, absl::string_view what) {
  absl::Status status = absl::ErrnoToStatus(err, what);
  if (err == ENOTDIR) return absl::NotFoundError(status.message());
  return status;
}

absl::StatusOr<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot read \"", path, "\""));
  }
  return static_cast<uint64_t>(st.st_size);
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

absl::Status WriteAt(int fd, const std::string& path, const void* data,
                     size_t size, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteError(path, n < 0 ? errno : EIO);
    p += n;
    size -= n;
    offset += n;
  }
  return absl::OkStatus();
}

absl::Status WriteVectorAt(int fd, const std::string& path,
                           absl::Span<iovec> parts, uint64_t offset) {
  size_t first = 0;
  while (first < parts.size()) {
    if (parts[first].iov_len == 0) {
      ++first;
      continue;
    }
    ssize_t n =
        ::pwritev(fd, &parts[first], static_cast<int>(parts.size() - first),
                  static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteError(path, n < 0 ? errno : EIO);
    offset += static_cast<uint64_t>(n);
    size_t done = static_cast<size_t>(n);
    while (first < parts.size() && done >= parts[first].iov_len) {
      done -= parts[first].iov_len;
      ++first;
    }
    if (done > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + done;
      parts[first].iov_len -= done;
    }
  }
  return absl::OkStatus();
}

absl::Status ReadAt(int in_fd, void* data, size_t size, uint64_t offset,
                    const std::string& out_path) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t got = ::pread(in_fd, p, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return ErrnoStatus(errno,
                         absl::StrCat("cannot read the input while writing \"",
                                      out_path, "\""));
    }
    if (got == 0) {
      return absl::UnknownError(
          absl::StrCat("cannot read the input while writing \"", out_path,
                       "\": unexpected end of file"));
    }
    p += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

absl::Status CopyRange(int in_fd, uint64_t in_offset, int out_fd,
                       uint64_t out_offset, uint64_t size,
                       const std::string& out_path) {
  loff_t in = static_cast<loff_t>(in_offset);
  loff_t out = static_cast<loff_t>(out_offset);
  while (size > 0) {
    ssize_t n = ::copy_file_range(in_fd, &in, out_fd, &out, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                  errno == EOPNOTSUPP || errno == EBADF || errno == EPERM)) {
      return CopyByReading(in_fd, in, out_fd, out, size, out_path);
    }
    if (n < 0) return WriteError(out_path, errno);
    if (n == 0) {  // the input ended early (it changed under us)
      return absl::UnknownError(absl::StrCat(
          "cannot write \"", out_path, "\": the input file became shorter"));
    }
    size -= n;
  }
  return absl::OkStatus();
}

}  // namespace onnx_reinit
