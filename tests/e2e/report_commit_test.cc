// --report is written before the output is put in place: a report that
// cannot be created, or written, stops the run with the previous output as
// it was and nothing else left. (A full disk under the report is in
// fault_test.cc.)
#include <sys/stat.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reinit.h"
#include "support/corpus.h"
#include "support/external_model.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/run_cli.h"
#include "support/same_bytes.h"

namespace onnx_reinit {
namespace {

using testing::CorpusPath;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::WriteFile;

TEST(ReportCommitTest, ReportThatCannotBeCreatedLeavesThePreviousOutput) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/out.onnx";
  WriteFile(out, "previous");
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--report=" + dir + "/no/r.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot create \"" + dir +
                       "/no/r.json\": No such file or directory\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), "previous"));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"out.onnx"});
}

TEST(ReportCommitTest, ReportOntoAFolderLeavesThePreviousOutput) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/out.onnx", report = dir + "/report";
  WriteFile(out, "previous");
  ASSERT_EQ(::mkdir(report.c_str(), 0755), 0);
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--report=" + report});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot create \"" + report +
                       "\": Is a directory\n");
  EXPECT_TRUE(testing::SameBytes(ReadFile(out), "previous"));
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"out.onnx", "report"}));
  EXPECT_TRUE(ListDir(report).empty());
}

// A batch makes each model's line before the model's commit; a model whose
// commit then fails (a folder where its output goes) gets its error line.
TEST(ReportCommitTest, BatchLineOfAModelWhoseCommitFailsIsItsError) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  const std::string report = MakeTempDir() + "/report.jsonl";
  WriteFile(in + "/a.onnx", ReadFile(CorpusPath("mlp")));
  WriteFile(in + "/b.onnx", ReadFile(CorpusPath("mlp")));
  ASSERT_EQ(::mkdir((out + "/a.onnx").c_str(), 0755), 0);
  const testing::CliResult r =
      RunCli({in, "-o", out, "--report=" + report, "-q", "--jobs=1"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string error =
      "cannot write \"" + out + "/a.onnx\": Is a directory";
  EXPECT_EQ(r.err, "onnx-reinit: error: " + error + "\n");
  const std::string text = ReadFile(report);
  const size_t newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const std::string first = text.substr(0, newline);
  const std::string second = text.substr(newline + 1);
  EXPECT_NE(first.find("\"model\":\"" + in + "/a.onnx\""), std::string::npos)
      << first;
  EXPECT_NE(first.find("\"status\":\"error\",\"error\":\"cannot write \\\"" +
                       out + "/a.onnx\\\": Is a directory\""),
            std::string::npos)
      << first;
  EXPECT_NE(second.find("\"model\":\"" + in + "/b.onnx\""), std::string::npos)
      << second;
  EXPECT_NE(second.find("\"status\":\"ok\""), std::string::npos) << second;
  EXPECT_EQ(second.back(), '\n');
  EXPECT_EQ(second.find('\n'), second.size() - 1);
  EXPECT_EQ(ListDir(out), (std::vector<std::string>{"a.onnx", "b.onnx"}));
}

// The library's side: the hook sees the finished report, and its error stops
// the run before the model and its data files replace anything.
TEST(ReportCommitTest, ErrorJustBeforeTheCommitLeavesThePreviousOutput) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  testing::WriteExternalDataModel(in, 2, 16, 16);
  ReinitOptions options;
  options.plan.rules = testing::RulesFor("he_normal", "zeros");
  options.rewrite.seed = 1;
  ASSERT_TRUE(
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", options).ok());
  const std::string model = ReadFile(out + "/model.onnx");
  const std::string w0 = ReadFile(out + "/w0.bin");
  options.rewrite.seed = 2;
  int calls = 0;
  options.before_commit = [&](const RunResult& result) {
    const Report& report = result.header;
    ++calls;
    EXPECT_EQ(report.status(), "ok");
    EXPECT_EQ(report.seed(), 2u);
    EXPECT_EQ(report.tensors_rewritten(), 2u);
    return absl::DataLossError("the report could not be written");
  };
  const absl::StatusOr<Report> r =
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", options);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.status(), absl::DataLossError("the report could not be written"));
  EXPECT_TRUE(testing::SameBytes(ReadFile(out + "/model.onnx"), model));
  EXPECT_TRUE(testing::SameBytes(ReadFile(out + "/w0.bin"), w0));
  EXPECT_EQ(ListDir(out),
            (std::vector<std::string>{"model.onnx", "w0.bin", "w1.bin"}));
}

}  // namespace
}  // namespace onnx_reinit
