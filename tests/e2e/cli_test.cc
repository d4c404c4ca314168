// The command line: exit codes (0 ok, 1 bad input or I/O, 2 usage), exact
// messages naming the file/node/tensor, and nothing left behind on failure.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "util/simd_level.h"

namespace onnx_reinit {
namespace {

using testing::CorpusPath;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::WriteFile;

constexpr char kKnownStrategies[] =
    "uniform, zeros, ones, constant, random_sign, normal, truncated_normal, "
    "xavier_uniform, xavier_normal, he_uniform, he_normal, lecun_uniform, "
    "lecun_normal, variance_scaling, fan_in_uniform, fan_out_uniform, "
    "orthogonal, identity, dirac, sparse, forget_bias, gpt2, "
    "zero_residual_branch, keep";

TEST(CliTest, MissingModelFileExitsOneNamingItAndWritesNothing) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({dir + "/nope.onnx", "-o", dir + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot open \"" + dir +
                       "/nope.onnx\": No such file or directory\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, NonOnnxFileExitsOneAndWritesNothing) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/notes.txt", "this is not a model\n");
  auto r = RunCli({dir + "/notes.txt", "-o", dir + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + dir +
                       "/notes.txt\" is not an ONNX model: malformed or "
                       "truncated protobuf at byte 0: end of a group that "
                       "was not started\n");
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"notes.txt"});
}

TEST(CliTest, TruncatedModelExitsOneAndLeavesExistingOutputAlone) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/cut.onnx", ReadFile(CorpusPath("mlp")).substr(0, 1000000));
  WriteFile(dir + "/out.onnx", "previous contents");
  auto r = RunCli({dir + "/cut.onnx", "-o", dir + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + dir +
                       "/cut.onnx\" is not an ONNX model: malformed or "
                       "truncated protobuf at byte 19: a message of 2144066 "
                       "bytes runs past the end of the file\n");
  EXPECT_EQ(ReadFile(dir + "/out.onnx"), "previous contents");
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"cut.onnx", "out.onnx"}));
}

TEST(CliTest, UnknownStrategyIsAUsageErrorListingTheKnownOnes) {
  const std::string dir = MakeTempDir();
  auto r =
      RunCli({CorpusPath("mlp"), "-o", dir + "/out.onnx", "--strategy=foo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, std::string("onnx-reinit: error: --strategy: unknown "
                               "strategy \"foo\"; known: ") +
                       kKnownStrategies + "\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, BadParameterValueIsAUsageError) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({CorpusPath("mlp"), "-o", dir + "/out.onnx",
                   "--strategy=normal(std=-1)"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "onnx-reinit: error: --strategy: strategy \"normal\": parameter "
            "\"std\" must be a number >= 0, got \"-1\"\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, UnknownParameterIsAUsageErrorListingAcceptedOnes) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({CorpusPath("mlp"), "-o", dir + "/out.onnx",
                   "--bias_strategy=normal(sd=1)"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "onnx-reinit: error: --bias_strategy: strategy \"normal\": "
            "unknown parameter \"sd\"; accepted: mean, std\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, UnknownFlagAndMissingOutputAreUsageErrors) {
  auto unknown = RunCli({CorpusPath("mlp"), "--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err,
            "onnx-reinit: error: unknown flag \"--frobnicate\" (see --help)\n");
  auto no_output = RunCli({CorpusPath("mlp")});
  EXPECT_EQ(no_output.exit_code, 2);
  EXPECT_EQ(no_output.err,
            "onnx-reinit: error: missing -o OUT (or --in_place, or --plan)\n");
  auto bad_seed = RunCli({CorpusPath("mlp"), "--plan", "--seed=-3"});
  EXPECT_EQ(bad_seed.exit_code, 2);
  EXPECT_EQ(bad_seed.err,
            "onnx-reinit: error: --seed takes a whole number >= 0, got "
            "\"-3\"\n");
}

// --simd=baseline never uses the AVX2+FMA kernels: its bytes are those of
// the library with SimdLevel::kBaseline, on any x86-64 machine.
TEST(CliTest, SimdChoosesTheOrthogonalKernelsAndRefusesOtherValues) {
  const std::string dir = MakeTempDir();
  auto bad = RunCli({CorpusPath("mlp"), "--plan", "--simd=sse2"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "onnx-reinit: error: --simd takes auto, avx512, avx2 or baseline, "
            "got \"sse2\"\n");
  if (!CpuSupports(SimdLevel::kAvx512)) {
    auto lacking = RunCli({CorpusPath("mlp"), "--plan", "--simd=avx512"});
    EXPECT_EQ(lacking.exit_code, 2);
    EXPECT_EQ(lacking.err,
              absl::StrCat("onnx-reinit: error: --simd=avx512: this CPU does "
                           "not support it (best level: ",
                           SimdLevelName(BestSimdLevel()), ")\n"));
  }
  auto baseline =
      RunCli({CorpusPath("mlp"), "-o", dir + "/baseline.onnx",
              "--strategy=orthogonal", "--simd=baseline", "--seed=3"});
  ASSERT_EQ(baseline.exit_code, 0) << baseline.err;
  auto baseline_again = RunCli({CorpusPath("mlp"), "-o", dir + "/again.onnx",
                                "--strategy=orthogonal", "--simd=baseline",
                                "--seed=3", "--threads=1"});
  ASSERT_EQ(baseline_again.exit_code, 0) << baseline_again.err;
  EXPECT_EQ(ReadFile(dir + "/baseline.onnx"), ReadFile(dir + "/again.onnx"));
  auto best = RunCli({CorpusPath("mlp"), "-o", dir + "/auto.onnx",
                      "--strategy=orthogonal", "--seed=3"});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_EQ(ReadFile(dir + "/auto.onnx").size(),
            ReadFile(dir + "/baseline.onnx").size());
}

TEST(CliTest, OutputInMissingFolderExitsOne) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({CorpusPath("mlp"), "-o", dir + "/no/such/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: cannot create \"" + dir +
                       "/no/such/out.onnx\": No such file or directory\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, OutputNamingTheInputNeedsInPlace) {
  const std::string dir = MakeTempDir();
  const std::string model = dir + "/m.onnx";
  const std::string original = ReadFile(CorpusPath("mlp"));
  WriteFile(model, original);
  auto refused = RunCli({model, "-o", model});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err, "onnx-reinit: error: -o \"" + model +
                             "\" is the input model; pass --in_place to "
                             "replace it\n");
  EXPECT_EQ(ReadFile(model), original);

  auto in_place = RunCli({model, "--in_place", "--seed=5"});
  EXPECT_EQ(in_place.exit_code, 0) << in_place.err;
  const std::string rewritten = ReadFile(model);
  EXPECT_EQ(rewritten.size(), original.size());
  EXPECT_NE(rewritten, original);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"m.onnx"});
}

TEST(CliTest, BadWeightShapeNamesFileNodeAndTensor) {
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 2, 8, 8] x) => (float[1, 4, 6, 6] y)
    <float[4, 2] W = {1, 2, 3, 4, 5, 6, 7, 8}>
    {
      y = Conv <kernel_shape = [3, 3]> (x, W)
    }
  )");
  model.mutable_graph()->mutable_node(0)->set_name("conv1");
  testing::WriteModel(model, dir + "/bad.onnx");
  auto r = RunCli({dir + "/bad.onnx", "-o", dir + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + dir +
                       "/bad.onnx\": Conv node \"conv1\" input 1 (initializer "
                       "\"W\", dims [4, 2]): expected rank >= 3, got 2\n");
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"bad.onnx"});
}

TEST(CliTest, MissingExternalDataFileExitsOneNamingTensorAndFile) {
  const std::string dir = MakeTempDir();
  const std::string out = MakeTempDir();
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 4] x) => (float[1, 4] y)
    <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}>
    {
      y = MatMul (x, W)
    }
  )");
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  testing::WriteModel(model, dir + "/ext.onnx");
  auto r = RunCli({dir + "/ext.onnx", "-o", out + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("onnx-reinit: error: \"" + dir + "/ext.onnx\": "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\"weights.bin\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"ext.onnx"});
  EXPECT_TRUE(ListDir(out).empty());
}

TEST(CliTest, HelpAndVersionExitZero) {
  auto help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: onnx-reinit MODEL -o OUT"),
            std::string::npos);
  EXPECT_NE(help.out.find("he_normal"), std::string::npos);
  auto version = RunCli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("onnx-reinit ", 0), 0u);
}

TEST(CliTest, PlanPrintsOneRowPerInitializerAndWritesNothing) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/m.onnx", ReadFile(CorpusPath("mlp")));
  auto text = RunCli({dir + "/m.onnx", "--plan"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  // header + 6 initializers
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 7);
  EXPECT_NE(
      text.out.find("net.0.weight  weight  Gemm (/net/net.0/Gemm)  FLOAT  "
                    "[512,784]  784     512"),
      std::string::npos)
      << text.out;
  auto json = RunCli({dir + "/m.onnx", "--plan", "--format=json",
                      "--strategy=normal(std=0.02)"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  for (const char* field :
       {"\"name\": \"net.0.weight\"", "\"role\": \"weight\"",
        "\"op_type\": \"Gemm\"", "\"node\": \"/net/net.0/Gemm\"",
        "\"dtype\": \"FLOAT\"", "\"fan_in\": \"784\"", "\"fan_out\": \"512\"",
        "\"strategy\": \"normal(mean=0, std=0.02)\"", "\"target_std\": 0.02",
        "\"action\": \"rewrite\"", "\"reason\": \"\""}) {
    EXPECT_NE(json.out.find(field), std::string::npos) << field;
  }
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"m.onnx"});
}

TEST(CliTest, ReportHoldsMeasuredStatistics) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({CorpusPath("mlp"), "-o", dir + "/out.onnx",
                   "--report=" + dir + "/report.json", "--seed=9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string report = ReadFile(dir + "/report.json");
  EXPECT_NE(report.find("\"output\": \"" + dir + "/out.onnx\""),
            std::string::npos);
  EXPECT_NE(report.find("\"seed\": \"9\""), std::string::npos);
  EXPECT_NE(report.find("\"mean\": "), std::string::npos);
  EXPECT_NE(report.find("\"std\": 0.05"), std::string::npos) << report;
  EXPECT_EQ(ListDir(dir),
            (std::vector<std::string>{"out.onnx", "report.json"}));
}

TEST(CliTest, UnknownRoleInARuleIsAUsageErrorBeforeAnythingIsRead) {
  const std::string dir = MakeTempDir();
  auto r = RunCli({dir + "/not-even-there.onnx", "-o", dir + "/out.onnx",
                   "--rule=role=embeding:zeros"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "onnx-reinit: error: --rule 1 \"role=embeding:zeros\": unknown "
            "role \"embeding\"; known: weight, bias, embedding, "
            "recurrent_input, recurrent_hidden, recurrent_bias, "
            "recurrent_peephole, norm_scale, norm_bias, running_mean, "
            "running_var, prelu_slope, positional_embedding, class_token, "
            "layer_scale, not_weight\n");
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(CliTest, BadRegexInAConfigFileIsAUsageErrorNamingTheFileAndRule) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/rules.textproto",
            "rule { select { role: \"weight\" } strategy: \"zeros\" }\n"
            "rule { select { name_regex: \"([\" } keep: true }\n");
  auto r = RunCli({CorpusPath("mlp"), "-o", dir + "/out.onnx",
                   "--config=" + dir + "/rules.textproto"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "onnx-reinit: error: " + dir +
                       "/rules.textproto: rule 2: name_regex \"([\": missing "
                       "]: [\n");
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"rules.textproto"});
}

TEST(CliTest, MissingConfigFileAndUnknownProfileAreUsageErrors) {
  auto missing = RunCli({CorpusPath("mlp"), "--plan", "--config=/nope.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err,
            "onnx-reinit: error: cannot open config file \"/nope.json\": No "
            "such file or directory\n");
  auto jax = RunCli({CorpusPath("mlp"), "--plan", "--profile=jax"});
  EXPECT_EQ(jax.exit_code, 2);
  EXPECT_EQ(jax.err,
            "onnx-reinit: error: --profile: unknown profile \"jax\"; known: "
            "torch, keras\n");
}

TEST(CliTest, RulesFromFlagsAndAJsonConfigSingleOutTensorsInThePlan) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/rules.json",
            "{\"rule\": [{\"select\": {\"nameRegex\": "
            "\"onnx::LSTM_22[56]\"}, \"keep\": true}]}");
  auto r = RunCli({CorpusPath("lstm_lm"), "--plan", "--format=json",
                   "--config=" + dir + "/rules.json",
                   "--rule=role=embedding:normal(std=0.02)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"rule\": \"--rule 1 (role=embedding)\""),
            std::string::npos);
  EXPECT_NE(r.out.find("\"strategy\": \"normal(mean=0, std=0.02)\""),
            std::string::npos);
  EXPECT_NE(r.out.find("\"reason\": \"kept by config rule 1 "
                       "(name=~onnx::LSTM_22[56])\""),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace onnx_reinit
