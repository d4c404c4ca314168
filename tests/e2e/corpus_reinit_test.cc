// Every strategy on every corpus model, through the library's public entry
// point: the output passes the onnx checker, every Gemm/MatMul/Conv/
// ConvTranspose weight and bias is rewritten with the promised statistics,
// and every byte outside the rewritten values is the input's.
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/wire_scan.h"
#include "onnx/checker.h"
#include "reinit.h"
#include "strategy/orthogonal_kernels.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using testing::ComputeMoments;
using testing::CorpusModels;
using testing::CorpusPath;
using testing::DecodeValues;

// Strategies as a user writes them, with default and non-default parameters.
const std::vector<std::string>& StrategyTexts() {
  static const std::vector<std::string> texts = {
      "uniform",
      "uniform(a=-0.3, b=0.1)",
      "zeros",
      "ones",
      "constant(value=0.25)",
      "random_sign",
      "small(value=0.05)",
      "normal",
      "normal(mean=0.5, std=0.02)",
      "xavier_uniform",
      "glorot_normal(gain=2)",
      "he_uniform(mode=fan_out, nonlinearity=leaky_relu, negative_slope=0.2)",
      "he_normal",
      "kaiming_normal(nonlinearity=tanh)",
      "lecun_uniform",
      "lecun_normal",
      "fan_in_uniform",
      "fan_out_uniform",
      "truncated_normal(std=0.02)",
      "truncated_normal(mean=0.1, std=0.5, a=-1, b=1)",
      "variance_scaling(mode=fan_avg, distribution=uniform)",
      "variance_scaling(scale=2)",
      "he_normal(flavor=keras)",
      "gpt2",
  };
  return texts;
}

ReinitOptions OptionsFor(const std::string& strategy_text, uint64_t seed) {
  ReinitOptions options;
  options.plan.rules = testing::RulesFor(strategy_text, strategy_text);
  options.rewrite.seed = seed;
  return options;
}

size_t LocationOf(const ScannedModel& scanned, const std::string& path) {
  for (size_t i = 0; i < scanned.layout.tensors.size(); ++i) {
    if (TensorPath(scanned.layout, i) == path) return i;
  }
  ADD_FAILURE() << "no tensor at " << path;
  return 0;
}

class CorpusReinitTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(CorpusReinitTest,
       WritesCheckedModelWithTargetStatisticsAndSameOtherBytes) {
  const auto& [model_name, strategy_text] = GetParam();
  const std::string input = CorpusPath(model_name);
  const std::string output = testing::MakeTempDir() + "/out.onnx";

  absl::StatusOr<Report> report =
      ReinitializeFile(input, output, OptionsFor(strategy_text, 7));
  ASSERT_TRUE(report.ok()) << report.status();

  const onnx::ModelProto in_model = testing::ReadModel(input);
  onnx::ModelProto out_model = testing::ReadModel(output);
  try {
    onnx::checker::check_model(out_model);
  } catch (const onnx::checker::ValidationError& e) {
    FAIL() << "checker: " << e.what();
  }

  // Every weight and bias of the four ops is rewritten and has the target
  // statistics; measured within 6 standard errors (for the std, the standard
  // error of a sample std is at most sigma*sqrt(1/2)/sqrt(n) for the normal,
  // uniform and two-point distributions used here).
  const std::set<std::string> expected =
      testing::LinearWeightsAndBiases(in_model);
  ASSERT_FALSE(expected.empty());
  std::set<std::string> rewritten;
  for (int i = 0; i < report->tensors_size(); ++i) {
    const TensorRecord& r = report->tensors(i);
    if (r.action() != "rewrite") continue;
    rewritten.insert(r.name());
    const onnx::TensorProto* written =
        testing::TensorAtPath(out_model, r.path());
    ASSERT_NE(written, nullptr) << r.path();
    const std::vector<double> values = DecodeValues(*written);
    const double n = static_cast<double>(values.size());
    const testing::Moments m = ComputeMoments(values);
    const double sigma = r.target_std();
    // float rounding of the target itself
    const double eps = 1e-6 * (std::abs(r.target_mean()) + sigma) + 1e-12;
    EXPECT_NEAR(m.mean, r.target_mean(), 6 * sigma / std::sqrt(n) + eps)
        << r.name() << " " << r.strategy();
    EXPECT_NEAR(m.std, sigma, 6 * sigma * std::sqrt(0.5) / std::sqrt(n) + eps)
        << r.name() << " " << r.strategy();
    if (r.target_bound() > 0) {
      EXPECT_GE(m.min, r.target_mean() - r.target_bound() - eps) << r.name();
      EXPECT_LE(m.max, r.target_mean() + r.target_bound() + eps) << r.name();
    }
    // The report's measurements are those of the written values.
    EXPECT_NEAR(r.mean(), m.mean, 1e-9 + 1e-9 * std::abs(m.mean)) << r.name();
    EXPECT_NEAR(r.std(), m.std, 1e-9 + 1e-9 * m.std) << r.name();
  }
  for (const std::string& name : expected) {
    EXPECT_TRUE(rewritten.count(name)) << name << " was not rewritten";
  }

  // Bytes: same length, and every byte outside the rewritten value payloads
  // is unchanged.
  const std::string in_bytes = testing::ReadFile(input);
  const std::string out_bytes = testing::ReadFile(output);
  ASSERT_EQ(in_bytes.size(), out_bytes.size());
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(in_bytes.data()), in_bytes.size()));
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  std::vector<bool> may_change(in_bytes.size(), false);
  for (int i = 0; i < report->tensors_size(); ++i) {
    if (report->tensors(i).action() != "rewrite") continue;
    for (const ValueField& v :
         scanned->layout
             .tensors[LocationOf(*scanned, report->tensors(i).path())]
             .values) {
      for (uint64_t b = v.payload.offset; b < v.payload.end(); ++b) {
        may_change[b] = true;
      }
    }
  }
  size_t changed_outside = 0;
  for (size_t b = 0; b < in_bytes.size(); ++b) {
    changed_outside += !may_change[b] && in_bytes[b] != out_bytes[b];
  }
  EXPECT_EQ(changed_outside, 0u);

  // And, read back as messages: putting the input's values back into the
  // output gives the input.
  for (const TensorRecord& r : report->tensors()) {
    onnx::TensorProto* out_tensor = testing::TensorAtPath(&out_model, r.path());
    const onnx::TensorProto* in_tensor =
        testing::TensorAtPath(in_model, r.path());
    ASSERT_TRUE(out_tensor != nullptr && in_tensor != nullptr) << r.path();
    // Only the value fields (the tests' corpus stores values in raw_data).
    out_tensor->set_raw_data(in_tensor->raw_data());
    *out_tensor->mutable_float_data() = in_tensor->float_data();
  }
  EXPECT_EQ(out_model.SerializeAsString(), in_model.SerializeAsString());
  std::filesystem::remove_all(output.substr(0, output.rfind('/')));
}

std::string ParamName(
    const ::testing::TestParamInfo<std::tuple<std::string, std::string>>&
        info) {
  std::string name = absl::StrCat(std::get<0>(info.param), "_",
                                  std::get<1>(info.param), "_", info.index);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    AllModelsAllStrategies, CorpusReinitTest,
    ::testing::Combine(::testing::ValuesIn(CorpusModels()),
                       ::testing::ValuesIn(StrategyTexts())),
    ParamName);

TEST(CorpusDeterminismTest, SameSeedGivesSameBytesForAnyThreadCount) {
  for (const std::string& name :
       {std::string("transformer_encoder"), std::string("mobilenet_v2")}) {
    const std::string dir = testing::MakeTempDir();
    ReinitOptions one = OptionsFor("xavier_uniform", 42);
    one.rewrite.threads = 1;
    ReinitOptions two = one;
    two.rewrite.threads = 2;
    ReinitOptions eight = one;
    eight.rewrite.threads = 8;
    ASSERT_TRUE(ReinitializeFile(CorpusPath(name), dir + "/1.onnx", one).ok());
    ASSERT_TRUE(ReinitializeFile(CorpusPath(name), dir + "/2.onnx", two).ok());
    ASSERT_TRUE(
        ReinitializeFile(CorpusPath(name), dir + "/8.onnx", eight).ok());
    const std::string a = testing::ReadFile(dir + "/1.onnx");
    EXPECT_EQ(a, testing::ReadFile(dir + "/2.onnx")) << name;
    EXPECT_EQ(a, testing::ReadFile(dir + "/8.onnx")) << name;
  }
}

// Orthogonal fills split their work into fixed parts, whatever the thread
// count: lstm_lm's [512, 5000] MatMul weight is filled with all threads, its
// LSTM gate blocks one tensor per thread; at either SIMD level.
TEST(CorpusDeterminismTest, OrthogonalGivesSameBytesForAnyThreadCount) {
  const std::string dir = testing::MakeTempDir();
  for (SimdLevel simd : {SimdLevel::kAuto, SimdLevel::kBaseline}) {
    std::string first;
    for (int threads : {1, 2, 8}) {
      ReinitOptions options = OptionsFor("orthogonal", 42);
      options.rewrite.threads = threads;
      options.rewrite.simd = simd;
      const std::string out = dir + "/" + std::to_string(threads) + ".onnx";
      ASSERT_TRUE(ReinitializeFile(CorpusPath("lstm_lm"), out, options).ok());
      if (threads == 1) {
        first = testing::ReadFile(out);
      } else {
        EXPECT_EQ(testing::ReadFile(out), first)
            << threads << " threads, simd " << static_cast<int>(simd);
      }
    }
  }
}

TEST(CorpusDeterminismTest, DifferentSeedsGiveDifferentValues) {
  const std::string dir = testing::MakeTempDir();
  ASSERT_TRUE(ReinitializeFile(CorpusPath("mlp"), dir + "/a.onnx",
                               OptionsFor("he_normal", 1))
                  .ok());
  ASSERT_TRUE(ReinitializeFile(CorpusPath("mlp"), dir + "/b.onnx",
                               OptionsFor("he_normal", 2))
                  .ok());
  EXPECT_NE(testing::ReadFile(dir + "/a.onnx"),
            testing::ReadFile(dir + "/b.onnx"));
}

}  // namespace
}  // namespace onnx_reinit
