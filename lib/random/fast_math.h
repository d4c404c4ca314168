// The project's own natural logarithm, sin/cos of 2πu and normal
// distribution functions, written with +, -, *, /, sqrt and bit operations
// only. IEEE 754 makes each of those
// operations exact-rounded, so a loop of these functions gives the same bits
// whether the compiler runs it one value at a time or four to a SIMD register,
// on any x86-64/aarch64 machine, with any libm (contraction into FMA is off:
// see lib/CMakeLists.txt). That is what keeps the output of a seed stable.
//
// Accuracy: Log01 and SinCosTwoPi are within a few ulp of the correctly
// rounded result on their domains (checked against libm in
// tests/unit/fast_math_test.cc; the normal functions in
// tests/unit/truncated_normal_test.cc).
//   Log01(x), 0 < x <= 1, x normal:
//     x = m·2^e with m in [√½, √2); f = m - 1, s = f / (2 + f);
//     ln x = e·ln2 + 2s·(1 + s²/3 + s⁴/5 + ... + s²²/23)   (|s| <= 0.1716)
//   SinCosTwoPi(u), any finite u:
//     t = u - round(u), q = round(4t), r = t - q/4 in [-1/8, 1/8];
//     θ = 2πr; sin θ, cos θ by Taylor series to θ¹⁵ and θ¹⁶; then rotated
//     by q quarter turns.
//
// The normal distribution (also +, -, *, /, sqrt and bit operations only):
//   Exp(x), x <= 709: k = round(x/ln2), r = x - k·ln2 (|r| <= ln2/2),
//     e^x = 2^k · Σ_{n<=13} rⁿ/n!; 0 when e^x is below the smallest normal
//     double (x < -708.39). For the one-off constants of a distribution, not
//     for vectorized loops (it branches).
//   NormalDensity(x) = φ(x) = e^(-x²/2)/√(2π), x² split exactly (Dekker) so
//     the result is within a few ulp even at |x| = 37; 0 beyond |x| ≈ 37.7.
//   NormalCdf(x) = Φ(x), for the one-off constants too:
//     |x| <= 1.5: Φ(x) = 1/2 + φ(x)·Σ_{n>=0} x^(2n+1)/(1·3·5···(2n+1));
//     x < -1.5:   Φ(x) = φ(x)·R(-x), R(t) = 1/(t+1/(t+2/(t+3/(t+...)))),
//                 Laplace's continued fraction for the Mills ratio, 200
//                 levels (converged to < 1 ulp for t >= 1.5);
//     x > 1.5:    1 - Φ(-x).
//     Relative error < 1e-14 for x <= 0 down to the smallest normal result
//     (x ≈ -37.5; below that, 0); absolute error < 4e-16 for x > 0.
//   NormalQuantile(p) = Φ⁻¹(p), 0 < p < 1, vectorizable (branch-free):
//     Wichura's algorithm AS 241 (PPND16, Applied Statistics 37(3), 1988):
//     q = p - 1/2; |q| <= 0.425: q·A(0.180625 - q²)/B(0.180625 - q²);
//     else r = √(-ln min(p, 1-p)); r <= 5: C(r - 1.6)/D(r - 1.6), else
//     E(r - 5)/F(r - 5), negated when q < 0; A..F of degree 7. Relative
//     error measured against bisection on libm's erfc/erf
//     (tests/unit/truncated_normal_test.cc): at most 8.8e-16 for p in
//     [1e-300, 1 - 2^-53]. Each of the three forms is evaluated on an
//     argument clamped to its own range and the numerator and denominator
//     that apply are chosen by 0/1 factors, so every lane of a vector
//     computes finite numbers. p = 0 or 1 (or a subnormal p) gives a finite
//     ±37.5 or so, not ±inf: Log01 of 0 is about -709.
//   TruncatedNormalWindow / TruncatedStandardNormal: inversion sampling of
//     a truncated standard normal from these (see their comment).
#ifndef ONNX_REINIT_RANDOM_FAST_MATH_H_
#define ONNX_REINIT_RANDOM_FAST_MATH_H_

#include <cmath>
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

// Smaller / larger of two numbers, as selects that vectorize (minpd/maxpd).
inline double Min(double a, double b) { return b < a ? b : a; }
inline double Max(double a, double b) { return a < b ? b : a; }

inline double Exp(double x) {
  constexpr double kLog2e = 1.44269504088896340736;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // as in Log01
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  if (x < -708.39) return 0;  // e^x < 2^-1022, the smallest normal double
  const double k = RoundNearest(x * kLog2e);  // -1022 .. 1023
  // k·kLn2Hi is exact (kLn2Hi has 32 significant bits and |k| < 2^11).
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= 0.3466
  double p = 1.0 / 6227020800.0;                   // 1/13!
  p = 1.0 / 479001600.0 + r * p;                   // 1/12!
  p = 1.0 / 39916800.0 + r * p;                    // 1/11!
  p = 1.0 / 3628800.0 + r * p;                     // 1/10!
  p = 1.0 / 362880.0 + r * p;                      // 1/9!
  p = 1.0 / 40320.0 + r * p;                       // 1/8!
  p = 1.0 / 5040.0 + r * p;                        // 1/7!
  p = 1.0 / 720.0 + r * p;                         // 1/6!
  p = 1.0 / 120.0 + r * p;                         // 1/5!
  p = 1.0 / 24.0 + r * p;                          // 1/4!
  p = 1.0 / 6.0 + r * p;                           // 1/3!
  p = 0.5 + r * p;                                 // 1/2!
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  const uint64_t biased = static_cast<uint64_t>(static_cast<int64_t>(k) + 1023);
  return p * FromBits(biased << 52);  // exact scaling by 2^k
}

inline double NormalDensity(double x) {
  constexpr double kInvSqrtTwoPi = 0.398942280401432677939946059934;
  // |x|, capped at 40 where the density is 0 anyway (so ±inf gives 0).
  const double t = Min(FromBits(Bits(x) & 0x7FFFFFFFFFFFFFFFull), 40.0);
  // t = hi + lo with hi of 26 significant bits, so hi² is exact and
  // t²/2 = hi²/2 + (hi·lo + lo²/2), the second part below 2^-26·t²: the
  // rounding of t² (up to 1e-13 relative at t = 37) never enters.
  const double c = 134217729.0 * t;  // 2^27 + 1
  const double hi = c - (c - t);
  const double lo = t - hi;
  const double rest = hi * lo + 0.5 * (lo * lo);
  return kInvSqrtTwoPi * (Exp(-0.5 * (hi * hi)) * Exp(-rest));
}

// Mills ratio R(t) = (1 - Φ(t))/φ(t) for t >= 1.5 by Laplace's continued
// fraction 1/(t+1/(t+2/(t+3/(t+...)))), 200 levels, evaluated bottom up.
inline double MillsRatio(double t) {
  double f = t;
  for (int k = 200; k >= 1; --k) f = t + k / f;
  return 1.0 / f;
}

inline double NormalCdf(double x) {
  constexpr double kSeriesLimit = 1.5;
  if (x < -kSeriesLimit) return NormalDensity(x) * MillsRatio(-x);
  if (x > kSeriesLimit) return 1.0 - NormalDensity(x) * MillsRatio(x);
  // Σ x^(2n+1)/(2n+1)!!: 40 terms; the last is < 1e-30 of the sum at 1.5.
  const double x2 = x * x;
  double term = x;
  double sum = x;
  for (int n = 1; n <= 40; ++n) {
    term = term * x2 / (2 * n + 1);
    sum = sum + term;
  }
  return 0.5 + NormalDensity(x) * sum;
}

inline double NormalQuantile(double p) {
  const double q = p - 0.5;
  // Central form, |q| <= 0.425 (0.075 <= p <= 0.925).
  const double qc = Min(Max(q, -0.425), 0.425);
  const double rc = 0.180625 - qc * qc;
  double a = 2.5090809287301226727e+3;
  a = 3.3430575583588128105e+4 + rc * a;
  a = 6.7265770927008700853e+4 + rc * a;
  a = 4.5921953931549871457e+4 + rc * a;
  a = 1.3731693765509461125e+4 + rc * a;
  a = 1.9715909503065514427e+3 + rc * a;
  a = 1.3314166789178437745e+2 + rc * a;
  a = 3.3871328727963666080e+0 + rc * a;
  double b = 5.2264952788528545610e+3;
  b = 2.8729085735721942674e+4 + rc * b;
  b = 3.9307895800092710610e+4 + rc * b;
  b = 2.1213794301586595867e+4 + rc * b;
  b = 5.3941960214247511077e+3 + rc * b;
  b = 6.8718700749205790830e+2 + rc * b;
  b = 4.2313330701600911252e+1 + rc * b;
  b = 1.0 + rc * b;
  // Tail forms on r = √(-ln m), m = min(p, 1 - p) (exact selection).
  const double lower = static_cast<double>(q < 0);
  const double m = lower * p + (1.0 - lower) * (1.0 - p);
  const double r = std::sqrt(-Log01(m));
  // Intermediate tail, 1.6 <= r <= 5 (p down to about 1e-11).
  const double ri = Min(Max(r, 1.6), 5.0) - 1.6;
  double c = 7.74545014278341407640e-4;
  c = 2.27238449892691845833e-2 + ri * c;
  c = 2.41780725177450611770e-1 + ri * c;
  c = 1.27045825245236838258e+0 + ri * c;
  c = 3.64784832476320460504e+0 + ri * c;
  c = 5.76949722146069140550e+0 + ri * c;
  c = 4.63033784615654529590e+0 + ri * c;
  c = 1.42343711074968357734e+0 + ri * c;
  double d = 1.05075007164441684324e-9;
  d = 5.47593808499534494600e-4 + ri * d;
  d = 1.51986665636164571966e-2 + ri * d;
  d = 1.48103976427480074590e-1 + ri * d;
  d = 6.89767334985100004550e-1 + ri * d;
  d = 1.67638483018380384940e+0 + ri * d;
  d = 2.05319162663775882187e+0 + ri * d;
  d = 1.0 + ri * d;
  // Far tail, r > 5.
  const double rf = Max(r, 5.0) - 5.0;
  double e = 2.01033439929228813265e-7;
  e = 2.71155556874348757815e-5 + rf * e;
  e = 1.24266094738807843860e-3 + rf * e;
  e = 2.65321895265761230930e-2 + rf * e;
  e = 2.96560571828504891230e-1 + rf * e;
  e = 1.78482653991729133580e+0 + rf * e;
  e = 5.46378491116411436990e+0 + rf * e;
  e = 6.65790464350110377720e+0 + rf * e;
  double f = 2.04426310338993978564e-15;
  f = 1.42151175831644588870e-7 + rf * f;
  f = 1.84631831751005468180e-5 + rf * f;
  f = 7.86869131145613259100e-4 + rf * f;
  f = 1.48753612908506148525e-2 + rf * f;
  f = 1.36929880922735805310e-1 + rf * f;
  f = 5.99832206555887937690e-1 + rf * f;
  f = 1.0 + rf * f;
  // Pick the numerator and denominator of the form that applies, then divide
  // once (a division costs several multiplies in a vector loop).
  const double far = static_cast<double>(r > 5.0);
  const double in_central =
      static_cast<double>(q >= -0.425) * static_cast<double>(q <= 0.425);
  const double tail_num = (1.0 - 2.0 * lower) * (far * e + (1.0 - far) * c);
  const double tail_den = far * f + (1.0 - far) * d;
  return (in_central * (qc * a) + (1.0 - in_central) * tail_num) /
         (in_central * b + (1.0 - in_central) * tail_den);
}

// The standard normal truncated to [alpha, beta] (alpha < beta), sampled by
// inversion with one uniform u in (0, 1):
//   (a, b, sign) = (alpha, beta, +1) when alpha + beta <= 0, else
//                  (-beta, -alpha, -1)  (the mirror image, by symmetry);
//   z = sign·Φ⁻¹(Φ(a) + u·(Φ(b) - Φ(a))).
// Working on the side where a < 0 keeps Φ(a) and Φ(b) at full relative
// precision when both bounds are far in one tail (Φ(5) - Φ(6) would cancel
// to nothing; Φ(-6) - Φ(-5) does not). The window holds the constants, so a
// loop computes only the last line.
struct TruncatedNormalWindow {
  double p_low;    // Φ(a)
  double p_width;  // Φ(b) - Φ(a)
  double sign;     // +1, or -1 when mirrored
};

inline TruncatedNormalWindow MakeTruncatedNormalWindow(double alpha,
                                                       double beta) {
  const bool mirror = alpha + beta > 0;
  const double a = mirror ? -beta : alpha;
  const double b = mirror ? -alpha : beta;
  const double p_low = NormalCdf(a);
  return {p_low, NormalCdf(b) - p_low, mirror ? -1.0 : 1.0};
}

inline double TruncatedStandardNormal(const TruncatedNormalWindow& w,
                                      double u) {
  return w.sign * NormalQuantile(w.p_low + u * w.p_width);
}

}  // namespace fast_math
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_FAST_MATH_H_
