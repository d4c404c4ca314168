#include "random/transforms.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "random/philox.h"

namespace onnx_reinit {
namespace {

TEST(PhiloxBlockTest, PacksCounterAndOutputWordsAsDocumented) {
  const PhiloxKey key = {0x12345678u, 0x9abcdef0u};
  const uint64_t block = 0x0000000500000003ull;
  const PhiloxCounter x = Philox4x32({3, 5, 9, 0}, key);
  const BlockWords words = PhiloxBlock(key, block, /*stream=*/9);
  EXPECT_EQ(words.w0, uint64_t{x[0]} | uint64_t{x[1]} << 32);
  EXPECT_EQ(words.w1, uint64_t{x[2]} | uint64_t{x[3]} << 32);
}

TEST(PhiloxBlockTest, DefaultStreamIsZero) {
  const PhiloxKey key = {1, 2};
  const BlockWords a = PhiloxBlock(key, 77);
  const BlockWords b = PhiloxBlock(key, 77, 0);
  EXPECT_EQ(a.w0, b.w0);
  EXPECT_EQ(a.w1, b.w1);
  EXPECT_NE(PhiloxBlock(key, 77, 1).w0, a.w0);
}

TEST(UniformOpen01Test, NeverReturnsZeroOrOne) {
  const double lowest = UniformOpen01(0);
  const double highest = UniformOpen01(~uint64_t{0});
  EXPECT_GT(lowest, 0.0);
  EXPECT_LT(highest, 1.0);
  EXPECT_EQ(lowest, std::ldexp(1.0, -53));
  EXPECT_EQ(highest, 1.0 - std::ldexp(1.0, -53));
}

TEST(UniformOpen01Test, IsSymmetricAboutOneHalf) {
  // u(w) + u(~w) = 1 exactly: the grid is centred in (0, 1).
  for (const uint64_t w : {0ull, 1ull << 12, 0x0123456789abcdefull,
                           0x8000000000000000ull, 0xfffffffffffff000ull}) {
    EXPECT_EQ(UniformOpen01(w) + UniformOpen01(~w), 1.0) << w;
  }
}

TEST(UniformOpen01Test, UsesTheTop52Bits) {
  EXPECT_EQ(UniformOpen01(0xfff), UniformOpen01(0));
  EXPECT_EQ(UniformOpen01(0x8000000000000000ull), 0.5 + std::ldexp(1.0, -53));
}

TEST(BoxMullerTest, FollowsTheDocumentedFormula) {
  const uint64_t w0 = 0x3fd5555555555000ull;
  const uint64_t w1 = 0xa000000000000000ull;
  double z0 = 0, z1 = 0;
  BoxMuller(w0, w1, &z0, &z1);
  const double r = std::sqrt(-2 * std::log(UniformOpen01(w0)));
  const double t = 2 * M_PI * UniformOpen01(w1);
  EXPECT_DOUBLE_EQ(z0, r * std::cos(t));
  EXPECT_DOUBLE_EQ(z1, r * std::sin(t));
}

TEST(BoxMullerTest, IsFiniteAtTheExtremesOfU) {
  double z0 = 0, z1 = 0;
  BoxMuller(0, ~uint64_t{0}, &z0, &z1);  // smallest u0: largest radius
  EXPECT_TRUE(std::isfinite(z0));
  EXPECT_TRUE(std::isfinite(z1));
  EXPECT_LT(std::hypot(z0, z1), 9.0);  // sqrt(-2 ln 2^-53) = 8.57
}

TEST(TruncatedStandardNormalTest, StaysInsideTheIntervalAtTheExtremesOfU) {
  for (const auto& [alpha, beta] : std::vector<std::pair<double, double>>{
           {-2, 2}, {-1, 3}, {0.5, 0.75}, {-100, 100}, {-4, -3.5}}) {
    for (const uint64_t w : {uint64_t{0}, ~uint64_t{0}, uint64_t{1} << 63}) {
      const double z = TruncatedStandardNormal(alpha, beta, UniformOpen01(w));
      EXPECT_TRUE(std::isfinite(z));
      EXPECT_GE(z, alpha - 1e-14 * std::abs(alpha)) << alpha << " " << w;
      EXPECT_LE(z, beta + 1e-14 * std::abs(beta)) << beta << " " << w;
    }
  }
}

TEST(TruncatedStandardNormalTest, IsTheInverseCdfOfTheTruncatedNormal) {
  // F(z) = (Φ(z) - Φ(α)) / (Φ(β) - Φ(α)) = u, with libm's erfc for Φ.
  const auto phi = [](double x) {
    return 0.5 * std::erfc(-x / std::sqrt(2.0));
  };
  const double alpha = -1.5, beta = 0.5;
  for (const double u : {0.001, 0.1, 0.37, 0.5, 0.8, 0.999}) {
    const double z = TruncatedStandardNormal(alpha, beta, u);
    EXPECT_NEAR((phi(z) - phi(alpha)) / (phi(beta) - phi(alpha)), u, 1e-14);
  }
}

TEST(TruncatedStandardNormalTest, MirrorsIntervalsLyingMostlyAboveZero) {
  // [1, 3] is sampled as the negation of [-3, -1] with the same u.
  for (const double u : {0.01, 0.3, 0.5, 0.9}) {
    EXPECT_EQ(TruncatedStandardNormal(1, 3, u),
              -TruncatedStandardNormal(-3, -1, u));
  }
}

}  // namespace
}  // namespace onnx_reinit
