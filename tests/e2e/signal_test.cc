// Signals during a large write. SIGTERM, SIGINT and SIGHUP remove the run's
// temporary files and end it with the signal (its exit status is the
// signal's); SIGKILL, which no process can catch, leaves its temporary files
// (README "Faults and signals"). Either way nothing partial is at the output
// path: the previous output is there, whole.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "io/sha1.h"
#include "support/large_model.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "support/same_bytes.h"
#include "support/spawn_cli.h"

namespace onnx_reinit {
namespace {

using testing::CliEnd;
using testing::CliProcess;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::StartCli;
using testing::WaitCli;

// Read in blocks: the data file is too large to hold twice.
std::string FileSha1(const std::string& path) {
  Sha1 sha;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<char> block(1 << 20);
  ssize_t n;
  while (fd >= 0 && (n = ::read(fd, block.data(), block.size())) > 0) {
    sha.Update(block.data(), static_cast<size_t>(n));
  }
  if (fd >= 0) ::close(fd);
  return sha.HexDigest();
}

std::vector<std::string> TemporaryFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const std::string& name : ListDir(dir)) {
    if (absl::StrContains(name, ".tmp-")) names.push_back(name);
  }
  return names;
}

// Waits until a temporary file in `dir` holds written bytes (the run is
// writing values); false if the process ended first or after 60 s.
bool WaitUntilWriting(const std::string& dir, pid_t pid) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const std::string& name : TemporaryFiles(dir)) {
      struct stat st;
      if (::stat((dir + "/" + name).c_str(), &st) == 0 && st.st_blocks > 0) {
        return true;
      }
    }
    siginfo_t info = {};
    if (::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      return false;  // it ended (not reaped: WaitCli does that)
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

// A 128 MiB model with one data file, and a previous output of it (seed 1).
class SignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::WriteLargeModel(in_, 16, 512);
    ASSERT_FALSE(model_.model_path.empty());
    const testing::CliResult previous = testing::RunCli(
        {model_.model_path, "-o", out_ + "/model.onnx", "--seed=1", "-q"});
    ASSERT_EQ(previous.exit_code, 0) << previous.err;
    previous_model_ = ReadFile(out_ + "/model.onnx");
    previous_data_ = FileSha1(out_ + "/weights.bin");
  }
  void TearDown() override {
    std::filesystem::remove_all(in_);
    std::filesystem::remove_all(out_);
  }

  // Starts a run with another seed into the same output and sends it `sig`
  // while it writes; returns how it ended.
  CliEnd Interrupt(int sig) {
    const CliProcess run =
        StartCli({model_.model_path, "-o", out_ + "/model.onnx", "--seed=2",
                  "--threads=1", "-q"},
                 [] {
                   // As a terminal would deliver them, whatever the test
                   // inherited.
                   for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
                 });
    EXPECT_TRUE(WaitUntilWriting(out_, run.pid))
        << "the run ended before it was seen writing";
    ::kill(run.pid, sig);
    return WaitCli(run);
  }

  void ExpectPreviousOutput() {
    EXPECT_TRUE(
        testing::SameBytes(ReadFile(out_ + "/model.onnx"), previous_model_));
    EXPECT_EQ(FileSha1(out_ + "/weights.bin"), previous_data_);
  }

  const std::string in_ = MakeTempDir();
  const std::string out_ = MakeTempDir();
  testing::LargeModel model_;
  std::string previous_model_;
  std::string previous_data_;
};

TEST_F(SignalTest, TermIntAndHupDuringALargeWriteRemoveTemporaryFiles) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    SCOPED_TRACE(::strsignal(sig));
    const CliEnd end = Interrupt(sig);
    ASSERT_TRUE(WIFSIGNALED(end.wait_status)) << end.err;
    EXPECT_EQ(WTERMSIG(end.wait_status), sig);
    EXPECT_EQ(end.err, "");
    EXPECT_EQ(ListDir(out_),
              (std::vector<std::string>{"model.onnx", "weights.bin"}));
    ExpectPreviousOutput();
  }
}

TEST_F(SignalTest, KillDuringALargeWriteLeavesThePreviousOutputWhole) {
  const CliEnd end = Interrupt(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(end.wait_status));
  EXPECT_EQ(WTERMSIG(end.wait_status), SIGKILL);
  ExpectPreviousOutput();
  // What SIGKILL leaves: temporary files only, beside the previous output.
  std::vector<std::string> others;
  for (const std::string& name : ListDir(out_)) {
    if (name != "model.onnx" && name != "weights.bin") others.push_back(name);
  }
  EXPECT_FALSE(others.empty());
  EXPECT_EQ(others, TemporaryFiles(out_));
}

}  // namespace
}  // namespace onnx_reinit
