#include "io/atomic_output.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/file_attributes.h"
#include "io/file_io.h"

namespace onnx_reinit {
namespace {

mode_t CurrentUmask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

std::string LinkTarget(const std::string& path) {
  std::vector<char> buffer(PATH_MAX);
  const ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
  return n < 0 ? std::string() : std::string(buffer.data(), n);
}

}  // namespace

absl::StatusOr<AtomicOutput> AtomicOutput::Create(const std::string& path) {
  struct stat previous;
  const bool replaces = ::lstat(path.c_str(), &previous) == 0;
  if (replaces && S_ISLNK(previous.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "\"", path, "\" is a symbolic link (to \"", LinkTarget(path),
        "\"); links are neither replaced nor followed: name the "
        "file itself"));
  }
  AtomicOutput out;
  out.path_ = path;
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  out.fd_ = ::mkostemp(buffer.data(), O_CLOEXEC);
  if (out.fd_ < 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot create \"", path, "\""));
  }
  out.temp_path_ = buffer.data();
  out.on_signal_ = TempFileRegistration(AT_FDCWD, out.temp_path_);
  if (replaces && S_ISREG(previous.st_mode)) {
    absl::Status kept = KeepOwnerAndMode(out.fd_, previous, path);
    if (!kept.ok()) return kept;
  } else if (::fchmod(out.fd_, 0666 & ~CurrentUmask()) != 0) {
    // mkstemp creates 0600; a new file gets the usual 0666 & ~umask.
    return ErrnoStatus(errno, absl::StrCat("cannot create \"", path, "\""));
  }
  return out;
}

AtomicOutput::AtomicOutput(AtomicOutput&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      on_signal_(std::move(other.on_signal_)) {
  other.temp_path_.clear();
}

AtomicOutput::~AtomicOutput() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  on_signal_ = TempFileRegistration();
}

absl::Status AtomicOutput::Commit() {
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot write \"", path_, "\""));
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot write \"", path_, "\""));
  }
  temp_path_.clear();
  on_signal_ = TempFileRegistration();
  return absl::OkStatus();
}

}  // namespace onnx_reinit
