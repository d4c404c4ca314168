// io/file_attributes.h: a replacing file takes the previous file's mode and,
// as root, its owner and group; what a process cannot keep (another owner, a
// group it is not in) is not handed to someone else: set-user-ID, or
// set-group-ID and the group's permission bits, are cleared.
#include "io/file_attributes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

struct stat Previous(mode_t mode, uid_t uid, gid_t gid) {
  struct stat st = {};
  st.st_mode = S_IFREG | mode;
  st.st_uid = uid;
  st.st_gid = gid;
  return st;
}

TEST(FileAttributesTest, RootKeepsModeOwnerAndGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string path = testing::MakeTempDir() + "/f";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(KeepOwnerAndMode(fd, Previous(06750, 1234, 5678), path).ok());
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 06750u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  ::close(fd);
}

// As the user nobody (a child process), replacing files it cannot own.
TEST(FileAttributesTest, WhatCannotBeKeptIsNotPassedOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
  // A folder nobody can reach (the test's own temporary root is 0700).
  char pattern[] = "/tmp/onnx_reinit_attributes_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  struct Case {
    struct stat previous;
    mode_t expected;
  };
  const Case cases[] = {
      // Its own file, in a group it is not in: group bits cleared.
      {Previous(02664, kNobody, 0), 0604},
      // Another owner's file: set-user-ID cleared, group kept (nogroup).
      {Previous(04640, 0, kNogroup), 0640},
      // Another owner and group: both.
      {Previous(06755, 0, 0), 0705},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "/f" + std::to_string(c.expected);
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::setgid(kNogroup) != 0 || ::setuid(kNobody) != 0) ::_exit(10);
      const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
      if (fd < 0) ::_exit(11);
      ::_exit(KeepOwnerAndMode(fd, c.previous, path).ok() ? 0 : 12);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, c.expected) << path;
    EXPECT_EQ(st.st_uid, kNobody);
    EXPECT_EQ(st.st_gid, kNogroup);
    ::unlink(path.c_str());
  }
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace onnx_reinit
