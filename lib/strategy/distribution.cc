#include "strategy/distribution.h"

#include <cmath>

#include "random/fast_math.h"

namespace onnx_reinit {
namespace {

// Mean and variance of the standard normal truncated to [alpha, beta]
// (alpha < beta), computed on the mirrored side when alpha + beta > 0 (as
// the sampler does) so that Z = Φ(b) - Φ(a) keeps its precision far in a
// tail. Bounds beyond ±40 act as ±40: Φ and φ are 0 (or 1) there in double.
struct StandardMoments {
  double mean;
  double variance;
};

StandardMoments TruncatedStandardMoments(double alpha, double beta) {
  const fast_math::TruncatedNormalWindow w =
      fast_math::MakeTruncatedNormalWindow(alpha, beta);
  const double lo = w.sign > 0 ? alpha : -beta;
  const double hi = w.sign > 0 ? beta : -alpha;
  const double a = fast_math::Min(fast_math::Max(lo, -40.0), 40.0);
  const double b = fast_math::Min(fast_math::Max(hi, -40.0), 40.0);
  const double phi_a = fast_math::NormalDensity(a);
  const double phi_b = fast_math::NormalDensity(b);
  const double z = w.p_width;
  const double m = (phi_a - phi_b) / z;
  const double v = 1.0 + (a * phi_a - b * phi_b) / z - m * m;
  return {w.sign * m, v > 0 ? v : 0.0};
}

bool IsDegenerate(const Distribution& d) {
  return !(d.std > 0) || !(d.low < d.high);
}

// The point a degenerate truncated normal puts all its mass on.
double DegeneratePoint(const Distribution& d) {
  return fast_math::Min(fast_math::Max(d.mean, d.low), d.high);
}

StandardMoments TruncatedMoments(const Distribution& d) {
  return TruncatedStandardMoments((d.low - d.mean) / d.std,
                                  (d.high - d.mean) / d.std);
}

}  // namespace

Distribution Distribution::Constant(double v) {
  Distribution d;
  d.kind = Kind::kConstant;
  d.value = v;
  return d;
}

Distribution Distribution::Uniform(double low, double high) {
  Distribution d;
  d.kind = Kind::kUniform;
  d.low = low;
  d.high = high;
  return d;
}

Distribution Distribution::Normal(double mean, double std) {
  Distribution d;
  d.kind = Kind::kNormal;
  d.mean = mean;
  d.std = std;
  return d;
}

Distribution Distribution::RandomSign(double v) {
  Distribution d;
  d.kind = Kind::kRandomSign;
  d.value = v;
  return d;
}

Distribution Distribution::TruncatedNormal(double mean, double std, double low,
                                           double high) {
  Distribution d;
  d.kind = Kind::kTruncatedNormal;
  d.mean = mean;
  d.std = std;
  d.low = low;
  d.high = high;
  return d;
}

// constant: value; uniform: (low + high) / 2; normal: mean; random sign: 0;
// truncated normal: see the header.
Distribution Distribution::Structured(Structure structure) {
  Distribution d;
  d.structure = structure;
  return d;
}

double Distribution::TargetMean() const {
  if (IsStructured()) return 0;
  switch (kind) {
    case Kind::kConstant:
      return value;
    case Kind::kUniform:
      return 0.5 * (low + high);
    case Kind::kNormal:
      return mean;
    case Kind::kRandomSign:
      return 0;
    case Kind::kTruncatedNormal:
      if (IsDegenerate(*this)) return DegeneratePoint(*this);
      return mean + std * TruncatedMoments(*this).mean;
  }
  return 0;
}

// constant: 0; uniform: (high - low) / sqrt(12); normal: std;
// random sign: |value|; truncated normal: see the header.
double Distribution::TargetStd() const {
  if (IsStructured()) return 0;
  switch (kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return (high - low) / std::sqrt(12.0);
    case Kind::kNormal:
      return std;
    case Kind::kRandomSign:
      return std::fabs(value);
    case Kind::kTruncatedNormal:
      if (IsDegenerate(*this)) return 0;
      return std * std::sqrt(TruncatedMoments(*this).variance);
  }
  return 0;
}

double Distribution::TargetBound() const {
  if (IsStructured()) return 0;
  switch (kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return 0.5 * (high - low);
    case Kind::kNormal:
      return 0;
    case Kind::kRandomSign:
      return std::fabs(value);
    case Kind::kTruncatedNormal: {
      if (IsDegenerate(*this)) return 0;
      const double center = TargetMean();
      return fast_math::Max(center - low, high - center);
    }
  }
  return 0;
}

}  // namespace onnx_reinit
