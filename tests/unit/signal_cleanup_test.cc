// io/signal_cleanup.h: SIGINT, SIGTERM and SIGHUP remove the registered
// temporary files and end the process with the signal; a signal during a
// CommitSection waits for it to close; an ignored signal stays ignored; the
// registry grows past its first block. Each case runs in a forked child, so
// that the handlers and the signals stay out of the test process.
#include "io/signal_cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "support/model_text.h"
#include "support/run_cli.h"

namespace onnx_reinit {
namespace {

using testing::ListDir;
using testing::MakeTempDir;
using testing::WriteFile;

// Runs `body` in a child process; returns its wait status.
int InChild(const std::function<void()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(SignalCleanupTest, SignalRemovesRegisteredFilesAndEndsTheProcessWithIt) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    SCOPED_TRACE(::strsignal(sig));
    const std::string dir = MakeTempDir();
    for (const char* name : {"by_path", "by_folder", "unregistered", "kept"}) {
      WriteFile(dir + "/" + name, "x");
    }
    const int status = InChild([&] {
      if (!InstallSignalHandlers().ok()) ::_exit(10);
      const int folder = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
      TempFileRegistration by_path(AT_FDCWD, dir + "/by_path");
      TempFileRegistration by_folder(folder, "by_folder");
      { TempFileRegistration gone(AT_FDCWD, dir + "/unregistered"); }
      ::raise(sig);
      ::_exit(11);  // not reached
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"kept", "unregistered"}));
  }
}

TEST(SignalCleanupTest, SignalDuringACommitSectionWaitsForItToClose) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/temp", "x");
  const int status = InChild([&] {
    if (!InstallSignalHandlers().ok()) ::_exit(10);
    TempFileRegistration temp(AT_FDCWD, dir + "/temp");
    {
      CommitSection section;
      ::raise(SIGTERM);
      // Still running: the commit finishes.
      WriteFile(dir + "/committed", "y");
    }
    ::_exit(11);  // not reached: the section's end ends the process
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"committed"});
}

TEST(SignalCleanupTest, CommitSectionOpenedAfterTheSignalDoesNotStart) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/temp", "x");
  const int status = InChild([&] {
    if (!InstallSignalHandlers().ok()) ::_exit(10);
    TempFileRegistration temp(AT_FDCWD, dir + "/temp");
    std::optional<CommitSection> first;
    first.emplace();
    ::raise(SIGTERM);
    // Another run's commit, on another thread, comes after the signal: it
    // waits, and the process ends when the first commit is done.
    std::thread other([&] {
      CommitSection second;
      WriteFile(dir + "/second", "z");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    WriteFile(dir + "/first", "y");
    first.reset();
    ::_exit(11);  // not reached
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"first"});
}

TEST(SignalCleanupTest, IgnoredSignalStaysIgnored) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/temp", "x");
  const int status = InChild([&] {
    ::signal(SIGHUP, SIG_IGN);
    if (!InstallSignalHandlers().ok()) ::_exit(10);
    TempFileRegistration temp(AT_FDCWD, dir + "/temp");
    ::raise(SIGHUP);
    ::_exit(3);
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"temp"});
}

TEST(SignalCleanupTest, RegistryHoldsManyFilesAndForgetsThemWhenDestroyed) {
  const int before = RegisteredTempFileCount();
  {
    std::vector<TempFileRegistration> files;
    for (int i = 0; i < 100; ++i) {
      files.emplace_back(AT_FDCWD, "/nonexistent/" + std::to_string(i));
    }
    EXPECT_EQ(RegisteredTempFileCount(), before + 100);
    files.resize(40);
    EXPECT_EQ(RegisteredTempFileCount(), before + 40);
  }
  EXPECT_EQ(RegisteredTempFileCount(), before);
}

}  // namespace
}  // namespace onnx_reinit
