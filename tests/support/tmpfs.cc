#include "support/tmpfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "support/model_text.h"

namespace onnx_reinit::testing {

std::unique_ptr<Tmpfs> Tmpfs::Mount(uint64_t bytes, std::string* why) {
  const std::string dir = MakeTempDir();
  const std::string options = "size=" + std::to_string(bytes);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    *why = "cannot mount a tmpfs on " + dir + ": " + std::strerror(errno);
    ::rmdir(dir.c_str());
    return nullptr;
  }
  return std::unique_ptr<Tmpfs>(new Tmpfs(dir));
}

Tmpfs::~Tmpfs() {
  ::umount2(path_.c_str(), MNT_DETACH);
  ::rmdir(path_.c_str());
}

bool Tmpfs::MakeReadOnly(std::string* why) {
  if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY,
              nullptr) != 0) {
    *why = "cannot remount " + path_ + " read-only: " + std::strerror(errno);
    return false;
  }
  return true;
}

void Tmpfs::Fill(const std::string& name) {
  const int fd = ::open((path_ + "/" + name).c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::vector<char> block(4096, 'f');
  while (fd >= 0 && ::write(fd, block.data(), block.size()) > 0) {
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace onnx_reinit::testing
