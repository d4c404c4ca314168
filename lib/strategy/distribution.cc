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

// 16-point Gauss–Legendre nodes and weights on [-1, 1]: Newton's method on
// the Legendre polynomial P_16 from the Chebyshev-like first guesses
// cos(π(i - 1/4)/(n + 1/2)), weight 2/((1 - x²)·P'_16(x)²).
struct GaussLegendre {
  static constexpr int kNodes = 16;
  double node[kNodes];
  double weight[kNodes];
};

GaussLegendre MakeGaussLegendre() {
  constexpr int n = GaussLegendre::kNodes;
  constexpr double kPi = 3.14159265358979323846;
  GaussLegendre rule{};
  for (int i = 0; i < n / 2; ++i) {
    double x = std::cos(kPi * (i + 0.75) / (n + 0.5));
    double derivative = 0;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p = 1, previous = 0;  // P_j(x), P_{j-1}(x)
      for (int j = 1; j <= n; ++j) {
        const double next = ((2 * j - 1) * x * p - (j - 1) * previous) / j;
        previous = p;
        p = next;
      }
      derivative = n * (x * p - previous) / (x * x - 1);
      const double step = p / derivative;
      x -= step;
      if (std::fabs(step) <= 1e-17) break;
    }
    const double w = 2 / ((1 - x * x) * derivative * derivative);
    rule.node[i] = -x;
    rule.weight[i] = w;
    rule.node[n - 1 - i] = x;
    rule.weight[n - 1 - i] = w;
  }
  return rule;
}

// Mean and variance of s on [-1, 1] with density ∝ exp(-tilt·s - curve·s²),
// for |tilt| + 2·curve <= 1 (the header's quadrature case). Nodes are taken
// in ±x pairs, so the mean is exactly 0 when tilt is, and the variance is
// summed around the mean, so it keeps its relative precision however small
// tilt and curve are.
StandardMoments WindowMoments(double tilt, double curve) {
  static const GaussLegendre rule = MakeGaussLegendre();
  constexpr int kPairs = GaussLegendre::kNodes / 2;
  double plus[kPairs], minus[kPairs];
  double mass = 0, first = 0;
  for (int i = 0; i < kPairs; ++i) {
    const double x = rule.node[kPairs + i];  // > 0
    const double w = rule.weight[kPairs + i];
    plus[i] = w * std::exp(-(tilt * x + curve * x * x));
    minus[i] = w * std::exp(-(-tilt * x + curve * x * x));
    mass += plus[i] + minus[i];
    first += (plus[i] - minus[i]) * x;
  }
  const double mean = first / mass;
  double second = 0;
  for (int i = 0; i < kPairs; ++i) {
    const double x = rule.node[kPairs + i];
    second +=
        plus[i] * (x - mean) * (x - mean) + minus[i] * (x + mean) * (x + mean);
  }
  return {mean, second / mass};
}

bool UsesQuadrature(const Distribution::TruncatedShape& shape) {
  return std::fabs(shape.tilt) + 2 * shape.curve <= 1;
}

struct MeanAndStd {
  double mean;
  double std;
};

// The promised mean and std of a non-degenerate truncated normal: by
// quadrature on the interval when UsesQuadrature, else the closed form.
MeanAndStd TruncatedMoments(const Distribution& d) {
  const Distribution::TruncatedShape shape = d.Shape();
  if (UsesQuadrature(shape)) {
    const StandardMoments s = WindowMoments(shape.tilt, shape.curve);
    return {shape.center + shape.half * s.mean,
            shape.half * std::sqrt(s.variance)};
  }
  const StandardMoments z = TruncatedStandardMoments((d.low - d.mean) / d.std,
                                                     (d.high - d.mean) / d.std);
  return {d.mean + d.std * z.mean, d.std * std::sqrt(z.variance)};
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

Distribution::TruncatedShape Distribution::Shape() const {
  TruncatedShape shape;
  shape.center = 0.5 * low + 0.5 * high;
  shape.half = 0.5 * high - 0.5 * low;
  const double c = (shape.center - mean) / std;
  const double h = shape.half / std;
  shape.tilt = c == 0 ? 0.0 : c * h;
  shape.curve = 0.5 * h * h;
  return shape;
}

bool Distribution::IsNearlyUniform() const {
  if (kind != Kind::kTruncatedNormal || IsDegenerate(*this)) return false;
  const TruncatedShape shape = Shape();
  return std::fabs(shape.tilt) <= 0x1p-26 && shape.curve <= 0x1p-53;
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
      return TruncatedMoments(*this).mean;
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
      return TruncatedMoments(*this).std;
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
