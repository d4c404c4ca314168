#include "dtype/float_convert.h"

#include <cstdint>
#include <cstring>

namespace onnx_reinit {
namespace {

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// Drops the low `shift` bits (1 <= shift <= 31) of `bits`, rounding to
// nearest with ties to even. The result may carry into the next bit up, which
// is what makes a rounded-up mantissa bump the exponent (up to infinity).
uint32_t ShiftRightRoundEven(uint32_t bits, int shift) {
  const uint32_t kept = bits >> shift;
  const uint32_t rest = bits & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  const bool up = rest > half || (rest == half && (kept & 1u) != 0);
  return kept + (up ? 1u : 0u);
}

}  // namespace

// binary32: 1 sign, 8 exponent (bias 127), 23 mantissa bits.
// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; normal exponents
// -14..15, subnormals m * 2^-24.
uint16_t FloatToHalf(float f) {
  const uint32_t bits = FloatBits(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t exponent = (bits >> 23) & 0xFFu;
  const uint32_t mantissa = bits & 0x7FFFFFu;

  if (exponent == 0xFF) {
    if (mantissa == 0) return sign | 0x7C00u;  // infinity
    // NaN: keep the top payload bits, force the quiet bit.
    return static_cast<uint16_t>(sign | 0x7E00u | (mantissa >> 13));
  }
  const int e = static_cast<int>(exponent) - 127;
  if (e > 15) return sign | 0x7C00u;  // |f| >= 2^16: overflows to infinity
  if (e >= -14) {
    // Normal range: rebias the exponent and round the mantissa to 10 bits.
    // A carry out of the mantissa increments the exponent; from exponent 30
    // it reaches 31 with a zero mantissa, i.e. infinity (|f| >= 65520).
    const uint32_t biased = static_cast<uint32_t>(e + 15) << 23 | mantissa;
    return static_cast<uint16_t>(sign | ShiftRightRoundEven(biased, 13));
  }
  // Below 2^-14: a half subnormal m * 2^-24, or zero. With the implicit bit
  // restored, |f| = significand * 2^(e - 23), so
  // m = significand * 2^(e + 1) = significand >> (-e - 1), rounded.
  const int shift = -e - 1;  // 14 for e = -15
  // |f| < 2^-25 (including every float subnormal) is below half the smallest
  // half step and rounds to a signed zero.
  if (shift > 24) return sign;
  const uint32_t significand = mantissa | 0x800000u;
  return static_cast<uint16_t>(sign | ShiftRightRoundEven(significand, shift));
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0x1F) {
    // Infinity or NaN (payload kept in the top mantissa bits).
    return BitsFloat(sign | 0x7F800000u | (mantissa << 13));
  }
  if (exponent == 0) {
    if (mantissa == 0) return BitsFloat(sign);  // signed zero
    // Subnormal m * 2^-24: normalize so the leading 1 becomes implicit.
    int e = -14;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    mantissa &= 0x3FFu;
    return BitsFloat(sign | static_cast<uint32_t>(e + 127) << 23 |
                     mantissa << 13);
  }
  return BitsFloat(sign | (exponent - 15 + 127) << 23 | mantissa << 13);
}

// bfloat16 is the top 16 bits of a float, so rounding is on the low 16 bits.
uint16_t FloatToBfloat16(float f) {
  const uint32_t bits = FloatBits(f);
  if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFFu) != 0) {
    // NaN: truncation could clear every payload bit and produce infinity, so
    // keep the top payload bits and force the quiet bit.
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  // Rounding the magnitude carries into the exponent as needed (the largest
  // finite floats round to infinity); the sign bit is never touched because
  // the magnitude is at most 0x7F800000 here.
  const uint32_t sign = bits & 0x80000000u;
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  return static_cast<uint16_t>((sign >> 16) |
                               ShiftRightRoundEven(magnitude, 16));
}

float Bfloat16ToFloat(uint16_t b) {
  return BitsFloat(static_cast<uint32_t>(b) << 16);
}

}  // namespace onnx_reinit
