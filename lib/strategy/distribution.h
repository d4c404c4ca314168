// The distribution a strategy resolves to for one tensor, once its parameters
// and fans are known. Every strategy maps onto one of these four kinds, and
// each kind has one sampler (strategy/sampler.h).
#ifndef ONNX_REINIT_STRATEGY_DISTRIBUTION_H_
#define ONNX_REINIT_STRATEGY_DISTRIBUTION_H_

namespace onnx_reinit {

struct Distribution {
  enum class Kind {
    kConstant,    // every value = value
    kUniform,     // U(low, high)
    kNormal,      // N(mean, std^2)
    kRandomSign,  // +value or -value with probability 1/2 each
  };
  Kind kind = Kind::kConstant;
  double value = 0;  // kConstant, kRandomSign
  double low = 0;    // kUniform
  double high = 0;   // kUniform
  double mean = 0;   // kNormal
  double std = 0;    // kNormal

  static Distribution Constant(double v);
  static Distribution Uniform(double low, double high);
  static Distribution Normal(double mean, double std);
  static Distribution RandomSign(double v);

  // Moments and support the distribution promises (before dtype rounding).
  double TargetMean() const;
  double TargetStd() const;
  // Half-width of the support around the mean for bounded kinds (uniform:
  // (high-low)/2, random sign: |value|, constant: 0); 0 for normal.
  double TargetBound() const;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_DISTRIBUTION_H_
