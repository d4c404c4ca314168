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

  // Moments and support the distribution promises (before dtype rounding).
  // Truncated normal, with α = (low - mean)/std, β = (high - mean)/std,
  // Z = Φ(β) - Φ(α), and φ, Φ the standard normal density and CDF:
  //   mean + std·(φ(α) - φ(β))/Z  and
  //   std·√(1 + (αφ(α) - βφ(β))/Z - ((φ(α) - φ(β))/Z)²).
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
