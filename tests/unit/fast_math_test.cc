// The project's own ln and sin/cos(2πu) against libm, and the vectorized
// sampler against the scalar transforms, bit for bit. (Φ, Φ⁻¹ and exp:
// truncated_normal_test.cc.)
#include "random/fast_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "random/philox.h"
#include "random/transforms.h"
#include "strategy/distribution.h"
#include "strategy/sampler.h"

namespace onnx_reinit {
namespace {

// Distance in units in the last place between two doubles of the same sign.
double UlpDistance(double a, double b) {
  if (a == b) return 0;
  return std::abs(a - b) / std::abs(std::nextafter(b, 2 * b) - b);
}

TEST(FastMathTest, Log01IsWithinTwoUlpOfLibm) {
  double worst = 0;
  for (uint64_t w = 1; w < 2000000; ++w) {
    const double x = UniformOpen01(w * 0x9E3779B97F4A7C15ull);
    worst = std::max(worst, UlpDistance(fast_math::Log01(x), std::log(x)));
  }
  for (double x : {1.0, 0.5, 0x1p-53, 1 - 0x1p-53, 0.70710678118654757,
                   1.4142135623730951 / 2}) {
    worst = std::max(worst, UlpDistance(fast_math::Log01(x), std::log(x)));
  }
  EXPECT_LE(worst, 2.0);
  EXPECT_EQ(fast_math::Log01(1.0), 0.0);
}

TEST(FastMathTest, SinCosTwoPiIsWithinTinyAbsoluteErrorOfLibm) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  double worst = 0;
  for (uint64_t w = 1; w < 2000000; ++w) {
    const double u = UniformOpen01(w * 0xD1B54A32D192ED03ull);
    double s, c;
    fast_math::SinCosTwoPi(u, &s, &c);
    // libm's argument 2πu is itself rounded (half an ulp of 2π is 4.4e-16,
    // which moves sin/cos by as much), so compare absolutely with room for
    // that rounding plus a few ulp of ours.
    worst = std::max(worst, std::abs(s - std::sin(kTwoPi * u)));
    worst = std::max(worst, std::abs(c - std::cos(kTwoPi * u)));
  }
  EXPECT_LE(worst, 1.2e-15);
  double s, c;
  fast_math::SinCosTwoPi(0.25, &s, &c);
  EXPECT_EQ(s, 1.0);
  EXPECT_EQ(c, 0.0);
  fast_math::SinCosTwoPi(0.5, &s, &c);
  EXPECT_EQ(c, -1.0);
}

// The sampler computes in batches that the compiler vectorizes (and picks an
// AVX-512, AVX2 or baseline clone at run time); its values must equal the
// scalar transforms exactly.
TEST(FastMathTest, VectorizedSamplerMatchesScalarTransformsBitForBit) {
  const PhiloxKey key = TensorKey(123, "layer.weight");
  constexpr size_t kCount = 4099;  // odd, several batches
  std::vector<double> normal(kCount), uniform(kCount);
  SampleValues(Distribution::Normal(0.5, 2.0), key, 3, kCount, normal.data());
  SampleValues(Distribution::Uniform(-1, 3), key, 3, kCount, uniform.data());
  for (size_t i = 0; i < kCount; ++i) {
    const uint64_t element = 3 + i;
    const BlockWords words = PhiloxBlock(key, element / 2);
    double z0, z1;
    BoxMuller(words.w0, words.w1, &z0, &z1);
    const double z = element % 2 == 0 ? z0 : z1;
    const uint64_t w = element % 2 == 0 ? words.w0 : words.w1;
    ASSERT_EQ(normal[i], 0.5 + 2.0 * z) << "element " << element;
    ASSERT_EQ(uniform[i], -1 + 4 * UniformOpen01(w)) << "element " << element;
  }
  // Truncated normals, as is and mirrored, near the mean and far in a tail:
  // value = min(max(mean + std * z, low), high), z from the scalar transform.
  for (const Distribution& d :
       {Distribution::TruncatedNormal(0.5, 2.0, -3, 4),
        Distribution::TruncatedNormal(0, 1, -2, 2),
        Distribution::TruncatedNormal(0, 0.02, -2, 2),
        Distribution::TruncatedNormal(0, 1, 5, 6),
        Distribution::TruncatedNormal(-1, 0.5, -20, -18.5)}) {
    std::vector<double> truncated(kCount);
    SampleValues(d, key, 3, kCount, truncated.data());
    const double alpha = (d.low - d.mean) / d.std;
    const double beta = (d.high - d.mean) / d.std;
    for (size_t i = 0; i < kCount; ++i) {
      const uint64_t element = 3 + i;
      const BlockWords words = PhiloxBlock(key, element / 2);
      const uint64_t w = element % 2 == 0 ? words.w0 : words.w1;
      const double z = TruncatedStandardNormal(alpha, beta, UniformOpen01(w));
      const double value =
          std::min(std::max(d.mean + d.std * z, d.low), d.high);
      ASSERT_EQ(truncated[i], value)
          << "element " << element << " of [" << d.low << ", " << d.high << "]";
    }
  }
}

}  // namespace
}  // namespace onnx_reinit
