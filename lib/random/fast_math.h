// The project's own natural logarithm and sin/cos of 2πu, written with
// +, -, *, / and bit operations only. IEEE 754 makes each of those
// operations exact-rounded, so a loop of these functions gives the same bits
// whether the compiler runs it one value at a time or four to a SIMD register,
// on any x86-64/aarch64 machine, with any libm (contraction into FMA is off:
// see lib/CMakeLists.txt). That is what keeps the output of a seed stable.
//
// Accuracy: both are within a few ulp of the correctly rounded result on
// their domains (checked against libm in tests/unit/fast_math_test.cc).
//   Log01(x), 0 < x <= 1, x normal:
//     x = m·2^e with m in [√½, √2); f = m - 1, s = f / (2 + f);
//     ln x = e·ln2 + 2s·(1 + s²/3 + s⁴/5 + ... + s²²/23)   (|s| <= 0.1716)
//   SinCosTwoPi(u), any finite u:
//     t = u - round(u), q = round(4t), r = t - q/4 in [-1/8, 1/8];
//     θ = 2πr; sin θ, cos θ by Taylor series to θ¹⁵ and θ¹⁶; then rotated
//     by q quarter turns.
#ifndef ONNX_REINIT_RANDOM_FAST_MATH_H_
#define ONNX_REINIT_RANDOM_FAST_MATH_H_

#include <cstdint>
#include <cstring>

namespace onnx_reinit {
namespace fast_math {

inline uint64_t Bits(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

inline double FromBits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof(x));
  return x;
}

// Round to nearest, ties to even, for |x| < 2^51 (no libm call).
inline double RoundNearest(double x) {
  constexpr double kShift = 6755399441055744.0;  // 1.5 · 2^52
  return (x + kShift) - kShift;
}

inline double Log01(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln2 upper bits
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln2 - kLn2Hi
  constexpr double kSqrt2 = 1.41421356237309504880;
  const uint64_t bits = Bits(x);
  // The biased exponent (< 2^11) converted exactly through the mantissa of
  // 2^52, as in Uniform (an int64 -> double conversion would not vectorize).
  double e = FromBits((bits >> 52) | 0x4330000000000000ull) -
             (4503599627370496.0 + 1023.0);
  double m = FromBits((bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
  // Branch-free (so loops of it vectorize): h = 1 when m > √2, else 0.
  const double h = static_cast<double>(m > kSqrt2);
  m = m * (1.0 - 0.5 * h);  // exact: a multiply by 1 or 1/2
  e = e + h;
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double p = 1.0 / 23;
  p = 1.0 / 21 + z * p;
  p = 1.0 / 19 + z * p;
  p = 1.0 / 17 + z * p;
  p = 1.0 / 15 + z * p;
  p = 1.0 / 13 + z * p;
  p = 1.0 / 11 + z * p;
  p = 1.0 / 9 + z * p;
  p = 1.0 / 7 + z * p;
  p = 1.0 / 5 + z * p;
  p = 1.0 / 3 + z * p;
  // ln(1+f) = 2s + s·R with R = 2·z·p; written as f - (hfsq - s·(hfsq + R)),
  // hfsq = f²/2 (fdlibm's arrangement, which keeps the small terms apart).
  const double hfsq = 0.5 * f * f;
  const double big_r = 2.0 * z * p;
  const double log_m = f - (hfsq - s * (hfsq + big_r));
  return e * kLn2Hi + (log_m + e * kLn2Lo);
}

inline void SinCosTwoPi(double u, double* sin_out, double* cos_out) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double t = u - RoundNearest(u);    // [-0.5, 0.5], exact
  const double q = RoundNearest(4.0 * t);  // -2 .. 2
  const double r = t - 0.25 * q;           // [-1/8, 1/8], exact
  const double a = kTwoPi * r;             // [-π/4, π/4]
  const double a2 = a * a;
  double sp = -1.0 / 1307674368000.0;  // -1/15!
  sp = 1.0 / 6227020800.0 + a2 * sp;   //  1/13!
  sp = -1.0 / 39916800.0 + a2 * sp;    // -1/11!
  sp = 1.0 / 362880.0 + a2 * sp;       //  1/9!
  sp = -1.0 / 5040.0 + a2 * sp;        // -1/7!
  sp = 1.0 / 120.0 + a2 * sp;          //  1/5!
  sp = -1.0 / 6.0 + a2 * sp;           // -1/3!
  const double s = a + a * a2 * sp;
  double cp = 1.0 / 20922789888000.0;   //  1/16!
  cp = -1.0 / 87178291200.0 + a2 * cp;  // -1/14!
  cp = 1.0 / 479001600.0 + a2 * cp;     //  1/12!
  cp = -1.0 / 3628800.0 + a2 * cp;      // -1/10!
  cp = 1.0 / 40320.0 + a2 * cp;         //  1/8!
  cp = -1.0 / 720.0 + a2 * cp;          // -1/6!
  cp = 1.0 / 24.0 + a2 * cp;            //  1/4!
  const double c = 1.0 - 0.5 * a2 + a2 * a2 * cp;
  // Rotate by q quarter turns, qm = q mod 4 in {0, 1, 2, 3}:
  //   qm:        0      1      2      3
  //   sin:       s      c     -s     -c
  //   cos:       c     -s     -c      s
  // written with 0/1 flags instead of branches (exact: each product is by
  // 0, 1 or -1, and one of each pair of terms is zero).
  const double qm = q + 4.0 * static_cast<double>(q < 0);
  const double odd =
      static_cast<double>(qm == 1.0) + static_cast<double>(qm == 3.0);
  const double sin_sign = 1.0 - 2.0 * static_cast<double>(qm >= 2.0);
  const double cos_sign = 1.0 - 2.0 * (static_cast<double>(qm == 1.0) +
                                       static_cast<double>(qm == 2.0));
  *sin_out = sin_sign * (odd * c + (1.0 - odd) * s);
  *cos_out = cos_sign * (odd * s + (1.0 - odd) * c);
}

}  // namespace fast_math
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_FAST_MATH_H_
