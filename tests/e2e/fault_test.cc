// Faults while writing: a full disk (a small tmpfs mounted for the test) while
// the model, a data file or the report is written, a file size limit
// (RLIMIT_FSIZE with SIGXFSZ ignored: EFBIG), and a read-only output folder.
// Each run exits 1 with the error, nothing partial is at the output path, the
// previous output is there as it was, and no temporary file is left.
// (Kills during a large write are in signal_test.cc.)
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/corpus.h"
#include "support/external_model.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "support/same_bytes.h"
#include "support/spawn_cli.h"
#include "support/tmpfs.h"

namespace onnx_reinit {
namespace {

using testing::CorpusPath;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::Tmpfs;

constexpr uint64_t kMiB = 1024 * 1024;

// Mounts a tmpfs or skips the test, saying why.
#define MOUNT_OR_SKIP(var, bytes)                               \
  std::string var##_why;                                        \
  std::unique_ptr<Tmpfs> var = Tmpfs::Mount(bytes, &var##_why); \
  if (var == nullptr) GTEST_SKIP() << var##_why

// Runs the CLI with a file size limit of `limit` bytes, SIGXFSZ ignored.
testing::CliEnd RunWithFileSizeLimit(const std::vector<std::string>& args,
                                     uint64_t limit) {
  return testing::WaitCli(testing::StartCli(args, [limit] {
    ::signal(SIGXFSZ, SIG_IGN);
    const struct rlimit r = {limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &r);
  }));
}

TEST(FaultTest, DiskFullWhileWritingTheModelLeavesThePreviousOutput) {
  // mlp is 2.1 MB: the previous output fits in 3 MiB, a second copy does not.
  MOUNT_OR_SKIP(disk, 3 * kMiB);
  const std::string out = disk->path() + "/model.onnx";
  ASSERT_EQ(RunCli({CorpusPath("mlp"), "-o", out, "--seed=1", "-q"}).exit_code,
            0);
  const std::string previous = ReadFile(out);
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--seed=2", "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + CorpusPath("mlp") +
                       "\": cannot write \"" + out +
                       "\": No space left on device\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous));
  EXPECT_EQ(ListDir(disk->path()), std::vector<std::string>{"model.onnx"});
}

TEST(FaultTest, DiskFullWhileWritingADataFileLeavesThePreviousOutput) {
  // One 1 MiB data file: the previous output fits in 1.5 MiB, a second copy
  // of the data file does not.
  const std::string in = MakeTempDir();
  testing::WriteExternalDataModel(in, 1, 512, 512);
  MOUNT_OR_SKIP(disk, 3 * kMiB / 2);
  const std::string out = disk->path() + "/model.onnx";
  const std::vector<std::string> args = {in + "/model.onnx", "-o", out, "-q"};
  std::vector<std::string> first = args, second = args;
  first.push_back("--seed=1");
  second.push_back("--seed=2");
  ASSERT_EQ(RunCli(first).exit_code, 0);
  const std::string previous_model = ReadFile(out);
  const std::string previous_data = ReadFile(disk->path() + "/w0.bin");
  const testing::CliResult r = RunCli(second);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + in +
                       "/model.onnx\": cannot write \"" + disk->path() +
                       "/w0.bin\": No space left on device\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous_model));
  EXPECT_TRUE(
      testing::SameBytes(ReadFile(disk->path() + "/w0.bin"), previous_data));
  EXPECT_EQ(ListDir(disk->path()),
            (std::vector<std::string>{"model.onnx", "w0.bin"}));
}

TEST(FaultTest, DiskFullForTheReportLeavesThePreviousOutput) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/out.onnx";
  testing::WriteFile(out, "previous");
  MOUNT_OR_SKIP(disk, 64 * 1024);
  disk->Fill("filler");
  const std::string report = disk->path() + "/report.json";
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--report=" + report});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot write \"" + report +
                       "\": No space left on device\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), "previous"));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"out.onnx"});
  EXPECT_EQ(ListDir(disk->path()), std::vector<std::string>{"filler"});
}

TEST(FaultTest, DiskFullForABatchReportWritesNoModel) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  testing::WriteFile(in + "/a.onnx", ReadFile(CorpusPath("mlp")));
  testing::WriteFile(in + "/b.onnx", ReadFile(CorpusPath("mlp")));
  MOUNT_OR_SKIP(disk, 64 * 1024);
  disk->Fill("filler");
  const std::string report = disk->path() + "/report.jsonl";
  const testing::CliResult r =
      RunCli({in, "-o", out, "--report=" + report, "-q", "--jobs=1"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string full =
      "cannot write \"" + report + "\": No space left on device\n";
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + in + "/a.onnx\": " + full +
                       "onnx-reinit: error: \"" + in + "/b.onnx\": " + full +
                       "onnx-reinit: error: " + full);
  EXPECT_TRUE(ListDir(out).empty());
  EXPECT_EQ(ListDir(disk->path()), std::vector<std::string>{"filler"});
}

TEST(FaultTest, FileSizeLimitWhileWritingTheModelLeavesThePreviousOutput) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/model.onnx";
  ASSERT_EQ(RunCli({CorpusPath("mlp"), "-o", out, "--seed=1", "-q"}).exit_code,
            0);
  const std::string previous = ReadFile(out);
  const testing::CliEnd end = RunWithFileSizeLimit(
      {CorpusPath("mlp"), "-o", out, "--seed=2", "-q"}, kMiB);
  EXPECT_EQ(end.wait_status, 1 << 8) << end.err;  // exit 1, not a signal
  EXPECT_EQ(end.err, "onnx-reinit: error: \"" + CorpusPath("mlp") +
                         "\": cannot write \"" + out + "\": File too large\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"model.onnx"});
}

TEST(FaultTest, FileSizeLimitBelowADataFileLeavesThePreviousOutput) {
  const std::string in = MakeTempDir(), dir = MakeTempDir();
  testing::WriteExternalDataModel(in, 1, 512, 512);
  const std::string out = dir + "/model.onnx";
  ASSERT_EQ(RunCli({in + "/model.onnx", "-o", out, "--seed=1", "-q"}).exit_code,
            0);
  const std::string previous_model = ReadFile(out);
  const std::string previous_data = ReadFile(dir + "/w0.bin");
  const testing::CliEnd end = RunWithFileSizeLimit(
      {in + "/model.onnx", "-o", out, "--seed=2", "-q"}, kMiB / 2);
  EXPECT_EQ(end.wait_status, 1 << 8) << end.err;
  EXPECT_EQ(end.err, "onnx-reinit: error: cannot write \"" + dir +
                         "/w0.bin\": File too large\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous_model));
  EXPECT_TRUE(testing::SameBytes(ReadFile(dir + "/w0.bin"), previous_data));
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"model.onnx", "w0.bin"}));
}

TEST(FaultTest, ReadOnlyOutputFolderExitsOneAndChangesNothing) {
  MOUNT_OR_SKIP(disk, 8 * kMiB);
  const std::string out = disk->path() + "/model.onnx";
  ASSERT_EQ(RunCli({CorpusPath("mlp"), "-o", out, "--seed=1", "-q"}).exit_code,
            0);
  const std::string previous = ReadFile(out);
  std::string why;
  if (!disk->MakeReadOnly(&why)) GTEST_SKIP() << why;
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--seed=2", "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot create \"" + out +
                       "\": Read-only file system\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous));
  EXPECT_EQ(ListDir(disk->path()), std::vector<std::string>{"model.onnx"});
  // In place, too.
  const testing::CliResult in_place = RunCli({out, "--in_place", "-q"});
  EXPECT_EQ(in_place.exit_code, 1);
  EXPECT_EQ(in_place.err, r.err);
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), previous));
}

}  // namespace
}  // namespace onnx_reinit
