#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"
#include "strategy/strategy_table.h"

namespace onnx_reinit {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::StartsWith;

// Expects `status` to be an error with exactly this code and message.
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::string& message) {
  ASSERT_FALSE(result.ok()) << "expected error: " << message;
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_EQ(std::string(result.status().message()), message);
}

std::string Canonical(const std::string& text) {
  const absl::StatusOr<Strategy> s = ParseStrategy(text);
  if (!s.ok()) return "error: " + std::string(s.status().message());
  return s->ToString();
}

// ---- ParseStrategySpec: syntax only ---------------------------------------

TEST(ParseStrategySpecTest, ParsesABareName) {
  const auto spec = ParseStrategySpec("normal");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "normal");
  EXPECT_TRUE(spec->params.empty());
}

TEST(ParseStrategySpecTest, ParsesEmptyParentheses) {
  const auto spec = ParseStrategySpec("zeros()");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "zeros");
  EXPECT_TRUE(spec->params.empty());
}

TEST(ParseStrategySpecTest, ParsesParametersInOrderIgnoringWhitespace) {
  const auto spec = ParseStrategySpec(
      "  he_normal ( mode = fan_out ,\tnegative_slope=-1e-2 ) ");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "he_normal");
  EXPECT_THAT(spec->params, ElementsAre(Pair("mode", "fan_out"),
                                        Pair("negative_slope", "-1e-2")));
}

TEST(ParseStrategySpecTest, DoesNotCheckNamesOrKeys) {
  const auto spec = ParseStrategySpec("foo(bar=baz)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "foo");
  EXPECT_THAT(spec->params, ElementsAre(Pair("bar", "baz")));
}

TEST(ParseStrategySpecTest, RejectsMalformedTextWithExactMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "malformed strategy \"\": expected a strategy name"},
      {"   ", "malformed strategy \"   \": expected a strategy name"},
      {"(std=1)",
       "malformed strategy \"(std=1)\": expected a strategy name at "
       "\"(std=1)\""},
      {"normal(std=", "malformed strategy \"normal(std=\": expected \")\""},
      {"normal(std=0.1",
       "malformed strategy \"normal(std=0.1\": expected \")\""},
      {"normal(", "malformed strategy \"normal(\": expected \")\""},
      {"normal(std", "malformed strategy \"normal(std\": expected \")\""},
      {"normal std=1",
       "malformed strategy \"normal std=1\": unexpected \"std=1\" after "
       "\"normal\""},
      {"normal(0.1)",
       "malformed strategy \"normal(0.1)\": expected a parameter name at "
       "\"0.1)\""},
      {"normal(std=1,)",
       "malformed strategy \"normal(std=1,)\": expected a parameter name at "
       "\")\""},
      {"normal(std 0.1)",
       "malformed strategy \"normal(std 0.1)\": expected \"=\" after \"std\""},
      {"normal(std=)",
       "malformed strategy \"normal(std=)\": expected a value for \"std\""},
      {"normal(std=1 mean=0)",
       "malformed strategy \"normal(std=1 mean=0)\": expected \",\" or \")\" "
       "after \"std=1\""},
      {"normal(std=1) x",
       "malformed strategy \"normal(std=1) x\": unexpected \"x\" after \")\""},
      {"normal(std=1, std=2)",
       "malformed strategy \"normal(std=1, std=2)\": parameter \"std\" given "
       "twice"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    ExpectError(ParseStrategySpec(text), absl::StatusCode::kInvalidArgument,
                message);
  }
}

// ---- ResolveStrategy / ParseStrategy --------------------------------------

TEST(ParseStrategyTest, FillsEveryDefault) {
  EXPECT_EQ(Canonical("uniform"), "uniform(a=-0.01, b=0.01)");
  EXPECT_EQ(Canonical("zeros"), "zeros");
  EXPECT_EQ(Canonical("ones()"), "ones");
  EXPECT_EQ(Canonical("constant"), "constant(value=0)");
  EXPECT_EQ(Canonical("random_sign"), "random_sign(value=0.01)");
  EXPECT_EQ(Canonical("normal"), "normal(mean=0, std=0.1)");
  EXPECT_EQ(Canonical("xavier_uniform"), "xavier_uniform(gain=1)");
  EXPECT_EQ(Canonical("xavier_normal"), "xavier_normal(gain=1)");
  EXPECT_EQ(Canonical("he_uniform"),
            "he_uniform(mode=fan_in, nonlinearity=relu, negative_slope=0)");
  EXPECT_EQ(Canonical("he_normal"),
            "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)");
  EXPECT_EQ(Canonical("lecun_uniform"), "lecun_uniform");
  EXPECT_EQ(Canonical("lecun_normal"), "lecun_normal");
  EXPECT_EQ(Canonical("fan_in_uniform"), "fan_in_uniform");
  EXPECT_EQ(Canonical("fan_out_uniform"), "fan_out_uniform");
  EXPECT_EQ(Canonical("truncated_normal"),
            "truncated_normal(mean=0, std=1, a=-2, b=2, bounds=absolute)");
  EXPECT_EQ(Canonical("variance_scaling"),
            "variance_scaling(scale=1, mode=fan_in, "
            "distribution=truncated_normal)");
  EXPECT_EQ(Canonical("keep"), "keep");
}

TEST(ParseStrategyTest, ShowsFlavorOnlyWhenItIsNotTheDefault) {
  // The canonical text of every strategy written before flavor existed is
  // unchanged (reports and plans quote it).
  EXPECT_EQ(Canonical("he_normal(flavor=torch)"),
            "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)");
  EXPECT_EQ(Canonical("lecun_normal(flavor=torch)"), "lecun_normal");
  EXPECT_EQ(Canonical("he_normal(flavor=keras)"),
            "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0, "
            "flavor=keras)");
  EXPECT_EQ(Canonical("glorot_normal(flavor=keras, gain=2)"),
            "xavier_normal(gain=2, flavor=keras)");
  EXPECT_EQ(Canonical("lecun_normal(flavor=keras)"),
            "lecun_normal(flavor=keras)");
  const auto s = ParseStrategy("lecun_normal");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->params().size(), 1u);  // still a parameter, with its default
  EXPECT_EQ(s->params()[0].name, "flavor");
  EXPECT_EQ(s->params()[0].text, "torch");
}

TEST(ParseStrategyTest, MapsAliasesToCanonicalNames) {
  EXPECT_EQ(Canonical("small"), "random_sign(value=0.01)");
  EXPECT_EQ(Canonical("glorot_uniform(gain=2)"), "xavier_uniform(gain=2)");
  EXPECT_EQ(Canonical("glorot_normal"), "xavier_normal(gain=1)");
  EXPECT_EQ(Canonical("kaiming_uniform(mode=fan_out)"),
            "he_uniform(mode=fan_out, nonlinearity=relu, negative_slope=0)");
  EXPECT_EQ(Canonical("kaiming_normal(nonlinearity=tanh)"),
            "he_normal(mode=fan_in, nonlinearity=tanh, negative_slope=0)");
}

TEST(ParseStrategyTest, EveryTableAliasResolvesToItsRow) {
  for (const auto& row : strategy_internal::StrategyTable()) {
    for (const auto alias : row.aliases) {
      const auto s = ParseStrategy(std::string(alias));
      ASSERT_TRUE(s.ok()) << s.status();
      EXPECT_EQ(s->name(), std::string(row.name));
    }
  }
}

TEST(ParseStrategyTest, PrintsNumbersInShortestForm) {
  EXPECT_EQ(Canonical("normal(std=0.020)"), "normal(mean=0, std=0.02)");
  EXPECT_EQ(Canonical("normal(mean=+1.0, std=2e0)"), "normal(mean=1, std=2)");
  EXPECT_EQ(Canonical("constant(value=1e-5)"), "constant(value=1e-05)");
  EXPECT_EQ(Canonical("constant(value=0.1234567891)"),
            "constant(value=0.1234567891)");
  EXPECT_EQ(Canonical("constant(value=-0)"), "constant(value=0)");
  EXPECT_EQ(Canonical("constant(value=123456789)"),
            "constant(value=123456789)");
}

TEST(ParseStrategyTest, ListsParametersInTableOrder) {
  EXPECT_EQ(Canonical("normal(std=2, mean=1)"), "normal(mean=1, std=2)");
  const auto s = ParseStrategy("he_normal(negative_slope=0.2, mode=fan_out)");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->params().size(), 4u);
  EXPECT_EQ(s->params()[0].name, "mode");
  EXPECT_EQ(s->params()[0].text, "fan_out");
  EXPECT_EQ(s->params()[2].name, "negative_slope");
  EXPECT_EQ(s->params()[2].number, 0.2);
  EXPECT_EQ(s->params()[3].name, "flavor");
}

TEST(ParseStrategyTest, ToStringParsesBackToTheSameStrategy) {
  for (const char* text :
       {"uniform(a=-1, b=3)", "normal(mean=0.5, std=0.25)", "small(value=2)",
        "kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, "
        "negative_slope=0.01)",
        "zeros", "fan_in_uniform", "he_normal(flavor=keras)",
        "truncated_normal(mean=1, std=0.5, a=-1, b=4, bounds=sigma)",
        "variance_scaling(scale=2, mode=fan_geo_avg, distribution=uniform)",
        "keep"}) {
    const std::string once = Canonical(text);
    EXPECT_EQ(Canonical(once), once) << text;
  }
}

TEST(ParseStrategyTest, AcceptsEqualUniformBounds) {
  EXPECT_EQ(Canonical("uniform(a=0.5, b=0.5)"), "uniform(a=0.5, b=0.5)");
}

TEST(ParseStrategyTest, RejectsBadStrategiesWithExactMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"foo",
       "unknown strategy \"foo\"; known: uniform, zeros, ones, constant, "
       "random_sign, normal, truncated_normal, xavier_uniform, xavier_normal, "
       "he_uniform, he_normal, lecun_uniform, lecun_normal, variance_scaling, "
       "fan_in_uniform, fan_out_uniform, orthogonal, identity, dirac, sparse, "
       "forget_bias, gpt2, zero_residual_branch, keep"},
      {"normal(sd=1)",
       "strategy \"normal\": unknown parameter \"sd\"; accepted: mean, std"},
      {"zeros(value=1)",
       "strategy \"zeros\": unknown parameter \"value\"; it takes no "
       "parameters"},
      {"glorot_uniform(gian=2)",
       "strategy \"glorot_uniform\": unknown parameter \"gian\"; accepted: "
       "gain"},
      {"normal(std=-1)",
       "strategy \"normal\": parameter \"std\" must be a number >= 0, got "
       "\"-1\""},
      {"normal(std=inf)",
       "strategy \"normal\": parameter \"std\" must be a number >= 0, got "
       "\"inf\""},
      {"normal(mean=abc)",
       "strategy \"normal\": parameter \"mean\" must be a finite number, got "
       "\"abc\""},
      {"normal(mean=nan)",
       "strategy \"normal\": parameter \"mean\" must be a finite number, got "
       "\"nan\""},
      {"constant(value=1e999)",
       "strategy \"constant\": parameter \"value\" must be a finite number, "
       "got \"1e999\""},
      {"small(value=-0.5)",
       "strategy \"small\": parameter \"value\" must be a number >= 0, got "
       "\"-0.5\""},
      {"xavier_normal(gain=-1)",
       "strategy \"xavier_normal\": parameter \"gain\" must be a number >= 0, "
       "got \"-1\""},
      {"uniform(a=1, b=0)",
       "strategy \"uniform\": parameter \"a\" must be <= parameter \"b\", got "
       "a=1, b=0"},
      {"uniform(a=0.5)",
       "strategy \"uniform\": parameter \"a\" must be <= parameter \"b\", got "
       "a=0.5, b=0.01"},
      {"he_normal(mode=fan_avg)",
       "strategy \"he_normal\": parameter \"mode\" must be one of {fan_in, "
       "fan_out}, got \"fan_avg\""},
      {"kaiming_uniform(nonlinearity=gelu)",
       "strategy \"kaiming_uniform\": parameter \"nonlinearity\" must be one "
       "of {relu, linear, leaky_relu, tanh, sigmoid, selu}, got \"gelu\""},
      {"he_uniform(negative_slope=x)",
       "strategy \"he_uniform\": parameter \"negative_slope\" must be a finite "
       "number, got \"x\""},
      // truncated_normal
      {"truncated_normal(std=0)",
       "strategy \"truncated_normal\": parameter \"std\" must be > 0, got "
       "\"0\""},
      {"truncated_normal(std=-1)",
       "strategy \"truncated_normal\": parameter \"std\" must be a number "
       ">= 0, got \"-1\""},
      {"truncated_normal(a=1, b=1)",
       "strategy \"truncated_normal\": parameter \"a\" must be < parameter "
       "\"b\", got a=1, b=1"},
      {"truncated_normal(a=3)",
       "strategy \"truncated_normal\": parameter \"a\" must be < parameter "
       "\"b\", got a=3, b=2"},
      {"truncated_normal(bounds=relative)",
       "strategy \"truncated_normal\": parameter \"bounds\" must be one of "
       "{absolute, sigma}, got \"relative\""},
      {"truncated_normal(a=37, b=38)",
       "strategy \"truncated_normal\": the interval [37, 38] lies more than "
       "36 std from the mean (mean=0, std=1)"},
      {"truncated_normal(mean=1, std=0.5, a=-40, b=-38, bounds=sigma)",
       "strategy \"truncated_normal\": the interval [-19, -18] lies more than "
       "36 std from the mean (mean=1, std=0.5)"},
      {"truncated_normal(std=1e300, a=-1e10, bounds=sigma)",
       "strategy \"truncated_normal\": bounds mean + a·std = -inf and mean + "
       "b·std = 2e+300 must be finite"},
      // variance_scaling
      {"variance_scaling(scale=0)",
       "strategy \"variance_scaling\": parameter \"scale\" must be > 0, got "
       "\"0\""},
      {"variance_scaling(mode=fan_sum)",
       "strategy \"variance_scaling\": parameter \"mode\" must be one of "
       "{fan_in, fan_out, fan_avg, fan_geo_avg}, got \"fan_sum\""},
      {"variance_scaling(distribution=normal)",
       "strategy \"variance_scaling\": parameter \"distribution\" must be "
       "one of {truncated_normal, untruncated_normal, uniform}, got "
       "\"normal\""},
      // flavor
      {"kaiming_normal(flavor=jax)",
       "strategy \"kaiming_normal\": parameter \"flavor\" must be one of "
       "{torch, keras}, got \"jax\""},
      {"he_uniform(flavor=keras)",
       "strategy \"he_uniform\": unknown parameter \"flavor\"; accepted: "
       "mode, nonlinearity, negative_slope"},
      {"lecun_normal(gain=2)",
       "strategy \"lecun_normal\": unknown parameter \"gain\"; accepted: "
       "flavor"},
      // keep
      {"keep(value=1)",
       "strategy \"keep\": unknown parameter \"value\"; it takes no "
       "parameters"},
      // Syntax errors come through ParseStrategy unchanged.
      {"normal(std=", "malformed strategy \"normal(std=\": expected \")\""},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    ExpectError(ParseStrategy(text), absl::StatusCode::kInvalidArgument,
                message);
  }
}

TEST(ResolveStrategyTest, RejectsARepeatedKeyInAHandBuiltSpec) {
  StrategySpec spec;
  spec.name = "normal";
  spec.params = {{"std", "1"}, {"std", "2"}};
  ExpectError(ResolveStrategy(spec), absl::StatusCode::kInvalidArgument,
              "strategy \"normal\": parameter \"std\" given twice");
}

// ---- needs_fans / DistributionFor -----------------------------------------

TEST(StrategyTest, NeedsFansOnlyForFanBasedStrategies) {
  for (const char* text :
       {"uniform", "zeros", "ones", "constant", "random_sign", "normal",
        "truncated_normal", "keep"}) {
    EXPECT_FALSE(ParseStrategy(text)->needs_fans()) << text;
  }
  for (const char* text :
       {"xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
        "he_normal(mode=fan_out)", "lecun_uniform", "lecun_normal",
        "fan_in_uniform", "fan_out_uniform", "variance_scaling",
        "lecun_normal(flavor=keras)"}) {
    EXPECT_TRUE(ParseStrategy(text)->needs_fans()) << text;
  }
}

Distribution DistributionOf(const std::string& text, Fans fans) {
  const auto s = ParseStrategy(text);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return {};
  const auto d = s->DistributionFor(fans);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : Distribution{};
}

void ExpectUniform(const Distribution& d, double low, double high) {
  EXPECT_EQ(d.kind, Distribution::Kind::kUniform);
  EXPECT_DOUBLE_EQ(d.low, low);
  EXPECT_DOUBLE_EQ(d.high, high);
}

void ExpectNormal(const Distribution& d, double mean, double std) {
  EXPECT_EQ(d.kind, Distribution::Kind::kNormal);
  EXPECT_DOUBLE_EQ(d.mean, mean);
  EXPECT_DOUBLE_EQ(d.std, std);
}

void ExpectTruncatedNormal(const Distribution& d, double mean, double std,
                           double low, double high) {
  EXPECT_EQ(d.kind, Distribution::Kind::kTruncatedNormal);
  EXPECT_DOUBLE_EQ(d.mean, mean);
  EXPECT_DOUBLE_EQ(d.std, std);
  EXPECT_DOUBLE_EQ(d.low, low);
  EXPECT_DOUBLE_EQ(d.high, high);
}

// Keras's truncated normal for target std s: σ = s / 0.8796..., on ±2σ.
void ExpectKerasTruncated(const Distribution& d, double s) {
  const double sigma = s / 0.87962566103423978;
  ExpectTruncatedNormal(d, 0, sigma, -2 * sigma, 2 * sigma);
  EXPECT_NEAR(d.TargetStd(), s, 1e-15 * s);
}

TEST(StrategyTest, FixedStrategiesIgnoreFans) {
  ExpectUniform(DistributionOf("uniform(a=-2, b=3)", {}), -2, 3);
  ExpectNormal(DistributionOf("normal(mean=1, std=0.5)", {}), 1, 0.5);
  const Distribution zeros = DistributionOf("zeros", {});
  EXPECT_EQ(zeros.kind, Distribution::Kind::kConstant);
  EXPECT_EQ(zeros.value, 0);
  EXPECT_EQ(DistributionOf("ones", {}).value, 1);
  EXPECT_EQ(DistributionOf("constant(value=0.25)", {}).value, 0.25);
  const Distribution sign = DistributionOf("small", {});
  EXPECT_EQ(sign.kind, Distribution::Kind::kRandomSign);
  EXPECT_EQ(sign.value, 0.01);
}

TEST(StrategyTest, FanBasedStrategiesFollowTheirFormulas) {
  const Fans fans{300, 200};  // fan_in, fan_out
  ExpectUniform(DistributionOf("xavier_uniform(gain=2)", fans),
                -2 * std::sqrt(6.0 / 500), 2 * std::sqrt(6.0 / 500));
  ExpectNormal(DistributionOf("glorot_normal", fans), 0, std::sqrt(2.0 / 500));
  ExpectUniform(DistributionOf("he_uniform", fans),
                -std::sqrt(2.0) * std::sqrt(3.0 / 300),
                std::sqrt(2.0) * std::sqrt(3.0 / 300));
  ExpectUniform(
      DistributionOf("he_uniform(mode=fan_out, nonlinearity=tanh)", fans),
      -5.0 / 3 * std::sqrt(3.0 / 200), 5.0 / 3 * std::sqrt(3.0 / 200));
  ExpectNormal(DistributionOf("he_normal", fans), 0,
               std::sqrt(2.0) / std::sqrt(300.0));
  ExpectNormal(
      DistributionOf("kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, "
                     "negative_slope=0.2)",
                     fans),
      0, std::sqrt(2.0 / (1 + 0.04)) / std::sqrt(200.0));
  ExpectNormal(DistributionOf("he_normal(nonlinearity=selu)", fans), 0,
               0.75 / std::sqrt(300.0));
  ExpectUniform(DistributionOf("lecun_uniform", fans), -std::sqrt(3.0 / 300),
                std::sqrt(3.0 / 300));
  ExpectNormal(DistributionOf("lecun_normal", fans), 0, std::sqrt(1.0 / 300));
  ExpectUniform(DistributionOf("fan_in_uniform", fans), -1 / std::sqrt(300.0),
                1 / std::sqrt(300.0));
  ExpectUniform(DistributionOf("fan_out_uniform", fans), -1 / std::sqrt(200.0),
                1 / std::sqrt(200.0));
}

TEST(StrategyTest, TruncatedNormalBoundsAreAbsoluteOrInSigmaUnits) {
  ExpectTruncatedNormal(DistributionOf("truncated_normal", {}), 0, 1, -2, 2);
  // torch's trunc_normal_(std=0.02): a, b stay ±2, i.e. ±100σ.
  ExpectTruncatedNormal(DistributionOf("truncated_normal(std=0.02)", {}), 0,
                        0.02, -2, 2);
  ExpectTruncatedNormal(
      DistributionOf("truncated_normal(mean=1, std=0.5, a=-3, b=2, "
                     "bounds=sigma)",
                     {}),
      1, 0.5, -0.5, 2);
  // At the 36σ limit, on either side, is accepted.
  EXPECT_TRUE(ParseStrategy("truncated_normal(a=36, b=40)").ok());
  EXPECT_TRUE(ParseStrategy("truncated_normal(a=-50, b=-36)").ok());
}

TEST(StrategyTest, VarianceScalingFollowsKerasFormulas) {
  const Fans fans{300, 200};
  ExpectKerasTruncated(DistributionOf("variance_scaling", fans),
                       std::sqrt(1.0 / 300));
  ExpectKerasTruncated(
      DistributionOf("variance_scaling(scale=2, mode=fan_out)", fans),
      std::sqrt(2.0 / 200));
  ExpectKerasTruncated(DistributionOf("variance_scaling(mode=fan_avg)", fans),
                       std::sqrt(1.0 / 250));
  ExpectKerasTruncated(
      DistributionOf("variance_scaling(mode=fan_geo_avg)", fans),
      std::sqrt(1.0 / std::sqrt(60000.0)));
  ExpectNormal(DistributionOf("variance_scaling(scale=3, "
                              "distribution=untruncated_normal)",
                              fans),
               0, std::sqrt(3.0 / 300));
  const double limit = std::sqrt(3 * 0.5 / 250);
  ExpectUniform(DistributionOf("variance_scaling(scale=0.5, mode=fan_avg, "
                               "distribution=uniform)",
                               fans),
                -limit, limit);
}

TEST(StrategyTest, KerasFlavorTruncatesTheSameTargetStd) {
  const Fans fans{300, 200};
  ExpectKerasTruncated(DistributionOf("he_normal(flavor=keras)", fans),
                       std::sqrt(2.0) / std::sqrt(300.0));
  ExpectKerasTruncated(
      DistributionOf("kaiming_normal(mode=fan_out, nonlinearity=tanh, "
                     "flavor=keras)",
                     fans),
      5.0 / 3 / std::sqrt(200.0));
  ExpectKerasTruncated(DistributionOf("xavier_normal(flavor=keras)", fans),
                       std::sqrt(2.0 / 500));
  ExpectKerasTruncated(DistributionOf("lecun_normal(flavor=keras)", fans),
                       std::sqrt(1.0 / 300));
  // Keras's own names: HeNormal = variance_scaling(scale=2), GlorotNormal =
  // variance_scaling(mode=fan_avg), LecunNormal = variance_scaling.
  const Distribution he = DistributionOf("he_normal(flavor=keras)", fans);
  const Distribution vs = DistributionOf("variance_scaling(scale=2)", fans);
  EXPECT_DOUBLE_EQ(he.std, vs.std);
  EXPECT_DOUBLE_EQ(DistributionOf("glorot_normal(flavor=keras)", fans).std,
                   DistributionOf("variance_scaling(mode=fan_avg)", fans).std);
  EXPECT_EQ(DistributionOf("lecun_normal(flavor=keras)", fans).std,
            DistributionOf("variance_scaling", fans).std);
  // A zero gain gives a zero std: the degenerate point 0.
  const Distribution zero =
      DistributionOf("xavier_normal(gain=0, flavor=keras)", fans);
  EXPECT_EQ(zero.TargetStd(), 0.0);
  EXPECT_EQ(zero.TargetMean(), 0.0);
}

TEST(StrategyTest, TorchFlavorIsTheUntruncatedNormal) {
  const Fans fans{300, 200};
  ExpectNormal(DistributionOf("he_normal(flavor=torch)", fans), 0,
               std::sqrt(2.0) / std::sqrt(300.0));
  ExpectNormal(DistributionOf("glorot_normal(flavor=torch)", fans), 0,
               std::sqrt(2.0 / 500));
  ExpectNormal(DistributionOf("lecun_normal(flavor=torch)", fans), 0,
               std::sqrt(1.0 / 300));
}

TEST(StrategyTest, KeepKeepsAndHasNoDistribution) {
  const auto keep = ParseStrategy("keep");
  ASSERT_TRUE(keep.ok()) << keep.status();
  EXPECT_TRUE(keep->keeps());
  EXPECT_FALSE(keep->needs_fans());
  ExpectError(keep->DistributionFor({3, 4}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"keep\" writes no values");
  for (const auto& row : strategy_internal::StrategyTable()) {
    if (row.name == "keep") continue;
    EXPECT_FALSE(ParseStrategy(std::string(row.name))->keeps()) << row.name;
  }
  EXPECT_FALSE(Strategy().keeps());
}

TEST(StrategyTest, UnknownFanIsAFailedPreconditionNamingTheFan) {
  ExpectError(ParseStrategy("lecun_normal")->DistributionFor({0, 10}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"lecun_normal\" needs fan_in, but this tensor's "
              "fan_in is unknown (fan_in=0)");
  ExpectError(ParseStrategy("glorot_uniform")->DistributionFor({10, 0}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"xavier_uniform\" needs fan_in and fan_out, but this "
              "tensor's fan_out is unknown (fan_out=0)");
  ExpectError(ParseStrategy("xavier_normal")->DistributionFor({0, 0}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"xavier_normal\" needs fan_in and fan_out, but this "
              "tensor's fan_in and fan_out are unknown (fan_in=0, fan_out=0)");
  ExpectError(
      ParseStrategy("he_normal(mode=fan_out)")->DistributionFor({10, 0}),
      absl::StatusCode::kFailedPrecondition,
      "strategy \"he_normal\" needs fan_out, but this tensor's fan_out is "
      "unknown (fan_out=0)");
  // mode=fan_in does not need fan_out.
  EXPECT_TRUE(ParseStrategy("he_uniform")->DistributionFor({10, 0}).ok());
  ExpectError(ParseStrategy("fan_in_uniform")->DistributionFor({-3, 4}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"fan_in_uniform\" needs fan_in, but this tensor's "
              "fan_in is unknown (fan_in=-3)");
  // variance_scaling: fan_avg and fan_geo_avg need both fans.
  EXPECT_TRUE(ParseStrategy("variance_scaling")->DistributionFor({10, 0}).ok());
  ExpectError(
      ParseStrategy("variance_scaling(mode=fan_avg)")->DistributionFor({10, 0}),
      absl::StatusCode::kFailedPrecondition,
      "strategy \"variance_scaling\" needs fan_in and fan_out, but this "
      "tensor's fan_out is unknown (fan_out=0)");
  ExpectError(ParseStrategy("variance_scaling(mode=fan_geo_avg)")
                  ->DistributionFor({0, 10}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"variance_scaling\" needs fan_in and fan_out, but "
              "this tensor's fan_in is unknown (fan_in=0)");
  ExpectError(
      ParseStrategy("variance_scaling(mode=fan_out)")->DistributionFor({10, 0}),
      absl::StatusCode::kFailedPrecondition,
      "strategy \"variance_scaling\" needs fan_out, but this tensor's "
      "fan_out is unknown (fan_out=0)");
  // fan_out_uniform needs only fan_out (an LSTM's hidden size).
  EXPECT_TRUE(ParseStrategy("fan_out_uniform")->DistributionFor({0, 10}).ok());
  ExpectError(ParseStrategy("fan_out_uniform")->DistributionFor({10, 0}),
              absl::StatusCode::kFailedPrecondition,
              "strategy \"fan_out_uniform\" needs fan_out, but this tensor's "
              "fan_out is unknown (fan_out=0)");
}

TEST(StrategyTest, DefaultConstructedStrategyHasNoDistribution) {
  ExpectError(Strategy().DistributionFor({3, 4}),
              absl::StatusCode::kFailedPrecondition,
              "strategy was not resolved (use ParseStrategy or "
              "ResolveStrategy)");
}

// ---- NonlinearityGain -----------------------------------------------------

TEST(NonlinearityGainTest, MatchesTorchCalculateGain) {
  EXPECT_DOUBLE_EQ(*NonlinearityGain("linear", 0), 1.0);
  EXPECT_DOUBLE_EQ(*NonlinearityGain("sigmoid", 0), 1.0);
  EXPECT_DOUBLE_EQ(*NonlinearityGain("tanh", 0), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(*NonlinearityGain("relu", 0), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(*NonlinearityGain("leaky_relu", 0), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(*NonlinearityGain("leaky_relu", 0.01),
                   std::sqrt(2.0 / (1 + 0.0001)));
  EXPECT_DOUBLE_EQ(*NonlinearityGain("selu", 0), 0.75);
}

TEST(NonlinearityGainTest, RejectsUnknownNamesListingKnownOnes) {
  ExpectError(NonlinearityGain("gelu", 0), absl::StatusCode::kInvalidArgument,
              "unknown nonlinearity \"gelu\"; known: relu, linear, "
              "leaky_relu, tanh, sigmoid, selu");
}

TEST(NonlinearityGainTest, KnowsEveryNonlinearityTheStrategyTableAllows) {
  for (const auto name : strategy_internal::NonlinearityNames()) {
    const auto gain = NonlinearityGain(std::string(name), 0.1);
    ASSERT_TRUE(gain.ok()) << name << ": " << gain.status();
    EXPECT_TRUE(std::isfinite(*gain) && *gain > 0) << name << ": " << *gain;
  }
}

// ---- DescribeStrategies ---------------------------------------------------

TEST(DescribeStrategiesTest, HasOneLinePerStrategyStartingWithItsName) {
  const std::vector<std::string> lines = DescribeStrategies();
  const auto& table = strategy_internal::StrategyTable();
  ASSERT_EQ(lines.size(), table.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], StartsWith(std::string(table[i].name)));
    EXPECT_EQ(lines[i].find('\n'), std::string::npos);
  }
}

TEST(DescribeStrategiesTest, ShowsDefaultsAliasesAndFormula) {
  const std::vector<std::string> lines = DescribeStrategies();
  EXPECT_THAT(lines,
              ::testing::Contains("normal(mean=0, std=0.1) — N(mean, std²)"));
  EXPECT_THAT(lines, ::testing::Contains(
                         "random_sign(value=0.01) aliases: small — +value or "
                         "-value with probability 1/2 each (std = value)"));
  EXPECT_THAT(lines, ::testing::Contains("lecun_uniform — U(±√(3/fan_in))"));
  EXPECT_THAT(lines,
              ::testing::Contains("keep — leave the values as they are (writes "
                                  "nothing)"));
}

TEST(DescribeStrategiesTest, ListsTheNewParametersWithTheirChoices) {
  const std::vector<std::string> lines = DescribeStrategies();
  const auto line_of = [&](const std::string& name) {
    for (const std::string& line : lines) {
      if (line.rfind(name + "(", 0) == 0 || line.rfind(name + " ", 0) == 0) {
        return line;
      }
    }
    return std::string();
  };
  EXPECT_THAT(line_of("truncated_normal"),
              StartsWith("truncated_normal(mean=0, std=1, a=-2, b=2, "
                         "bounds=absolute|sigma) — "));
  EXPECT_THAT(line_of("variance_scaling"),
              StartsWith("variance_scaling(scale=1, "
                         "mode=fan_in|fan_out|fan_avg|fan_geo_avg, "
                         "distribution=truncated_normal|untruncated_normal|"
                         "uniform) — "));
  EXPECT_THAT(line_of("lecun_normal"),
              StartsWith("lecun_normal(flavor=torch|keras) — N(0, 1/fan_in)"));
  EXPECT_THAT(line_of("xavier_normal"),
              StartsWith("xavier_normal(gain=1, flavor=torch|keras) aliases: "
                         "glorot_normal — "));
  EXPECT_THAT(line_of("he_normal"),
              ::testing::HasSubstr("negative_slope=0, flavor=torch|keras) "
                                   "aliases: kaiming_normal — "));
}

}  // namespace
}  // namespace onnx_reinit
