// The project's own normal distribution functions (random/fast_math.h) against
// independent references computed here from libm's erf/erfc/exp, and the
// truncated normal's promised moments (strategy/distribution.h) against
// numerical integration of its density.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "random/fast_math.h"
#include "random/transforms.h"
#include "strategy/distribution.h"

namespace onnx_reinit {
namespace {

constexpr double kSqrt2 = 1.41421356237309504880;

// The x with Φ(x) = p, by bisection down to adjacent doubles, comparing in
// whichever form has full relative precision for p: the lower tail through
// erfc(-x/√2)/2 against p, the upper tail through erfc(x/√2)/2 against 1 - p
// (exact for p >= 1/2), and the middle through erf(x/√2)/2 against p - 1/2
// (exact for 1/4 <= p <= 1).
double ReferenceQuantile(double p) {
  const auto below = [p](double x) {  // Φ(x) < p
    if (p < 0.25) return 0.5 * std::erfc(-x / kSqrt2) < p;
    if (p > 0.75) return 0.5 * std::erfc(x / kSqrt2) > 1 - p;
    return 0.5 * std::erf(x / kSqrt2) < p - 0.5;
  };
  double lo = -40;
  double hi = 40;
  for (int i = 0; i < 2000; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    (below(mid) ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double RelativeError(double got, double want) {
  if (got == want) return 0;
  return std::abs(got - want) / std::abs(want);
}

// ---- Φ⁻¹ --------------------------------------------------------------------

// The probabilities the sampler can pass to Φ⁻¹: p = Φ(a) + u·(Φ(b) - Φ(a))
// with u in [2^-53, 1 - 2^-53] and (strategies check) b >= -36, so p >=
// 2^-54·Φ(-36) > 1e-300 on the low side and p <= 1 - 2^-53 on the high side.
std::vector<double> ReachableProbabilities() {
  std::vector<double> ps;
  // Log-spaced from 1e-300 to 1/2, and 1 - the same down to 2^-53.
  for (int i = 0; i <= 6000; ++i) {
    const double p = std::pow(10.0, -300.0 + 300.0 * i / 6000.0) * 0.5;
    ps.push_back(p);
    if (p >= 0x1p-53) ps.push_back(1 - p);
  }
  // Every uniform the Philox words give, sampled.
  for (uint64_t w = 1; w <= 4000; ++w) {
    ps.push_back(UniformOpen01(w * 0x9E3779B97F4A7C15ull));
  }
  for (const double p : {0x1p-53, 1 - 0x1p-53, 0.075, 0.925, 0.5 + 0x1p-53,
                         0.5 - 0x1p-54, 0.07499999999999999, 0.925000000001}) {
    ps.push_back(p);
  }
  // Around r = 5, the switch between AS 241's two tail forms: p = e^-25.
  for (int k = -20; k <= 20; ++k)
    ps.push_back(1.3887943864964021e-11 * (1 + k * 1e-3));
  return ps;
}

// Measured: at most 8.8e-16 (at p = 3.2e-177) over these points, the
// reference itself good to about one ulp; the property worst_relative_error
// of --gtest_output=xml reports it. The target was 1e-9.
TEST(NormalQuantileTest, IsWithinTwoEpsilonsRelativeOverTheReachableRange) {
  double worst = 0;
  double worst_p = 0;
  for (const double p : ReachableProbabilities()) {
    if (p == 0.5) continue;
    const double error =
        RelativeError(fast_math::NormalQuantile(p), ReferenceQuantile(p));
    if (error > worst) {
      worst = error;
      worst_p = p;
    }
  }
  EXPECT_LT(worst, 2e-15) << "at p = " << worst_p;
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g at p=%.3g", worst, worst_p);
  RecordProperty("worst_relative_error", text);
}

TEST(NormalQuantileTest, IsZeroAtOneHalfAndExactlyOddAboutIt) {
  EXPECT_EQ(fast_math::NormalQuantile(0.5), 0.0);
  // For p >= 1/2 (a multiple of 2^-53), 1 - p is exact, so Φ⁻¹(1 - p) =
  // -Φ⁻¹(p) must hold bit for bit.
  for (const double p : {0.5 + 0x1p-53, 0.55, 0.7, 0.9, 0.925, 0.99, 1 - 1e-5,
                         1 - 1e-12, 1 - 0x1p-53}) {
    EXPECT_EQ(fast_math::NormalQuantile(1 - p), -fast_math::NormalQuantile(p))
        << p;
  }
}

TEST(NormalQuantileTest, IsFiniteAtZeroAndOne) {
  // p = 1 can come out of Φ(a) + u·(Φ(b) - Φ(a)) by rounding; the sampler
  // clamps the result to the interval, so it only has to be finite.
  EXPECT_TRUE(std::isfinite(fast_math::NormalQuantile(1.0)));
  EXPECT_GT(fast_math::NormalQuantile(1.0), 37);
  EXPECT_TRUE(std::isfinite(fast_math::NormalQuantile(0.0)));
  EXPECT_LT(fast_math::NormalQuantile(0.0), -37);
}

TEST(NormalQuantileTest, IsIncreasingAcrossItsThreeForms) {
  double previous = -1e9;
  for (int i = 1; i < 200000; ++i) {
    const double p = i / 200000.0;
    const double z = fast_math::NormalQuantile(p);
    ASSERT_GT(z, previous) << p;
    previous = z;
  }
}

// ---- Φ, φ and exp -----------------------------------------------------------

TEST(NormalCdfTest, IsRelativelyAccurateBelowZeroAndAbsolutelyAbove) {
  double worst_relative = 0;
  double worst_absolute = 0;
  for (int i = 0; i <= 75000; ++i) {
    const double x = -37.5 + i / 1000.0;
    const long double want =
        0.5L * std::erfc(-static_cast<long double>(x) / std::sqrt(2.0L));
    const double got = fast_math::NormalCdf(x);
    if (x <= 0) {
      worst_relative = std::max(worst_relative,
                                static_cast<double>(std::fabs(got / want - 1)));
    } else {
      worst_absolute =
          std::max(worst_absolute, static_cast<double>(std::fabs(got - want)));
    }
  }
  EXPECT_LT(worst_relative, 1e-14);
  EXPECT_LT(worst_absolute, 4e-16);
  EXPECT_EQ(fast_math::NormalCdf(0), 0.5);
  EXPECT_EQ(fast_math::NormalCdf(-INFINITY), 0.0);
  EXPECT_EQ(fast_math::NormalCdf(INFINITY), 1.0);
  EXPECT_EQ(fast_math::NormalCdf(-40), 0.0);  // below the smallest normal
}

TEST(NormalDensityTest, IsWithinAFewUlpUpTo37) {
  double worst = 0;
  for (int i = 0; i <= 75000; ++i) {
    const double x = -37.5 + i / 1000.0;
    const long double lx = x;
    const long double want =
        std::exp(-lx * lx / 2) / std::sqrt(2 * 3.14159265358979323846264338L);
    const double got = fast_math::NormalDensity(x);
    worst = std::max(worst, static_cast<double>(std::fabs(got / want - 1)));
  }
  EXPECT_LT(worst, 1e-15);
  EXPECT_EQ(fast_math::NormalDensity(INFINITY), 0.0);
  EXPECT_EQ(fast_math::NormalDensity(-50), 0.0);
}

TEST(ExpTest, IsWithinOneUlpOfLibmAndFlushesBelowTheNormalRange) {
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const double x = -708.39 + 709.0 * i / 200000.0;
    worst = std::max(worst, std::abs(fast_math::Exp(x) / std::exp(x) - 1));
  }
  EXPECT_LE(worst, 0x1p-52);
  EXPECT_EQ(fast_math::Exp(0), 1.0);
  EXPECT_EQ(fast_math::Exp(-709), 0.0);
  EXPECT_EQ(fast_math::Exp(-INFINITY), 0.0);
}

// ---- The truncated standard normal by inversion ---------------------------

TEST(TruncatedStandardNormalTest, FollowsTheDocumentedFormula) {
  // alpha + beta <= 0: used as is.
  const double u = 0.3;
  EXPECT_EQ(TruncatedStandardNormal(-3, 1, u),
            fast_math::NormalQuantile(
                fast_math::NormalCdf(-3) +
                u * (fast_math::NormalCdf(1) - fast_math::NormalCdf(-3))));
  // alpha + beta > 0: mirrored, and the result negated.
  EXPECT_EQ(TruncatedStandardNormal(5, 6, u),
            -fast_math::NormalQuantile(
                fast_math::NormalCdf(-6) +
                u * (fast_math::NormalCdf(-5) - fast_math::NormalCdf(-6))));
}

TEST(TruncatedStandardNormalTest, StaysInsideFarTailIntervals) {
  // Φ(6) - Φ(5) computed directly would keep about 9 of 16 digits; the
  // mirrored form keeps all, and the values stay inside [5, 6].
  for (const auto& [alpha, beta] : std::vector<std::pair<double, double>>{
           {5, 6}, {-6, -5}, {30, 30.5}, {-36.5, -36}, {8, INFINITY}}) {
    for (const double u : {0x1p-53, 0.001, 0.5, 0.999, 1 - 0x1p-53}) {
      const double z = TruncatedStandardNormal(alpha, beta, u);
      // Φ⁻¹ may round past a bound by a few ulp (the sampler clamps).
      EXPECT_GE(z, alpha - 1e-14 * std::abs(alpha))
          << alpha << " " << beta << " " << u;
      EXPECT_LE(z, beta + 1e-14 * std::abs(beta))
          << alpha << " " << beta << " " << u;
    }
  }
}

TEST(TruncatedStandardNormalTest, MedianOfAFarTailIntervalMatchesReference) {
  // The median of N(0, 1) on [5, 6] solves Q(z) = (Q(5) + Q(6)) / 2, Q the
  // upper tail: found by bisection on erfc.
  const double q5 = 0.5 * std::erfc(5 / kSqrt2);
  const double q6 = 0.5 * std::erfc(6 / kSqrt2);
  double lo = 5, hi = 6;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(mid / kSqrt2) > 0.5 * (q5 + q6) ? lo : hi) = mid;
  }
  EXPECT_NEAR(TruncatedStandardNormal(5, 6, 0.5), lo, 1e-13);
}

// ---- Moments of the truncated normal ---------------------------------------

struct Integrated {
  double mean;
  double std;
};

// Mean and std of N(mean, std²) on [low, high] by Simpson's rule on the
// density, in long double, from libm's exp, integrated around the
// interval's center in std units, c = (center - mean)/std, over t in [-h, h]
// with density ∝ exp(-c·t - t²/2) (shifted by its largest exponent, so far
// tails do not underflow), the variance summed around the mean: nothing
// cancels however narrow the interval is in std. mean = center + std·E[t],
// std = std·√Var[t].
Integrated IntegrateMoments(double mean, double std, double low, double high) {
  const long double center = 0.5L * low + 0.5L * high;
  const long double c = (center - mean) / static_cast<long double>(std);
  const long double h =
      (0.5L * high - 0.5L * low) / static_cast<long double>(std);
  const auto exponent = [c](long double t) { return -c * t - t * t / 2; };
  const long double top =
      exponent(std::clamp(-c, -h, h));  // the exponent's largest value
  constexpr int kSteps = 200000;        // even
  const long double step = 2 * h / kSteps;
  std::vector<long double> f(kSteps + 1);
  long double m0 = 0, m1 = 0;
  for (int i = 0; i <= kSteps; ++i) {
    const long double t = -h + step * i;
    const long double w = (i == 0 || i == kSteps) ? 1 : (i % 2 ? 4 : 2);
    f[i] = w * std::exp(exponent(t) - top);
    m0 += f[i];
    m1 += f[i] * t;
  }
  const long double t_mean = m1 / m0;
  long double m2 = 0;
  for (int i = 0; i <= kSteps; ++i) {
    const long double d = -h + step * i - t_mean;
    m2 += f[i] * d * d;
  }
  return {static_cast<double>(center + std * t_mean),
          static_cast<double>(std * std::sqrt(m2 / m0))};
}

// Wide intervals use the closed form (strategy/distribution.h); intervals
// narrow in std, where its (φ(α) - φ(β))/Z and 1 + (αφ(α) - βφ(β))/Z cancel,
// use quadrature on the interval. Before that, N(5, (1e18)²) on [-2, 2]
// (found by fuzz_rules) gave Z = 0 and a NaN mean, N(0, 1) on [-1e-6, 1e-6]
// a std several times too large, and N(0, 1) on [5, 5 + 1e-7] a std of 0.
TEST(TruncatedNormalMomentsTest, MatchNumericalIntegration) {
  struct Case {
    double mean, std, low, high;
  };
  for (const Case& c : std::vector<Case>{{0, 1, -2, 2},
                                         {0.5, 2, -1, 3},
                                         {0, 1, 0, 1},
                                         {0, 1, 5, 6},
                                         {0, 1, -6, -5},
                                         {1, 0.1, 1.5, 1.7},
                                         {0, 1, -0.01, 0.02},
                                         {-3, 0.5, -4, 10},
                                         // Narrow in std, or
                                         // |tilt| + 2·curve <= 1:
                                         {5, 1e18, -2, 2},
                                         {0, 1, -1e-6, 1e-6},
                                         {0, 1, -1e-6, 3e-6},
                                         {0, 1, 5, 5 + 1e-7},
                                         {0, 1, -30.001, -30},
                                         {0, 1, 35.9, 35.92},
                                         {1, 0.1, 1.5, 1.5001},
                                         {0, 1, 0.3, 0.9},
                                         {0, 1, -0.5, 0.4},
                                         {1e6, 1e-3, 1e6 + 1e-9, 1e6 + 3e-9},
                                         {-2, 1e300, 1, 1 + 1e-12}}) {
    SCOPED_TRACE(::testing::Message()
                 << "N(" << c.mean << ", " << c.std << "²) on [" << c.low
                 << ", " << c.high << "]");
    const Distribution d =
        Distribution::TruncatedNormal(c.mean, c.std, c.low, c.high);
    const Integrated want = IntegrateMoments(c.mean, c.std, c.low, c.high);
    ASSERT_TRUE(std::isfinite(d.TargetMean()));
    EXPECT_NEAR(d.TargetMean(), want.mean, 1e-10 * want.std);
    EXPECT_NEAR(d.TargetStd(), want.std, 1e-9 * want.std);
    EXPECT_LE(d.TargetMean() - d.TargetBound(),
              c.low + 1e-15 * std::abs(c.low));
    EXPECT_GE(d.TargetMean() + d.TargetBound(),
              c.high - 1e-15 * std::abs(c.high));
  }
}

TEST(TruncatedNormalMomentsTest, AnIntervalFarNarrowerThanStdIsUniform) {
  // In std units [-2, 2] is [-7e-18, -3e-18]: the uniform on [-2, 2].
  const Distribution d = Distribution::TruncatedNormal(5, 1e18, -2, 2);
  EXPECT_TRUE(d.IsNearlyUniform());
  EXPECT_EQ(d.TargetMean(), 0.0);
  EXPECT_NEAR(d.TargetStd(), 4 / std::sqrt(12.0), 4e-16);
  EXPECT_EQ(d.TargetBound(), 2.0);
}

TEST(TruncatedNormalMomentsTest, NearlyUniformIsDecidedByTiltAndCurve) {
  // |tilt| = |c|·h <= 2^-26 and curve = h²/2 <= 2^-53.
  EXPECT_TRUE(Distribution::TruncatedNormal(0, 1, -1e-9, 1e-9)
                  .IsNearlyUniform());  // h = 1e-9
  EXPECT_FALSE(Distribution::TruncatedNormal(0, 1, -1e-7, 1e-7)
                   .IsNearlyUniform());  // curve = 5e-15 > 2^-53
  EXPECT_TRUE(Distribution::TruncatedNormal(0, 1, 5, 5 + 1e-9)
                  .IsNearlyUniform());  // tilt = 2.5e-9
  EXPECT_FALSE(Distribution::TruncatedNormal(0, 1, 5, 5 + 1e-8)
                   .IsNearlyUniform());  // tilt = 2.5e-8 > 2^-26
  EXPECT_FALSE(Distribution::TruncatedNormal(0, 1, -2, 2).IsNearlyUniform());
  EXPECT_FALSE(Distribution::TruncatedNormal(0, 0, -2, 2).IsNearlyUniform());
  EXPECT_FALSE(Distribution::Uniform(-2, 2).IsNearlyUniform());
}

TEST(TruncatedNormalMomentsTest, TwoSigmaStdIsTheKerasCorrection) {
  // INIT_REFERENCE.md §3: the std of N(0, 1) on [-2, 2].
  const Distribution d = Distribution::TruncatedNormal(0, 1, -2, 2);
  EXPECT_NEAR(d.TargetStd(), 0.87962566103423978, 4e-16);
  EXPECT_EQ(d.TargetMean(), 0.0);
  EXPECT_EQ(d.TargetBound(), 2.0);
}

TEST(TruncatedNormalMomentsTest, WideIntervalHasTheUntruncatedMoments) {
  // torch's trunc_normal_(std=0.02) keeps its default a=-2, b=2: ±100σ.
  const Distribution d = Distribution::TruncatedNormal(0, 0.02, -2, 2);
  EXPECT_EQ(d.TargetMean(), 0.0);
  EXPECT_EQ(d.TargetStd(), 0.02);
  EXPECT_EQ(d.TargetBound(), 2.0);
}

TEST(TruncatedNormalMomentsTest, BoundIsTheFartherEndFromTheMean) {
  const Distribution d = Distribution::TruncatedNormal(0, 1, -1, 3);
  const double center = d.TargetMean();
  EXPECT_GT(center, 0);
  EXPECT_EQ(d.TargetBound(), 3 - center);
}

TEST(TruncatedNormalMomentsTest, DegenerateIsAPointInsideTheInterval) {
  for (const Distribution& d :
       {Distribution::TruncatedNormal(0.5, 0, -1, 1),
        Distribution::TruncatedNormal(5, 0, -1, 1),
        Distribution::TruncatedNormal(0, 1, 0.25, 0.25)}) {
    const double point = std::min(std::max(d.mean, d.low), d.high);
    EXPECT_EQ(d.TargetMean(), point);
    EXPECT_EQ(d.TargetStd(), 0.0);
    EXPECT_EQ(d.TargetBound(), 0.0);
  }
}

}  // namespace
}  // namespace onnx_reinit
