#include "strategy/sampler.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "random/philox.h"
#include "random/transforms.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"
#include "strategy/strategy_table.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using ::onnx_reinit::testing::ComputeMoments;
using ::onnx_reinit::testing::KolmogorovSmirnovCriticalValue;
using ::onnx_reinit::testing::KolmogorovSmirnovStatistic;
using ::onnx_reinit::testing::Moments;
using ::onnx_reinit::testing::NormalCdf;
using ::onnx_reinit::testing::UniformCdf;

constexpr size_t kN = 200000;
constexpr uint64_t kSeed = 20240611;
constexpr double kKsAlpha = 0.001;  // critical value 1.95 / sqrt(n)

std::vector<double> Sample(const Distribution& d, const std::string& name,
                           size_t n = kN) {
  std::vector<double> values(n);
  SampleValues(d, TensorKey(kSeed, name), 0, n, values.data());
  return values;
}

// Kurtosis mu4 / sigma^4 of each kind: normal 3, uniform 9/5, random sign 1.
double Kurtosis(Distribution::Kind kind) {
  switch (kind) {
    case Distribution::Kind::kNormal:
      return 3.0;
    case Distribution::Kind::kUniform:
      return 1.8;
    default:
      return 1.0;
  }
}

// Checks the moments, support and (for continuous kinds) the shape of n
// samples of `d`. Tolerances are 5 standard errors:
//  - mean: the sample mean has standard error sigma / sqrt(n), so
//      |mean - target| <= 5 sigma / sqrt(n).
//  - std: with kurtosis k = mu4 / sigma^4, Var(s^2) ~ (mu4 - sigma^4) / n,
//      and by the delta method (ds = ds^2 / (2 sigma)) the standard error of
//      s is sigma * sqrt((k - 1) / (4 n)). Estimating the mean adds a bias of
//      at most (mean error)^2 / (2 sigma) <= 25 sigma / (2 n) at 5 standard
//      errors, which is all that is left for random sign (k = 1):
//      |s - sigma| <= 5 sigma sqrt((k - 1) / (4 n)) + 12.5 sigma / n.
//  - shape: Kolmogorov–Smirnov against the target CDF, rejecting at
//      alpha = 0.001 (D > 1.95 / sqrt(n)).
void ExpectMatches(const Distribution& d, const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  const double mean = d.TargetMean();
  const double sigma = d.TargetStd();
  const Moments m = ComputeMoments(values);

  if (d.kind == Distribution::Kind::kConstant) {
    EXPECT_EQ(m.min, d.value);
    EXPECT_EQ(m.max, d.value);
    return;
  }
  const double mean_tol = 5 * sigma / std::sqrt(n);
  const double std_tol =
      5 * sigma * std::sqrt((Kurtosis(d.kind) - 1) / (4 * n)) +
      12.5 * sigma / n;
  EXPECT_NEAR(m.mean, mean, mean_tol) << "mean";
  EXPECT_NEAR(m.std, sigma, std_tol) << "std";

  switch (d.kind) {
    case Distribution::Kind::kUniform: {
      EXPECT_GE(m.min, d.low);
      EXPECT_LE(m.max, d.high);
      // Both ends are reached: within a few expected gaps of the bounds.
      const double gap = 20 * (d.high - d.low) / n;
      EXPECT_LT(m.min, d.low + gap);
      EXPECT_GT(m.max, d.high - gap);
      const double ks = KolmogorovSmirnovStatistic(
          values, [&](double x) { return UniformCdf(x, d.low, d.high); });
      EXPECT_LT(ks, KolmogorovSmirnovCriticalValue(values.size(), kKsAlpha));
      break;
    }
    case Distribution::Kind::kNormal: {
      // Box–Muller's radius is at most sqrt(-2 ln 2^-53) < 8.58.
      EXPECT_GE(m.min, mean - 8.58 * sigma);
      EXPECT_LE(m.max, mean + 8.58 * sigma);
      const double ks = KolmogorovSmirnovStatistic(
          values, [&](double x) { return NormalCdf(x, mean, sigma); });
      EXPECT_LT(ks, KolmogorovSmirnovCriticalValue(values.size(), kKsAlpha));
      break;
    }
    case Distribution::Kind::kRandomSign: {
      size_t positive = 0;
      for (const double x : values) {
        ASSERT_TRUE(x == d.value || x == -d.value) << x;
        if (x > 0) ++positive;
      }
      // Binomial(n, 1/2): standard deviation sqrt(n) / 2.
      EXPECT_NEAR(static_cast<double>(positive), n / 2, 5 * std::sqrt(n) / 2);
      break;
    }
    case Distribution::Kind::kConstant:
      break;
  }
}

// ---- One test per kind ----------------------------------------------------

TEST(SampleValuesTest, ConstantFillsEveryValue) {
  const Distribution d = Distribution::Constant(0.75);
  const std::vector<double> v = Sample(d, "c", 1001);
  for (const double x : v) ASSERT_EQ(x, 0.75);
}

TEST(SampleValuesTest, UniformMatchesMomentsBoundsAndCdf) {
  const Distribution d = Distribution::Uniform(-1.0, 3.0);
  ExpectMatches(d, Sample(d, "u"));
}

TEST(SampleValuesTest, NormalMatchesMomentsAndCdf) {
  const Distribution d = Distribution::Normal(2.0, 0.5);
  ExpectMatches(d, Sample(d, "n"));
}

TEST(SampleValuesTest, StandardNormalMatchesMomentsAndCdf) {
  const Distribution d = Distribution::Normal(0.0, 1.0);
  ExpectMatches(d, Sample(d, "z"));
}

TEST(SampleValuesTest, RandomSignIsPlusOrMinusValueHalfEach) {
  const Distribution d = Distribution::RandomSign(0.25);
  ExpectMatches(d, Sample(d, "s"));
}

TEST(SampleValuesTest, DegenerateUniformAndNormalAreConstant) {
  for (const Distribution& d :
       {Distribution::Uniform(0.5, 0.5), Distribution::Normal(0.5, 0)}) {
    for (const double x : Sample(d, "d", 101)) ASSERT_EQ(x, 0.5);
  }
}

// ---- Every strategy of the table ------------------------------------------

struct Expected {
  Distribution::Kind kind;
  double mean;
  double std;
  double bound;  // half-width for bounded kinds, 0 otherwise
};

// The example tensor: fan_in 300, fan_out 200 (e.g. a 200x300 Gemm weight).
constexpr Fans kFans{300, 200};

// Expected distributions, written from the formulas in strategy/strategy.h
// (not from the table), for each strategy with its defaults and a few with
// parameters.
std::map<std::string, Expected> ExpectedDistributions() {
  using K = Distribution::Kind;
  const double fi = 300, fo = 200;
  const double s12 = std::sqrt(12.0);
  auto uniform = [&](double bound) {
    return Expected{K::kUniform, 0, 2 * bound / s12, bound};
  };
  auto normal = [](double std) { return Expected{K::kNormal, 0, std, 0}; };
  const double relu = std::sqrt(2.0);
  return {
      {"uniform", uniform(0.01)},
      {"uniform(a=-1, b=3)", {K::kUniform, 1, 4 / s12, 2}},
      {"zeros", {K::kConstant, 0, 0, 0}},
      {"ones", {K::kConstant, 1, 0, 0}},
      {"constant", {K::kConstant, 0, 0, 0}},
      {"constant(value=-2.5)", {K::kConstant, -2.5, 0, 0}},
      {"random_sign", {K::kRandomSign, 0, 0.01, 0.01}},
      {"small(value=0.5)", {K::kRandomSign, 0, 0.5, 0.5}},
      {"normal", normal(0.1)},
      {"normal(mean=1, std=2)", {K::kNormal, 1, 2, 0}},
      {"xavier_uniform", uniform(std::sqrt(6 / (fi + fo)))},
      {"glorot_uniform(gain=3)", uniform(3 * std::sqrt(6 / (fi + fo)))},
      {"xavier_normal", normal(std::sqrt(2 / (fi + fo)))},
      {"he_uniform", uniform(relu * std::sqrt(3 / fi))},
      {"kaiming_uniform(mode=fan_out, nonlinearity=leaky_relu, "
       "negative_slope=0.2)",
       uniform(std::sqrt(2 / 1.04) * std::sqrt(3 / fo))},
      {"he_normal", normal(relu / std::sqrt(fi))},
      {"he_normal(mode=fan_out, nonlinearity=tanh)",
       normal(5.0 / 3 / std::sqrt(fo))},
      {"lecun_uniform", uniform(std::sqrt(3 / fi))},
      {"lecun_normal", normal(std::sqrt(1 / fi))},
      {"fan_in_uniform", uniform(1 / std::sqrt(fi))},
      {"fan_out_uniform", uniform(1 / std::sqrt(fo))},
  };
}

TEST(SampleValuesTest, EveryTableStrategyHasAnExpectation) {
  const auto expected = ExpectedDistributions();
  for (const auto& row : strategy_internal::StrategyTable()) {
    EXPECT_EQ(expected.count(std::string(row.name)), 1u)
        << "add strategy \"" << row.name << "\" to ExpectedDistributions()";
  }
}

TEST(SampleValuesTest, EveryStrategySamplesItsFormula) {
  for (const auto& [text, want] : ExpectedDistributions()) {
    SCOPED_TRACE(text);
    const auto strategy = ParseStrategy(text);
    ASSERT_TRUE(strategy.ok()) << strategy.status();
    const auto dist = strategy->DistributionFor(kFans);
    ASSERT_TRUE(dist.ok()) << dist.status();
    ASSERT_EQ(dist->kind, want.kind);
    EXPECT_NEAR(dist->TargetMean(), want.mean, 1e-12);
    EXPECT_NEAR(dist->TargetStd(), want.std, 1e-12 * want.std);
    EXPECT_NEAR(dist->TargetBound(), want.bound, 1e-12 * want.bound);
    const std::vector<double> values = Sample(*dist, text);
    ExpectMatches(*dist, values);
    if (want.bound > 0) {
      const Moments m = ComputeMoments(values);
      EXPECT_GE(m.min, want.mean - want.bound);
      EXPECT_LE(m.max, want.mean + want.bound);
    }
  }
}

// ---- Determinism and the documented element -> block mapping -------------

TEST(SampleValuesTest, ElementsFollowTheDocumentedBlockMapping) {
  const PhiloxKey key = TensorKey(kSeed, "mapping");
  const uint64_t first = (uint64_t{1} << 33) + 5;  // block index > 2^32
  constexpr size_t kCount = 6;
  double u[kCount], n[kCount], s[kCount];
  SampleValues(Distribution::Uniform(-2, 6), key, first, kCount, u);
  SampleValues(Distribution::Normal(1, 3), key, first, kCount, n);
  SampleValues(Distribution::RandomSign(0.5), key, first, kCount, s);
  for (size_t k = 0; k < kCount; ++k) {
    const uint64_t i = first + k;
    const BlockWords w = PhiloxBlock(key, i / 2);
    const uint64_t word = i % 2 == 0 ? w.w0 : w.w1;
    double z0, z1;
    BoxMuller(w.w0, w.w1, &z0, &z1);
    EXPECT_EQ(u[k], -2 + 8 * UniformOpen01(word)) << i;
    EXPECT_EQ(n[k], 1 + 3 * (i % 2 == 0 ? z0 : z1)) << i;
    EXPECT_EQ(s[k], (word >> 63) != 0 ? -0.5 : 0.5) << i;
  }
}

TEST(SampleValuesTest, OddSizedPiecesGiveTheSameValuesAsOneCall) {
  const PhiloxKey key = TensorKey(kSeed, "pieces");
  for (const Distribution& d :
       {Distribution::Uniform(-1, 1), Distribution::Normal(0, 1),
        Distribution::RandomSign(1), Distribution::Constant(3)}) {
    constexpr uint64_t kFirst = 7;
    constexpr size_t kTotal = 1001;
    std::vector<double> whole(kTotal);
    SampleValues(d, key, kFirst, kTotal, whole.data());

    // Pieces of sizes 1, 2, 3, 4, ... cycling through odd and even sizes and
    // odd and even starting elements, filled in reverse order.
    std::vector<double> pieces(kTotal, -999);
    std::vector<std::pair<size_t, size_t>> ranges;
    for (size_t at = 0, size = 1; at < kTotal;
         at += size, size = size % 9 + 1) {
      ranges.emplace_back(at, std::min(size, kTotal - at));
    }
    for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
      SampleValues(d, key, kFirst + it->first, it->second,
                   pieces.data() + it->first);
    }
    for (size_t i = 0; i < kTotal; ++i) {
      ASSERT_EQ(pieces[i], whole[i]) << "element " << kFirst + i;
    }
    // And each element alone.
    for (size_t i = 0; i < 40; ++i) {
      double one = 0;
      SampleValues(d, key, kFirst + i, 1, &one);
      ASSERT_EQ(one, whole[i]) << "element " << kFirst + i;
    }
  }
}

TEST(SampleValuesTest, ZeroCountWritesNothing) {
  double sentinel = 42;
  SampleValues(Distribution::Normal(0, 1), {1, 2}, 3, 0, &sentinel);
  SampleValues(Distribution::Constant(1), {1, 2}, 3, 0, &sentinel);
  EXPECT_EQ(sentinel, 42);
}

TEST(SampleValuesTest, DifferentTensorsGetDifferentValues) {
  const Distribution d = Distribution::Normal(0, 1);
  std::vector<double> a(64), b(64);
  SampleValues(d, TensorKey(kSeed, "a.weight"), 0, 64, a.data());
  SampleValues(d, TensorKey(kSeed, "b.weight"), 0, 64, b.data());
  size_t same = 0;
  for (size_t i = 0; i < 64; ++i) same += a[i] == b[i];
  EXPECT_EQ(same, 0u);
  SampleValues(d, TensorKey(kSeed + 1, "a.weight"), 0, 64, b.data());
  same = 0;
  for (size_t i = 0; i < 64; ++i) same += a[i] == b[i];
  EXPECT_EQ(same, 0u);
}

}  // namespace
}  // namespace onnx_reinit
