// include/onnx_reinit/onnx_reinit.h: the public API gives what the CLI gives
// (same bytes, same report, same messages), ReinitializeBytes equals
// ReinitializeFile, and option errors are InvalidArgument with the CLI's text.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx_reinit/onnx_reinit.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/report_proto.h"
#include "support/run_cli.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kLinearText[] = R"(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[N, 4] x) => (float[N, 3] y) <float[3, 4] w = {1,1,1,1,1,1,1,1,1,1,1,1}, float[3] b = {5,5,5}> {
    y = Gemm <transB = 1> (x, w, b)
  }
)";

std::string WriteLinear(const std::string& dir) {
  const std::string path = dir + "/linear.onnx";
  testing::WriteModel(testing::ParseModel(kLinearText), path);
  return path;
}

TEST(PublicApiTest, ReinitializeFileWritesTheCliBytesOnEveryCorpusModel) {
  const std::string dir = testing::MakeTempDir();
  for (const std::string& name : testing::CorpusModels()) {
    SCOPED_TRACE(name);
    Options options;
    options.strategy = "xavier_uniform";
    options.seed = 5;
    const std::string api_out = dir + "/api.onnx";
    const std::string cli_out = dir + "/cli.onnx";
    absl::StatusOr<std::string> report =
        ReinitializeFile(testing::CorpusPath(name), api_out, options);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_THAT(*report, HasSubstr("\"status\": \"ok\""));
    const testing::CliResult cli =
        testing::RunCli({testing::CorpusPath(name), "-o", cli_out,
                         "--strategy=xavier_uniform", "--seed=5", "-q"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(testing::ReadFile(api_out), testing::ReadFile(cli_out));
  }
}

TEST(PublicApiTest, PlanFileIsTheCliJsonPlanApartFromSeconds) {
  Options options;
  options.profile = "torch";
  absl::StatusOr<std::string> plan =
      PlanFile(testing::CorpusPath("lstm_lm"), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const testing::CliResult cli =
      testing::RunCli({testing::CorpusPath("lstm_lm"), "--plan",
                       "--format=json", "--profile=torch"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto drop_seconds = [](const std::string& json) {
    std::string out;
    for (absl::string_view line : absl::StrSplit(json, '\n')) {
      if (!absl::StrContains(line, "\"seconds\"")) absl::StrAppend(&out, line);
    }
    return out;
  };
  EXPECT_EQ(drop_seconds(*plan), drop_seconds(cli.out));
}

TEST(PublicApiTest, AnUnsetStrategyLetsTheProfileDecide) {
  Options options;
  options.profile = "torch";
  absl::StatusOr<Reinitializer> r = Reinitializer::Create(options);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<RunReport> plan = r->Plan(testing::CorpusPath("mlp"), 0);
  ASSERT_TRUE(plan.ok()) << plan.status();
  bool saw_weight = false;
  const Report profile_plan = testing::ToProto(*plan);
  for (const TensorRecord& t : profile_plan.tensors()) {
    if (t.role() != "weight") continue;
    saw_weight = true;
    EXPECT_EQ(t.rule(), "profile torch (role=weight)") << t.name();
  }
  EXPECT_TRUE(saw_weight);

  options.strategy = "he_normal";  // given: beats the profile, as --strategy
  r = Reinitializer::Create(options);
  ASSERT_TRUE(r.ok()) << r.status();
  plan = r->Plan(testing::CorpusPath("mlp"), 0);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const Report strategy_plan = testing::ToProto(*plan);
  for (const TensorRecord& t : strategy_plan.tensors()) {
    if (t.role() == "weight") {
      EXPECT_EQ(t.rule(), "--strategy") << t.name();
    }
  }
}

TEST(PublicApiTest, ReinitializeBytesEqualsReinitializeFile) {
  const std::string dir = testing::MakeTempDir();
  Options options;
  options.seed = 9;
  const std::string in = testing::CorpusPath("transformer_encoder");
  absl::StatusOr<std::string> bytes =
      ReinitializeBytes(testing::ReadFile(in), options);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(ReinitializeFile(in, dir + "/out.onnx", options).ok());
  EXPECT_EQ(*bytes, testing::ReadFile(dir + "/out.onnx"));
}

TEST(PublicApiTest, ReinitializeBytesRefusesExternalData) {
  onnx::ModelProto model = testing::ParseModel(kLinearText);
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("w.bin");
  absl::StatusOr<std::string> bytes =
      ReinitializeBytes(model.SerializeAsString(), Options());
  ASSERT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bytes.status().message(),
            "tensor \"graph/initializer[0]\" has external data, which bytes "
            "alone cannot reach: use ReinitializeFile");

  Options external;
  external.external_data = "external";
  bytes = ReinitializeBytes(
      testing::ParseModel(kLinearText).SerializeAsString(), external);
  ASSERT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bytes.status().message(),
            "external_data \"external\" writes a data file: use "
            "ReinitializeFile");
}

TEST(PublicApiTest, ReinitializeBytesRefusesBytesThatAreNoModel) {
  absl::StatusOr<std::string> bytes =
      ReinitializeBytes(std::string("\x0a\xff\xff\xff", 4), Options());
  ASSERT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bytes.status().message()),
              ::testing::StartsWith("the model's bytes are not an ONNX "
                                    "model: "));
}

// Each bad option gives the CLI's own message (exit 2 there).
TEST(PublicApiTest, BadOptionsAreInvalidArgumentWithTheCliMessage) {
  const std::string model = WriteLinear(testing::MakeTempDir());
  struct Case {
    Options options;
    std::vector<std::string> flags;
  };
  std::vector<Case> cases(5);
  cases[0].options.strategy = "he_nromal";
  cases[0].flags = {"--strategy=he_nromal"};
  cases[1].options.profile = "tf";
  cases[1].flags = {"--profile=tf"};
  cases[2].options.simd = "sse2";
  cases[2].flags = {"--simd=sse2"};
  cases[3].options.external_data = "outside";
  cases[3].flags = {"--external_data=outside"};
  cases[4].options.rules = {"role=embeding:zeros"};
  cases[4].flags = {"--rule=role=embeding:zeros"};
  for (const Case& c : cases) {
    absl::StatusOr<std::string> plan = PlanFile(model, c.options);
    ASSERT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument)
        << plan.status();
    std::vector<std::string> args = {model, "--plan"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const testing::CliResult cli = testing::RunCli(args);
    EXPECT_EQ(cli.exit_code, 2);
    EXPECT_EQ(
        cli.err,
        absl::StrCat("onnx-reinit: error: ", plan.status().message(), "\n"));
  }
}

TEST(PublicApiTest, AMissingInputIsNotFoundAndNothingIsWritten) {
  const std::string dir = testing::MakeTempDir();
  absl::StatusOr<std::string> report =
      ReinitializeFile(dir + "/missing.onnx", dir + "/out.onnx", Options());
  ASSERT_EQ(report.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(report.status().message()),
              HasSubstr(absl::StrCat("\"", dir, "/missing.onnx\"")));
  EXPECT_TRUE(testing::ListDir(dir).empty());
}

TEST(PublicApiTest, SeedForPathIsTheDocumentedSha1Prefix) {
  EXPECT_EQ(SeedForPath(0, "a.onnx"), uint64_t{0x24cc3e7f547b82e8});
}

TEST(PublicApiTest, VersionIsTheProjectVersion) {
  const testing::CliResult cli = testing::RunCli({"--version"});
  EXPECT_EQ(cli.out, absl::StrCat("onnx-reinit ", Version(), "\n"));
}

TEST(PublicApiTest, AFailureReportCarriesTheMessage) {
  RunReport r = RunReport::ForFailure("in.onnx", "out.onnx", 3,
                                      absl::NotFoundError("gone"));
  r.set_seconds(0.5);
  const Report proto = testing::ToProto(r);
  EXPECT_EQ(proto.status(), "error");
  EXPECT_EQ(proto.error(), "gone");
  EXPECT_EQ(proto.seed(), 3u);
  EXPECT_EQ(proto.seconds(), 0.5);
  const absl::StatusOr<std::string> line = r.ToJsonLine();
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->back(), '\n');
  EXPECT_EQ(line->find('\n'), line->size() - 1);
}

std::string Collect(
    const std::function<absl::Status(const RunReport::TextSink&)>& write) {
  std::string text;
  const absl::Status status = write([&](std::string_view piece) {
    text.append(piece.data(), piece.size());
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return text;
}

TEST(PublicApiTest, WrittenReportsAreTheirWholeTexts) {
  absl::StatusOr<Reinitializer> reinitializer =
      Reinitializer::Create(Options{});
  ASSERT_TRUE(reinitializer.ok()) << reinitializer.status();
  const std::string dir = testing::MakeTempDir();
  RunControl control;
  control.seed = 9;
  absl::StatusOr<RunReport> run = reinitializer->Reinitialize(
      testing::CorpusPath("mlp"), dir + "/out.onnx", control);
  ASSERT_TRUE(run.ok()) << run.status();
  absl::StatusOr<RunReport> plan =
      reinitializer->Plan(testing::CorpusPath("resnet18"), 9);
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const RunReport* report : {&*run, &*plan}) {
    EXPECT_EQ(Collect([&](const RunReport::TextSink& w) {
                return report->WriteJson(w);
              }),
              report->ToJson().value_or("?"));
    EXPECT_EQ(Collect([&](const RunReport::TextSink& w) {
                return report->WriteJsonLine(w);
              }),
              report->ToJsonLine().value_or("?"));
    EXPECT_EQ(Collect([&](const RunReport::TextSink& w) {
                return report->WritePlanText(w);
              }),
              report->ToPlanText());
  }
  EXPECT_GT(testing::ToProto(*run).tensors_size(), 0);
  EXPECT_GT(testing::ToProto(*plan).tensors_size(), 0);
}

TEST(PublicApiTest, ARunWithoutTensorReportHasItsSummaryAndNoTensors) {
  absl::StatusOr<Reinitializer> reinitializer =
      Reinitializer::Create(Options{});
  ASSERT_TRUE(reinitializer.ok()) << reinitializer.status();
  const std::string dir = testing::MakeTempDir();
  RunControl full;
  full.seed = 4;
  RunControl summary = full;
  summary.tensor_report = false;
  absl::StatusOr<RunReport> with = reinitializer->Reinitialize(
      testing::CorpusPath("mlp"), dir + "/with.onnx", full);
  absl::StatusOr<RunReport> without = reinitializer->Reinitialize(
      testing::CorpusPath("mlp"), dir + "/without.onnx", summary);
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(testing::ReadFile(dir + "/with.onnx"),
            testing::ReadFile(dir + "/without.onnx"));
  Report a = testing::ToProto(*with);
  Report b = testing::ToProto(*without);
  EXPECT_GT(a.tensors_size(), 0);
  EXPECT_EQ(b.tensors_size(), 0);
  EXPECT_EQ(b.tensors_total(), a.tensors_total());
  EXPECT_EQ(b.tensors_rewritten(), a.tensors_rewritten());
  EXPECT_EQ(b.bytes_written(), a.bytes_written());
  EXPECT_EQ(b.status(), "ok");
  EXPECT_EQ(b.seed(), 4u);
}

TEST(PublicApiTest, AReportOutlivesItsReinitializer) {
  absl::StatusOr<RunReport> plan;
  {
    Options options;
    options.strategy = "normal(std=0.5)";
    absl::StatusOr<Reinitializer> reinitializer =
        Reinitializer::Create(options);
    ASSERT_TRUE(reinitializer.ok()) << reinitializer.status();
    plan = reinitializer->Plan(testing::CorpusPath("mlp"), 0);
    ASSERT_TRUE(plan.ok()) << plan.status();
  }
  EXPECT_THAT(plan->ToPlanText(), HasSubstr("normal(mean=0, std=0.5)"));
}

}  // namespace
}  // namespace onnx_reinit
