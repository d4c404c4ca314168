// Runs writing the same output at the same time: whatever the interleaving,
// the output is one run's model with that run's data files (the model's
// checksums are the SHA-1s of the data files beside it), every run exits 0,
// and no temporary file is left. Each run has its own seed, so data files
// from two runs would disagree with the model's checksums.
#include <sys/wait.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/external_model.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "support/spawn_cli.h"

namespace onnx_reinit {
namespace {

using testing::CliEnd;
using testing::CliProcess;
using testing::ListDir;
using testing::MakeTempDir;
using testing::StartCli;
using testing::WaitCli;

TEST(ConcurrentOutputTest, TwoRunsIntoOneOutputLeaveOneRunsModelAndDataFiles) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  // Eight data files: eight renames before the model's, where another run's
  // renames can fall between them.
  std::vector<std::string> expected =
      testing::WriteExternalDataModel(in, 8, 32, 32);
  expected.push_back("model.onnx");
  std::sort(expected.begin(), expected.end());
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<CliProcess> runs;
    for (int run = 0; run < 2; ++run) {
      runs.push_back(StartCli({in + "/model.onnx", "-o", out + "/model.onnx",
                               "--seed=" + std::to_string(2 * round + run),
                               "--threads=1", "-q"}));
    }
    for (const CliProcess& run : runs) {
      const CliEnd end = WaitCli(run);
      ASSERT_TRUE(WIFEXITED(end.wait_status) &&
                  WEXITSTATUS(end.wait_status) == 0)
          << "round " << round << ": " << end.err;
    }
    std::string why;
    ASSERT_TRUE(testing::ChecksumsMatchDataFiles(out + "/model.onnx", &why))
        << "round " << round << ": " << why;
    ASSERT_EQ(ListDir(out), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace onnx_reinit
