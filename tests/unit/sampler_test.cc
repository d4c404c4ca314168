#include "strategy/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "random/float_kernels.h"
#include "random/philox.h"
#include "random/transforms.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"
#include "strategy/strategy_table.h"
#include "support/stats.h"
#include "util/simd_level.h"

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

// ---- Reference truncated normal, from libm (independent of fast_math) ----

// Φ(x) and its upper tail Q(x) = 1 - Φ(x), in long double.
long double Phi(long double x) {
  return 0.5L * std::erfc(-x / std::sqrt(2.0L));
}
long double Density(long double x) {
  return std::exp(-x * x / 2) / std::sqrt(2 * 3.14159265358979323846264338L);
}

// The standard normal on [a, b] seen from the side where Φ is small: when
// a + b > 0 it is the mirror image of the one on [-b, -a].
struct StandardWindow {
  long double a, b;  // a + b <= 0
  long double sign;  // -1 when mirrored
  long double z;     // Φ(b) - Φ(a)
};
StandardWindow WindowOf(const Distribution& d) {
  long double a = (d.low - d.mean) / static_cast<long double>(d.std);
  long double b = (d.high - d.mean) / static_cast<long double>(d.std);
  long double sign = 1;
  if (a + b > 0) {
    std::swap(a, b);
    a = -a;
    b = -b;
    sign = -1;
  }
  a = std::max(a, -40.0L);  // no mass beyond, and keeps a·φ(a) finite
  b = std::min(b, 40.0L);
  return {a, b, sign, Phi(b) - Phi(a)};
}

// Raw moments E[Z^k], k = 0..4, of the standard normal on [a, b], by the
// recursion m_k = (k - 1)·m_{k-2} + (a^{k-1}·φ(a) - b^{k-1}·φ(b)) / Z.
std::vector<long double> RawMoments(const StandardWindow& w) {
  std::vector<long double> m(5);
  m[0] = 1;
  m[1] = (Density(w.a) - Density(w.b)) / w.z;
  for (int k = 2; k <= 4; ++k) {
    m[k] = (k - 1) * m[k - 2] + (std::pow(w.a, k - 1) * Density(w.a) -
                                 std::pow(w.b, k - 1) * Density(w.b)) /
                                    w.z;
  }
  return m;
}

struct TruncatedMoments {
  double mean, std, kurtosis;
};
TruncatedMoments ReferenceMoments(const Distribution& d) {
  const StandardWindow w = WindowOf(d);
  const std::vector<long double> m = RawMoments(w);
  const long double var = m[2] - m[1] * m[1];
  const long double mu4 = m[4] - 4 * m[1] * m[3] + 6 * m[1] * m[1] * m[2] -
                          3 * m[1] * m[1] * m[1] * m[1];
  return {static_cast<double>(d.mean + d.std * w.sign * m[1]),
          static_cast<double>(d.std * std::sqrt(var)),
          static_cast<double>(mu4 / (var * var))};
}

// CDF of the truncated normal, on the mirrored side when that is the precise
// one: F(x) = (Φ(t) - Φ(a)) / Z, or 1 - (Φ(-t) - Φ(a)) / Z when mirrored.
double TruncatedNormalCdf(const Distribution& d, double x) {
  const StandardWindow w = WindowOf(d);
  const long double t = (x - d.mean) / static_cast<long double>(d.std);
  const long double f =
      w.sign > 0 ? (Phi(t) - Phi(w.a)) / w.z : 1 - (Phi(-t) - Phi(w.a)) / w.z;
  return static_cast<double>(std::clamp(f, 0.0L, 1.0L));
}

// Kurtosis mu4 / sigma^4 of each kind: normal 3, uniform 9/5, random sign 1,
// truncated normal from its moments.
double Kurtosis(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kNormal:
      return 3.0;
    case Distribution::Kind::kUniform:
      return 1.8;
    case Distribution::Kind::kTruncatedNormal:
      return d.IsNearlyUniform() ? 1.8 : ReferenceMoments(d).kurtosis;
    default:
      return 1.0;
  }
}

std::string Describe(const Distribution& d) {
  return (::testing::Message() << "N(" << d.mean << ", " << d.std << "²) on ["
                               << d.low << ", " << d.high << "]")
      .GetString();
}

// Values of U(d.low, d.high) (or of a nearly uniform truncated normal) stay
// in [low, high], reach both ends within a few expected gaps, and follow the
// uniform CDF (Kolmogorov–Smirnov at kKsAlpha).
void ExpectUniformSupportAndShape(const Distribution& d,
                                  const std::vector<double>& values,
                                  const Moments& m, double low, double high) {
  const double n = static_cast<double>(values.size());
  EXPECT_GE(m.min, low);
  EXPECT_LE(m.max, high);
  const double gap = 20 * (d.high - d.low) / n;
  EXPECT_LT(m.min, d.low + gap);
  EXPECT_GT(m.max, d.high - gap);
  const double ks = KolmogorovSmirnovStatistic(
      values, [&](double x) { return UniformCdf(x, d.low, d.high); });
  EXPECT_LT(ks, KolmogorovSmirnovCriticalValue(values.size(), kKsAlpha));
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
//  - with `single` (values sampled in float32), the bounds of uniform and
//    truncated normal are the float32 roundings of low and high, and normal
//    values stay within sqrt(-2 ln 2^-24) < 5.78 standard deviations.
void ExpectMatches(const Distribution& d, const std::vector<double>& values,
                   bool single = false) {
  const double n = static_cast<double>(values.size());
  const double low = single ? static_cast<float>(d.low) : d.low;
  const double high = single ? static_cast<float>(d.high) : d.high;
  const double radius = single ? 5.78 : 8.58;
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
      5 * sigma * std::sqrt((Kurtosis(d) - 1) / (4 * n)) + 12.5 * sigma / n;
  EXPECT_NEAR(m.mean, mean, mean_tol) << "mean";
  EXPECT_NEAR(m.std, sigma, std_tol) << "std";

  switch (d.kind) {
    case Distribution::Kind::kUniform:
      ExpectUniformSupportAndShape(d, values, m, low, high);
      break;
    case Distribution::Kind::kNormal: {
      // Box–Muller's radius is at most sqrt(-2 ln 2^-53) < 8.58.
      EXPECT_GE(m.min, mean - radius * sigma);
      EXPECT_LE(m.max, mean + radius * sigma);
      const double ks = KolmogorovSmirnovStatistic(
          values, [&](double x) { return NormalCdf(x, mean, sigma); });
      EXPECT_LT(ks, KolmogorovSmirnovCriticalValue(values.size(), kKsAlpha));
      break;
    }
    case Distribution::Kind::kTruncatedNormal: {
      if (d.IsNearlyUniform()) {
        ExpectUniformSupportAndShape(d, values, m, low, high);
        break;
      }
      EXPECT_GE(m.min, low);
      EXPECT_LE(m.max, high);
      const double ks = KolmogorovSmirnovStatistic(
          values, [&](double x) { return TruncatedNormalCdf(d, x); });
      EXPECT_LT(ks, KolmogorovSmirnovCriticalValue(values.size(), kKsAlpha));
      break;
    }
    case Distribution::Kind::kRandomSign: {
      size_t positive = 0;
      for (const double x : values) {
        const double value = single ? static_cast<float>(d.value) : d.value;
        ASSERT_TRUE(x == value || x == -value) << x;
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
       {Distribution::Uniform(0.5, 0.5), Distribution::Normal(0.5, 0),
        Distribution::TruncatedNormal(0.5, 0, -1, 1),
        Distribution::TruncatedNormal(0, 1, 0.5, 0.5)}) {
    for (const double x : Sample(d, "d", 101)) ASSERT_EQ(x, 0.5);
  }
  // A zero-std truncated normal is its mean, clamped to the interval.
  for (const double x :
       Sample(Distribution::TruncatedNormal(3, 0, -1, 1), "d", 11)) {
    ASSERT_EQ(x, 1.0);
  }
}

TEST(SampleValuesTest, TruncatedNormalMatchesMomentsBoundsAndCdf) {
  for (const Distribution& d : {
           Distribution::TruncatedNormal(0, 1, -2, 2),    // Keras's ±2σ
           Distribution::TruncatedNormal(2, 0.5, 1, 4),   // asymmetric
           Distribution::TruncatedNormal(0, 1, 0, 50),    // half-normal
           Distribution::TruncatedNormal(0, 0.02, -2, 2)  // torch ±100σ
       }) {
    SCOPED_TRACE(Describe(d));
    ExpectMatches(d, Sample(d, "t"));
  }
}

// Both bounds 5σ and more from the mean, on either side (issue 4).
std::vector<Distribution> FarTailCases() {
  return {Distribution::TruncatedNormal(0, 1, 5, 6),
          Distribution::TruncatedNormal(1, 2, -11, -9),
          Distribution::TruncatedNormal(0, 1, 30, 31),
          Distribution::TruncatedNormal(0, 1, -36.5, -36)};
}

TEST(SampleValuesTest, TruncatedNormalFarInOneTailMatchesItsCdf) {
  // Both bounds 5σ and more from the mean, on either side: Φ(6) - Φ(5)
  // would cancel; the sampler works on the mirrored side.
  for (const Distribution& d : FarTailCases()) {
    SCOPED_TRACE(Describe(d));
    const std::vector<double> values = Sample(d, "tail");
    ExpectMatches(d, values);
    const TruncatedMoments want = ReferenceMoments(d);
    EXPECT_NEAR(d.TargetMean(), want.mean, 1e-9 * want.std);
    EXPECT_NEAR(d.TargetStd(), want.std, 1e-6 * want.std);
  }
}

// Intervals far narrower than the std (Distribution::IsNearlyUniform): the
// linear-density sampler, checked as a uniform on [low, high] (the tilt, at
// most 2^-26, moves the CDF by less than 2^-27, far below the KS critical
// value; the kurtosis is the uniform's 9/5). Found by fuzz_rules: N(5,
// (1e18)²) on [-2, 2] gave 2 for every value and a NaN target mean.
TEST(SampleValuesTest, TruncatedNormalFarNarrowerThanItsStdIsUniform) {
  for (const Distribution& d :
       {Distribution::TruncatedNormal(5, 1e18, -2, 2),
        Distribution::TruncatedNormal(0.5, 1e10, 0, 1),
        Distribution::TruncatedNormal(0, 1, -1e-9, 1e-9),
        Distribution::TruncatedNormal(0, 1, 5, 5 + 1e-9)}) {  // tilted
    SCOPED_TRACE(Describe(d));
    ASSERT_TRUE(d.IsNearlyUniform());
    ExpectMatches(d, Sample(d, "narrow", 1'000'000));
  }
}

// ---- Every strategy of the table ------------------------------------------

struct Expected {
  Distribution::Kind kind;
  double mean;
  double std;
  double bound;        // half-width for bounded kinds, 0 otherwise
  bool keeps = false;  // "keep": no distribution at all
  // Structured strategies: whole-tensor values (tested in
  // tests/unit/structured_test.cc and strategy_catalogue_test.cc).
  Distribution::Structure structure = Distribution::Structure::kNone;
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
  // Keras's truncated form of a target std s: N(0, σ²) on ±2σ, σ = s/0.8796.
  auto keras = [](double s) {
    return Expected{K::kTruncatedNormal, 0, s, 2 * s / 0.87962566103423978};
  };
  // A truncated_normal, its moments from the reference (libm) formulas.
  auto truncated = [](double mean, double std, double low, double high) {
    const Distribution d = Distribution::TruncatedNormal(mean, std, low, high);
    const TruncatedMoments m = ReferenceMoments(d);
    return Expected{K::kTruncatedNormal, m.mean, m.std,
                    std::max(m.mean - low, high - m.mean)};
  };
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
      // truncated_normal: torch's trunc_normal_ by default (absolute bounds).
      {"truncated_normal", {K::kTruncatedNormal, 0, 0.87962566103423978, 2}},
      {"truncated_normal(std=0.02)", {K::kTruncatedNormal, 0, 0.02, 2}},
      {"truncated_normal(mean=1, std=0.5, a=0, b=3)", truncated(1, 0.5, 0, 3)},
      {"truncated_normal(mean=0.5, std=2, a=-1, b=1, bounds=sigma)",
       truncated(0.5, 2, -1.5, 2.5)},
      {"truncated_normal(a=5, b=6)", truncated(0, 1, 5, 6)},
      // variance_scaling: Keras VarianceScaling.
      {"variance_scaling", keras(std::sqrt(1 / fi))},
      {"variance_scaling(scale=0.5, mode=fan_out)", keras(std::sqrt(0.5 / fo))},
      {"variance_scaling(scale=2, mode=fan_avg, distribution=uniform)",
       uniform(std::sqrt(3 * 2 / ((fi + fo) / 2)))},
      {"variance_scaling(mode=fan_geo_avg, distribution=untruncated_normal)",
       normal(std::sqrt(1 / std::sqrt(fi * fo)))},
      // flavor=keras: the same target std, truncated and corrected.
      {"he_normal(flavor=keras)", keras(relu / std::sqrt(fi))},
      {"glorot_normal(gain=2, flavor=keras)",
       keras(2 * std::sqrt(2 / (fi + fo)))},
      {"lecun_normal(flavor=keras)", keras(std::sqrt(1 / fi))},
      {"he_normal(flavor=torch)", normal(relu / std::sqrt(fi))},
      {"keep", {K::kConstant, 0, 0, 0, /*keeps=*/true}},
      {"orthogonal",
       {K::kConstant, 0, 0, 0, false, Distribution::Structure::kOrthogonal}},
      {"identity",
       {K::kConstant, 0, 0, 0, false, Distribution::Structure::kIdentity}},
      {"dirac",
       {K::kConstant, 0, 0, 0, false, Distribution::Structure::kDirac}},
      {"sparse",
       {K::kConstant, 0, 0, 0, false, Distribution::Structure::kSparse}},
      {"forget_bias",
       {K::kConstant, 0, 0, 0, false, Distribution::Structure::kForgetBias}},
      // Outside a residual branch, gpt2 is N(0, 0.02²).
      {"gpt2", normal(0.02)},
      // Without graph facts zero_residual_branch has no distribution (the
      // planner gives such tensors their role's default).
      {"zero_residual_branch", {K::kConstant, 0, 0, 0, /*keeps=*/true}},
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
    EXPECT_EQ(strategy->keeps(), want.keeps && text == "keep");
    const auto dist = strategy->DistributionFor(kFans);
    if (want.keeps) {
      EXPECT_FALSE(dist.ok());
      continue;
    }
    ASSERT_TRUE(dist.ok()) << dist.status();
    EXPECT_EQ(dist->structure, want.structure);
    if (dist->IsStructured()) continue;
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
  double u[kCount], n[kCount], s[kCount], t[kCount];
  SampleValues(Distribution::Uniform(-2, 6), key, first, kCount, u);
  SampleValues(Distribution::Normal(1, 3), key, first, kCount, n);
  SampleValues(Distribution::RandomSign(0.5), key, first, kCount, s);
  SampleValues(Distribution::TruncatedNormal(1, 3, -2, 7), key, first, kCount,
               t);
  for (size_t k = 0; k < kCount; ++k) {
    const uint64_t i = first + k;
    const BlockWords w = PhiloxBlock(key, i / 2);
    const uint64_t word = i % 2 == 0 ? w.w0 : w.w1;
    double z0, z1;
    BoxMuller(w.w0, w.w1, &z0, &z1);
    EXPECT_EQ(u[k], -2 + 8 * UniformOpen01(word)) << i;
    EXPECT_EQ(n[k], 1 + 3 * (i % 2 == 0 ? z0 : z1)) << i;
    EXPECT_EQ(s[k], (word >> 63) != 0 ? -0.5 : 0.5) << i;
    // Truncated normal: α = (-2 - 1)/3, β = (7 - 1)/3, one uniform of the
    // same word, scaled and clamped to [low, high].
    const double z = TruncatedStandardNormal(-1, 2, UniformOpen01(word));
    EXPECT_EQ(t[k], std::min(std::max(1 + 3 * z, -2.0), 7.0)) << i;
  }
}

TEST(SampleValuesTest, OddSizedPiecesGiveTheSameValuesAsOneCall) {
  const PhiloxKey key = TensorKey(kSeed, "pieces");
  for (const Distribution& d :
       {Distribution::Uniform(-1, 1), Distribution::Normal(0, 1),
        Distribution::RandomSign(1), Distribution::Constant(3),
        Distribution::TruncatedNormal(0, 1, -0.5, 2)}) {
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

// ---- Values pinned before flavor= and truncated_normal existed -----------

// FNV-1a over the bytes of the doubles.
uint64_t Fingerprint(const std::vector<double>& values) {
  uint64_t h = 1469598103934665603ull;
  for (const double x : values) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    for (int k = 0; k < 8; ++k) {
      h ^= (bits >> (8 * k)) & 0xff;
      h *= 1099511628211ull;
    }
  }
  return h;
}

std::vector<double> StrategyValues(const std::string& text, uint64_t first,
                                   size_t count) {
  const auto strategy = ParseStrategy(text);
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  const auto dist = strategy->DistributionFor(kFans);
  EXPECT_TRUE(dist.ok()) << dist.status();
  std::vector<double> values(count);
  if (dist.ok()) {
    SampleValues(*dist, TensorKey(kSeed, "pinned.weight"), first, count,
                 values.data());
  }
  return values;
}

// The default (torch) flavor writes the same bytes as before the flavor
// parameter was added: values captured from the build before the change.
TEST(SampleValuesTest, DefaultNormalStrategiesKeepTheirPinnedValues) {
  const std::vector<std::pair<std::string, std::vector<double>>> pinned = {
      {"he_normal",
       {-0.022613549132291511, -0.10297757691859039, 0.0064836010064622043,
        -0.053945426075616518, -0.048473628654340468}},
      {"xavier_normal",
       {-0.017516379837601643, -0.079766088087698778, 0.0050221757442963531,
        -0.04178594735898522, -0.037547511301700656}},
      {"lecun_normal",
       {-0.015990193938138497, -0.072816142949294574, 0.0045845982381773499,
        -0.038145176592066052, -0.034276031530202693}},
      {"kaiming_normal(mode=fan_out, nonlinearity=tanh)",
       {-0.032639846697153335, -0.14863532938610891, 0.0093582719659977068,
        -0.077863515665765631, -0.069965656380453572}},
  };
  for (const auto& [text, want] : pinned) {
    EXPECT_EQ(StrategyValues(text, 1000, want.size()), want) << text;
  }
  const std::vector<std::pair<std::string, uint64_t>> fingerprints = {
      {"he_normal", 0x87795208e786b392ull},
      {"xavier_normal", 0x476beac5d70ce55aull},
      {"lecun_normal", 0xbe3067223f1c7e5dull},
      {"he_uniform", 0x4882af90c107cd49ull},
      {"xavier_uniform", 0x6f787a6a273d0721ull},
      {"lecun_uniform", 0x48eab1fed4ecb323ull},
  };
  for (const auto& [text, want] : fingerprints) {
    EXPECT_EQ(Fingerprint(StrategyValues(text, 3, 10001)), want) << text;
  }
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

// ---- The single-precision stream (stream version 2) ----------------------

constexpr size_t kFloatN = 10'000'000;  // per sampler, as issue 11 asks

std::vector<SimdLevel> SupportedLevels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel level :
       {SimdLevel::kBaseline, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (CpuSupports(level)) {
      levels.push_back(level);
    } else {
      std::printf("[ SKIPPED  ] SIMD level %s: this CPU lacks it\n",
                  std::string(SimdLevelName(level)).c_str());
    }
  }
  return levels;
}

std::vector<float> SampleF(const Distribution& d, const std::string& name,
                           uint64_t first, size_t n,
                           SimdLevel level = SimdLevel::kAuto) {
  std::vector<float> values(n);
  SampleFloats(d, TensorKey(kSeed, name), first, n, level, values.data());
  return values;
}

std::vector<double> SampleFAsDouble(const Distribution& d,
                                    const std::string& name, size_t n) {
  const std::vector<float> f = SampleF(d, name, 0, n);
  return std::vector<double>(f.begin(), f.end());
}

TEST(SampleFloatsTest, WordsAreThoseOfPhiloxInTheDocumentedLayout) {
  // random/float_kernels.h: element 64g + 16j + l is word j of block 16g + l.
  const PhiloxKey key = TensorKey(kSeed, "layout");
  const uint64_t first_group = (uint64_t{1} << 28) + 3;  // blocks above 2^32
  constexpr size_t kGroups = 3;
  for (SimdLevel level : SupportedLevels()) {
    std::vector<uint32_t> words(kGroups * kGroupValues);
    FloatSamplerKernelsFor(level).words(key, first_group, kGroups,
                                        words.data());
    for (size_t k = 0; k < kGroups; ++k) {
      for (size_t l = 0; l < kGroupBlocks; ++l) {
        const uint64_t block = (first_group + k) * kGroupBlocks + l;
        const PhiloxCounter x =
            Philox4x32({static_cast<uint32_t>(block),
                        static_cast<uint32_t>(block >> 32), 0, 0},
                       key);
        for (size_t j = 0; j < 4; ++j) {
          ASSERT_EQ(words[k * kGroupValues + 16 * j + l], x[j])
              << SimdLevelName(level) << " group " << k << " word " << j
              << " lane " << l;
        }
      }
    }
  }
}

TEST(SampleFloatsTest, UniformAndSignFollowTheDocumentedTransforms) {
  const PhiloxKey key = TensorKey(kSeed, "transforms");
  std::vector<uint32_t> words(kGroupValues);
  FloatSamplerKernelsFor(SimdLevel::kBaseline).words(key, 5, 1, words.data());
  const std::vector<float> u =
      SampleF(Distribution::Uniform(-2, 6), "transforms", 5 * 64, 64);
  const std::vector<float> s =
      SampleF(Distribution::RandomSign(0.5), "transforms", 5 * 64, 64);
  for (size_t e = 0; e < kGroupValues; ++e) {
    const float unit = static_cast<float>(words[e] >> 8) * 0x1p-24f;
    EXPECT_EQ(u[e], std::min(std::max(-2.0f + 8.0f * unit, -2.0f), 6.0f));
    EXPECT_EQ(s[e], (words[e] >> 31) != 0 ? -0.5f : 0.5f);
  }
}

// Issue 11: every element-wise sampler gives the same bits at every SIMD
// level, for any split of a range.
TEST(SampleFloatsTest, EverySimdLevelGivesTheSameBits) {
  const std::vector<Distribution> kinds = {
      Distribution::Uniform(-0.3, 0.1),
      Distribution::Normal(0.5, 0.02),
      Distribution::RandomSign(0.01),
      Distribution::TruncatedNormal(0, 0.02, -0.04, 0.04),
      Distribution::TruncatedNormal(0, 1, -1e30, 2),     // one-sided
      Distribution::TruncatedNormal(0, 1, 5, 6),         // tail, float path
      Distribution::TruncatedNormal(0, 1, 30, 31),       // double path
      Distribution::TruncatedNormal(0, 1, 3, 3.000001),  // narrow: double
      Distribution::TruncatedNormal(5, 1e18, -2, 2),     // nearly uniform
      Distribution::Constant(0.25)};
  const std::vector<SimdLevel> levels = SupportedLevels();
  for (const Distribution& d : kinds) {
    const std::vector<float> reference =
        SampleF(d, "levels", 13, 100003, SimdLevel::kBaseline);
    for (SimdLevel level : levels) {
      const std::vector<float> got = SampleF(d, "levels", 13, 100003, level);
      ASSERT_EQ(
          std::memcmp(got.data(), reference.data(), got.size() * sizeof(float)),
          0)
          << SimdLevelName(level) << ", kind " << static_cast<int>(d.kind)
          << " [" << d.low << ", " << d.high << "]";
    }
  }
}

TEST(SampleValuesTest, EverySimdLevelGivesTheSameBits) {
  const PhiloxKey key = TensorKey(kSeed, "levels");
  for (const Distribution& d :
       {Distribution::Uniform(-0.3, 0.1), Distribution::Normal(0.5, 0.02),
        Distribution::RandomSign(0.01),
        Distribution::TruncatedNormal(0, 0.02, -0.04, 0.04),
        Distribution::TruncatedNormal(0, 1, 30, 31),
        Distribution::TruncatedNormal(5, 1e18, -2, 2)}) {  // nearly uniform
    std::vector<double> reference(30001);
    SampleValues(d, key, 7, reference.size(), reference.data(),
                 SimdLevel::kBaseline);
    for (SimdLevel level : SupportedLevels()) {
      std::vector<double> got(reference.size());
      SampleValues(d, key, 7, got.size(), got.data(), level);
      ASSERT_EQ(std::memcmp(got.data(), reference.data(),
                            got.size() * sizeof(double)),
                0)
          << SimdLevelName(level) << ", kind " << static_cast<int>(d.kind);
    }
  }
}

TEST(SampleFloatsTest, MomentsAreTheSameAtEveryLevelAndMatchALongDoubleSum) {
  // 1000003 values: whole 16-value steps and a ragged end.
  const std::vector<float> values =
      SampleF(Distribution::Normal(0.5, 0.02), "moments", 0, 1000003);
  long double want_sum = 0, want_sq = 0, abs_sum = 0;
  for (const float x : values) {
    const long double d = static_cast<long double>(x) - 0.49L;
    want_sum += d;
    want_sq += d * d;
    abs_sum += std::abs(d);
  }
  // Serial summation error: at most (terms per partial sum) · 2^-53 of the
  // sum of magnitudes (plus the rounding of each d, 2^-53 |d| per term).
  const double terms = static_cast<double>(values.size()) / 16 + 5;
  const double sum_tol = terms * 0x1p-53 * static_cast<double>(abs_sum);
  const double sq_tol = terms * 0x1p-52 * static_cast<double>(want_sq);
  double sum0 = 0, sq0 = 0;
  FloatSamplerKernelsFor(SimdLevel::kBaseline)
      .moments(values.data(), values.size(), 0.49, &sum0, &sq0);
  EXPECT_NEAR(sum0, static_cast<double>(want_sum), sum_tol);
  EXPECT_NEAR(sq0, static_cast<double>(want_sq), sq_tol);
  for (SimdLevel level : SupportedLevels()) {
    double sum = 0, sq = 0;
    FloatSamplerKernelsFor(level).moments(values.data(), values.size(), 0.49,
                                          &sum, &sq);
    EXPECT_EQ(sum, sum0) << SimdLevelName(level);
    EXPECT_EQ(sq, sq0) << SimdLevelName(level);
  }
}

TEST(SampleFloatsTest, OddSizedPiecesGiveTheSameValuesAsOneCall) {
  for (const Distribution& d :
       {Distribution::Uniform(-1, 1), Distribution::Normal(0, 1),
        Distribution::RandomSign(1), Distribution::Constant(3),
        Distribution::TruncatedNormal(0, 1, -0.5, 2),
        Distribution::TruncatedNormal(0, 1, 30, 31)}) {
    constexpr uint64_t kFirst = 37;
    constexpr size_t kTotal = 1001;
    const std::vector<float> whole = SampleF(d, "pieces", kFirst, kTotal);
    std::vector<float> pieces(kTotal, -999);
    for (size_t at = 0, size = 1; at < kTotal;
         at += size, size = size % 70 + 1) {
      const size_t n = std::min(size, kTotal - at);
      SampleFloats(d, TensorKey(kSeed, "pieces"), kFirst + at, n,
                   SimdLevel::kAuto, pieces.data() + at);
    }
    for (size_t i = 0; i < kTotal; ++i) {
      ASSERT_EQ(pieces[i], whole[i]) << "element " << kFirst + i;
    }
  }
}

TEST(SampleFloatsTest, UniformMatchesMomentsBoundsAndCdf) {
  const Distribution d = Distribution::Uniform(-0.1, 0.3);
  ExpectMatches(d, SampleFAsDouble(d, "u", kFloatN), /*single=*/true);
}

TEST(SampleFloatsTest, NormalMatchesMomentsCdfAndTailMass) {
  const Distribution d = Distribution::Normal(0.5, 0.02);
  const std::vector<double> values = SampleFAsDouble(d, "n", kFloatN);
  ExpectMatches(d, values, /*single=*/true);
  // The mass beyond 3σ and 4σ (both sides): a binomial count with
  // p = 2Φ(-k), within 5 standard errors sqrt(n·p·(1 - p)).
  for (const double k : {3.0, 4.0}) {
    const double p = std::erfc(k / std::sqrt(2.0));
    size_t beyond = 0;
    for (const double x : values) beyond += std::abs(x - 0.5) > k * 0.02;
    const double n = static_cast<double>(values.size());
    EXPECT_NEAR(static_cast<double>(beyond), n * p,
                5 * std::sqrt(n * p * (1 - p)))
        << "beyond " << k << " sigma";
  }
}

TEST(SampleFloatsTest, RandomSignIsPlusOrMinusValueHalfEach) {
  const Distribution d = Distribution::RandomSign(0.01);
  ExpectMatches(d, SampleFAsDouble(d, "s", kFloatN), /*single=*/true);
}

TEST(SampleFloatsTest, TruncatedNormalMatchesMomentsBoundsAndCdf) {
  // 10^7 values for Keras's ±2σ; 10^6 for the other shapes (the reference
  // CDF in long double is what takes the time).
  for (const auto& [d, n] : std::vector<std::pair<Distribution, size_t>>{
           {Distribution::TruncatedNormal(0, 1, -2, 2), kFloatN},
           {Distribution::TruncatedNormal(0, 0.02, -2, 2), 1'000'000},
           {Distribution::TruncatedNormal(2, 0.5, 1, 4), 1'000'000},
           {Distribution::TruncatedNormal(0, 1, 0, 50), 1'000'000},
       }) {
    SCOPED_TRACE(Describe(d) + ", " + std::to_string(n) + " values");
    ExpectMatches(d, SampleFAsDouble(d, "t", n), /*single=*/true);
  }
}

// The far-tail cases of issue 4, in single precision: [5, 6] and [-11, -9]
// on the float path, [30, 31] and [-36.5, -36] on the double one.
TEST(SampleFloatsTest, TruncatedNormalFarInOneTailMatchesItsCdf) {
  for (const Distribution& d : FarTailCases()) {
    SCOPED_TRACE(Describe(d));
    ExpectMatches(d, SampleFAsDouble(d, "tail", 1'000'000), /*single=*/true);
  }
}

// In float32 the window must span many floats: [5, 5 + 1e-9] is less than
// one float step wide, so it is left to the double test above.
TEST(SampleFloatsTest, TruncatedNormalFarNarrowerThanItsStdIsUniform) {
  for (const Distribution& d :
       {Distribution::TruncatedNormal(5, 1e18, -2, 2),
        Distribution::TruncatedNormal(0.5, 1e10, 0, 1),
        Distribution::TruncatedNormal(0, 1, -1e-9, 1e-9)}) {
    SCOPED_TRACE(Describe(d));
    ASSERT_TRUE(d.IsNearlyUniform());
    ExpectMatches(d, SampleFAsDouble(d, "narrow", 1'000'000), /*single=*/true);
  }
}

TEST(SampleFloatsTest, DegenerateDistributionsAreConstant) {
  for (const Distribution& d :
       {Distribution::Uniform(0.5, 0.5), Distribution::Normal(0.5, 0),
        Distribution::TruncatedNormal(0.5, 0, -1, 1),
        Distribution::Constant(0.5)}) {
    for (const float x : SampleF(d, "d", 3, 101)) ASSERT_EQ(x, 0.5f);
  }
}

// Known answers: the first values of each sampler for one (seed, name), so
// that a change of the stream cannot go unnoticed (the README's stream
// version must change with them).
TEST(SampleFloatsTest, FirstValuesArePinned) {
  const std::vector<std::pair<Distribution, std::vector<float>>> pinned = {
      {Distribution::Uniform(-1, 1),
       {0.309837461f, 0.410969257f, 0.455061078f, 0.48186028f}},
      {Distribution::Normal(0, 1),
       {-0.25399366f, -0.884293675f, -0.0454298854f, -0.796325624f}},
      {Distribution::RandomSign(1), {-1.0f, -1.0f, -1.0f, -1.0f}},
      {Distribution::TruncatedNormal(0, 1, -2, 2),
       {0.379575908f, 0.513316691f, 0.574477971f, 0.612715542f}},
      {Distribution::TruncatedNormal(0, 1, 30, 31),
       {30.0140896f, 30.0116138f, 30.0105896f, 30.0099831f}},
  };
  for (const auto& [d, want] : pinned) {
    // Elements 0, 16, 32, 48: word 0..3 of block 0.
    const std::vector<float> got = SampleF(d, "pinned.weight", 0, 64);
    std::vector<float> firsts;
    for (size_t e = 0; e < 64; e += 16) firsts.push_back(got[e]);
    EXPECT_EQ(firsts, want) << "kind " << static_cast<int>(d.kind);
  }
}

}  // namespace
}  // namespace onnx_reinit
