#include "dtype/float_convert.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "gtest/gtest.h"

namespace onnx_reinit {
namespace {

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

uint32_t ToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float Pow2(int e) { return std::ldexp(1.0f, e); }

// ---- float -> binary16 ----------------------------------------------------

TEST(FloatToHalfTest, ConvertsExactValues) {
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(0.5f), 0x3800);
  EXPECT_EQ(FloatToHalf(1.5f), 0x3e00);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);   // largest finite half
  EXPECT_EQ(FloatToHalf(Pow2(-14)), 0x0400);  // smallest normal half
}

TEST(FloatToHalfTest, RoundsToNearest) {
  // 1 + 2^-11 + 2^-20 is just above the midpoint of 0x3c00 and 0x3c01.
  EXPECT_EQ(FloatToHalf(1.0f + Pow2(-11) + Pow2(-20)), 0x3c01);
  // Just below the midpoint.
  EXPECT_EQ(FloatToHalf(1.0f + Pow2(-11) - Pow2(-20)), 0x3c00);
  // 0.1f is 0x2e66 after rounding (0.0999755859375).
  EXPECT_EQ(FloatToHalf(0.1f), 0x2e66);
}

TEST(FloatToHalfTest, RoundsTiesToEven) {
  // 1 + 2^-11 is exactly between 0x3c00 (even) and 0x3c01: down.
  EXPECT_EQ(FloatToHalf(1.0f + Pow2(-11)), 0x3c00);
  // 1 + 3 * 2^-11 is exactly between 0x3c01 and 0x3c02 (even): up.
  EXPECT_EQ(FloatToHalf(1.0f + 3 * Pow2(-11)), 0x3c02);
  EXPECT_EQ(FloatToHalf(-(1.0f + 3 * Pow2(-11))), 0xbc02);
  // 2047 = 0x3ff mantissa + 1/2 ulp at exponent 10 -> carries into 2048.
  EXPECT_EQ(FloatToHalf(2047.0f), 0x67ff);
  EXPECT_EQ(FloatToHalf(2047.5f), 0x6800);  // tie, 0x67ff is odd: up
  EXPECT_EQ(FloatToHalf(2046.5f), 0x67fe);  // tie, 0x67fe is even: down
}

TEST(FloatToHalfTest, ProducesSubnormals) {
  EXPECT_EQ(FloatToHalf(Pow2(-24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(Pow2(-15)), 0x0200);
  EXPECT_EQ(FloatToHalf(1023 * Pow2(-24)), 0x03ff);  // largest subnormal
  EXPECT_EQ(FloatToHalf(-3 * Pow2(-24)), 0x8003);
}

TEST(FloatToHalfTest, RoundsSubnormalTiesToEven) {
  // 2^-25 is half the smallest subnormal: tie between 0 (even) and 1.
  EXPECT_EQ(FloatToHalf(Pow2(-25)), 0x0000);
  EXPECT_EQ(FloatToHalf(-Pow2(-25)), 0x8000);
  // Just above the tie rounds up.
  EXPECT_EQ(FloatToHalf(Pow2(-25) * (1 + Pow2(-23))), 0x0001);
  // 1.5 * 2^-24: tie between 1 and 2 (even): up.
  EXPECT_EQ(FloatToHalf(3 * Pow2(-25)), 0x0002);
  // 2.5 * 2^-24: tie between 2 (even) and 3: down.
  EXPECT_EQ(FloatToHalf(5 * Pow2(-25)), 0x0002);
  // 1023.5 * 2^-24: tie between 0x03ff and 0x0400 (even): up to the smallest
  // normal.
  EXPECT_EQ(FloatToHalf(2047 * Pow2(-25)), 0x0400);
}

TEST(FloatToHalfTest, FlushesTinyValuesToSignedZero) {
  EXPECT_EQ(FloatToHalf(Pow2(-26)), 0x0000);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::min()), 0x8000);
}

TEST(FloatToHalfTest, OverflowsToInfinity) {
  // 65520 is the midpoint of 65504 (0x7bff, odd) and 65536: ties up to inf.
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  EXPECT_EQ(FloatToHalf(65536.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(1e10f), 0x7c00);
  EXPECT_EQ(FloatToHalf(-1e10f), 0xfc00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::max()), 0x7c00);
}

TEST(FloatToHalfTest, KeepsInfinities) {
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xfc00);
}

TEST(FloatToHalfTest, KeepsNanAsQuietNan) {
  for (const uint32_t bits :
       {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fa00000u, 0xff800fffu}) {
    const uint16_t h = FloatToHalf(FromBits(bits));
    EXPECT_EQ(h & 0x7c00, 0x7c00) << std::hex << bits;
    EXPECT_NE(h & 0x0200, 0) << "quiet bit, " << std::hex << bits;
    EXPECT_EQ(h & 0x8000, (bits >> 16) & 0x8000)
        << "sign, " << std::hex << bits;
  }
}

// An independent reference: RNE rounding done in double arithmetic with
// std::nearbyint (default rounding mode = to nearest, ties to even).
double ReferenceHalfValue(float f) {
  const double x = f;
  if (std::isnan(x) || std::isinf(x)) return x;
  const double a = std::fabs(x);
  int e = a == 0 ? -14 : std::ilogb(a);
  if (e < -14) e = -14;  // subnormal range has the step of 2^-24
  const double step = std::ldexp(1.0, e - 10);
  double r = std::nearbyint(a / step) * step;
  if (r >= 65536.0) r = INFINITY;  // 65520 and above round to infinity
  return std::copysign(r, x);
}

TEST(FloatToHalfTest, AgreesWithDoubleArithmeticReferenceAcrossFloats) {
  // Every 2^32 / 4099 th bit pattern (about a million floats of every
  // exponent), plus every pattern near the subnormal / overflow edges.
  int checked = 0;
  auto check = [&](uint32_t bits) {
    const float f = FromBits(bits);
    if (std::isnan(f)) return;
    const double expected = ReferenceHalfValue(f);
    const uint16_t h = FloatToHalf(f);
    const float got = HalfToFloat(h);
    ASSERT_TRUE(expected == got && std::signbit(expected) == std::signbit(got))
        << "float bits 0x" << std::hex << bits << " -> half 0x" << h;
    ++checked;
  };
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 4099) {
    check(static_cast<uint32_t>(bits));
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Floats in [2^-26, 2^-13) and [2^15, 2^17): every 61st pattern.
  for (uint32_t bits = ToBits(Pow2(-26)); bits < ToBits(Pow2(-13));
       bits += 61) {
    check(bits);
    check(bits | 0x80000000u);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (uint32_t bits = ToBits(Pow2(15)); bits < ToBits(Pow2(17)); bits += 61) {
    check(bits);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(checked, 1000000);
}

// ---- binary16 -> float ----------------------------------------------------

TEST(HalfToFloatTest, ConvertsNormalsSubnormalsAndZeros) {
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0400), Pow2(-14));
  EXPECT_EQ(HalfToFloat(0x0001), Pow2(-24));
  EXPECT_EQ(HalfToFloat(0x03ff), 1023 * Pow2(-24));
  EXPECT_EQ(HalfToFloat(0x8001), -Pow2(-24));
  EXPECT_EQ(ToBits(HalfToFloat(0x0000)), 0x00000000u);
  EXPECT_EQ(ToBits(HalfToFloat(0x8000)), 0x80000000u);
}

TEST(HalfToFloatTest, ConvertsInfinitiesAndNans) {
  EXPECT_EQ(HalfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7c01)));  // signalling payload kept
  EXPECT_TRUE(std::isnan(HalfToFloat(0xfe00)));
}

TEST(HalfToFloatTest, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if ((h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << h;
      continue;
    }
    ASSERT_EQ(FloatToHalf(f), h) << std::hex << h;
  }
}

// ---- float <-> bfloat16 ---------------------------------------------------

TEST(FloatToBfloat16Test, ConvertsExactValues) {
  EXPECT_EQ(FloatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(FloatToBfloat16(-2.0f), 0xc000);
  EXPECT_EQ(FloatToBfloat16(0.0f), 0x0000);
  EXPECT_EQ(FloatToBfloat16(-0.0f), 0x8000);
}

TEST(FloatToBfloat16Test, RoundsTiesToEven) {
  EXPECT_EQ(FloatToBfloat16(FromBits(0x3f808000u)), 0x3f80);  // tie, even down
  EXPECT_EQ(FloatToBfloat16(FromBits(0x3f818000u)), 0x3f82);  // tie, odd up
  EXPECT_EQ(FloatToBfloat16(FromBits(0x3f808001u)), 0x3f81);  // above tie
  EXPECT_EQ(FloatToBfloat16(FromBits(0x3f807fffu)), 0x3f80);  // below tie
  EXPECT_EQ(FloatToBfloat16(FromBits(0xbf818000u)), 0xbf82);  // negative
  // A carry out of the mantissa moves to the next binade.
  EXPECT_EQ(FloatToBfloat16(FromBits(0x3fffc000u)), 0x4000);
}

TEST(FloatToBfloat16Test, RoundsSubnormalsToEven) {
  EXPECT_EQ(FloatToBfloat16(FromBits(0x00008000u)), 0x0000);
  EXPECT_EQ(FloatToBfloat16(FromBits(0x00018000u)), 0x0002);
  EXPECT_EQ(FloatToBfloat16(FromBits(0x00010001u)), 0x0001);
}

TEST(FloatToBfloat16Test, OverflowsToInfinity) {
  EXPECT_EQ(FloatToBfloat16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(FloatToBfloat16(-std::numeric_limits<float>::max()), 0xff80);
  EXPECT_EQ(FloatToBfloat16(FromBits(0x7f7f7fffu)), 0x7f7f);
  EXPECT_EQ(FloatToBfloat16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(FloatToBfloat16(-std::numeric_limits<float>::infinity()), 0xff80);
}

TEST(FloatToBfloat16Test, KeepsNanAsQuietNanEvenWithLowPayload) {
  // Truncating 0x7f800001 would give 0x7f80, infinity.
  for (const uint32_t bits :
       {0x7f800001u, 0xff800001u, 0x7fc00000u, 0x7fffffffu}) {
    const uint16_t b = FloatToBfloat16(FromBits(bits));
    EXPECT_EQ(b & 0x7f80, 0x7f80) << std::hex << bits;
    EXPECT_NE(b & 0x0040, 0) << "quiet bit, " << std::hex << bits;
    EXPECT_EQ(b & 0x8000, (bits >> 16) & 0x8000) << std::hex << bits;
  }
}

TEST(Bfloat16ToFloatTest, IsTheTopHalfOfAFloat) {
  EXPECT_EQ(Bfloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(ToBits(Bfloat16ToFloat(0x8001)), 0x80010000u);
  EXPECT_TRUE(std::isnan(Bfloat16ToFloat(0x7fc0)));
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const float f = Bfloat16ToFloat(static_cast<uint16_t>(b));
    ASSERT_EQ(ToBits(f), b << 16);
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToBfloat16(f), b) << std::hex << b;
  }
}

}  // namespace
}  // namespace onnx_reinit
