// The distribution a strategy resolves to for one tensor, once its parameters
// and fans are known. Every strategy maps onto one of these five kinds, and
// each kind has one sampler (strategy/sampler.h).
#ifndef ONNX_REINIT_STRATEGY_DISTRIBUTION_H_
#define ONNX_REINIT_STRATEGY_DISTRIBUTION_H_

#include <cstdint>

namespace onnx_reinit {

struct Distribution {
  enum class Kind {
    kConstant,         // every value = value
    kUniform,          // U(low, high)
    kNormal,           // N(mean, std^2)
    kRandomSign,       // +value or -value with probability 1/2 each
    kTruncatedNormal,  // N(mean, std^2) conditioned on [low, high]
  };
  Kind kind = Kind::kConstant;

  // Structured strategies (strategy/structured.h) are not independent draws
  // per element: the whole tensor (or each gate block of it) is computed at
  // once by FillStructured. For them `kind` is unused and the Target*()
  // functions return 0: their moments depend on the dims
  // (StructuredTargets in strategy/structured.h), and their promises are
  // exact properties (orthogonality, exact identity/dirac, zero count per
  // column).
  enum class Structure {
    kNone,
    kOrthogonal,  // gain
    kIdentity,    // gain
    kDirac,       // groups
    kSparse,      // sparsity, std
    kForgetBias,  // value: LSTM forget-gate entries of the input bias
  };
  Structure structure = Structure::kNone;
  double gain = 1;
  int64_t groups = 1;
  double sparsity = 0;
  bool IsStructured() const { return structure != Structure::kNone; }
  static Distribution Structured(Structure structure);
  double value = 0;  // kConstant, kRandomSign
  double low = 0;    // kUniform, kTruncatedNormal (absolute bound)
  double high = 0;   // kUniform, kTruncatedNormal (absolute bound)
  double mean = 0;   // kNormal, kTruncatedNormal (of the untruncated normal)
  double std = 0;    // kNormal, kTruncatedNormal (of the untruncated normal)

  static Distribution Constant(double v);
  static Distribution Uniform(double low, double high);
  static Distribution Normal(double mean, double std);
  static Distribution RandomSign(double v);
  // N(mean, std²) truncated to the absolute interval [low, high], low < high
  // and std > 0 (otherwise degenerate: every value is the point
  // min(max(mean, low), high)). low and high may lie on the same side of the
  // mean, far in one tail: the sampler works in whichever tail keeps the
  // probabilities precise (random/fast_math.h), as long as the interval
  // reaches within about 36 std of the mean (strategies check that).
  static Distribution TruncatedNormal(double mean, double std, double low,
                                      double high);

  // A non-degenerate truncated normal seen on its interval: x = center +
  // half·s for s in [-1, 1], with center = (low + high)/2 and half =
  // (high - low)/2. In std units the interval's center is c = (center -
  // mean)/std and its half-width h = half/std, and the density of s is
  //   ∝ exp(-tilt·s - curve·s²),  tilt = c·h,  curve = h²/2.
  // Both come from the interval's own center and half-width, so they stay
  // accurate however large std is against the interval (an interval 1e-18
  // std wide has tilt and curve near 0: the uniform on [low, high]).
  struct TruncatedShape {
    double center;
    double half;
    double tilt;
    double curve;
  };
  TruncatedShape Shape() const;
  // Whether the truncated normal equals the uniform on [low, high] tilted
  // linearly, to double precision: |tilt| <= 2^-26 and curve <= 2^-53, so
  // the density 1 - tilt·s leaves out terms below 2^-52. Inversion through
  // Φ cannot sample such an interval: Φ(β) - Φ(α) spans few steps of Φ's
  // precision, or none (it can round to 0), so the sampler draws these from
  // the linear density instead (strategy/sampler.h). Outside this case the
  // width spans at least about 2^25 steps, and inversion resolves the
  // interval.
  bool IsNearlyUniform() const;

  // Moments and support the distribution promises (before dtype rounding).
  // Truncated normal, with α = (low - mean)/std, β = (high - mean)/std,
  // Z = Φ(β) - Φ(α), and φ, Φ the standard normal density and CDF:
  //   mean + std·(φ(α) - φ(β))/Z  and
  //   std·√(1 + (αφ(α) - βφ(β))/Z - ((φ(α) - φ(β))/Z)²),
  // except on intervals where these cancel: when |tilt| + 2·curve <= 1
  // (Shape()) the moments of s are integrated instead, by 16-point
  // Gauss–Legendre quadrature of exp(-tilt·s - curve·s²) on [-1, 1] (exact
  // to double precision there: the integrand is entire and varies by a
  // factor of at most e²), and mean = center + half·E[s], std = half·√Var[s].
  double TargetMean() const;
  double TargetStd() const;
  // Half-width of the support around the mean for bounded kinds (uniform:
  // (high-low)/2, random sign: |value|, constant: 0); 0 for normal. For the
  // truncated normal, max(TargetMean() - low, high - TargetMean()): the
  // half-width when the interval is symmetric about the mean, and in every
  // case [TargetMean() - bound, TargetMean() + bound] holds [low, high] (up
  // to the rounding of that sum and difference). 0 when degenerate.
  double TargetBound() const;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_DISTRIBUTION_H_
