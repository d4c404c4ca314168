#include "strategy/distribution.h"

#include <cmath>

namespace onnx_reinit {

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

// constant: value; uniform: (low + high) / 2; normal: mean; random sign: 0.
double Distribution::TargetMean() const {
  switch (kind) {
    case Kind::kConstant:
      return value;
    case Kind::kUniform:
      return 0.5 * (low + high);
    case Kind::kNormal:
      return mean;
    case Kind::kRandomSign:
      return 0;
  }
  return 0;
}

// constant: 0; uniform: (high - low) / sqrt(12); normal: std;
// random sign: |value|.
double Distribution::TargetStd() const {
  switch (kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return (high - low) / std::sqrt(12.0);
    case Kind::kNormal:
      return std;
    case Kind::kRandomSign:
      return std::fabs(value);
  }
  return 0;
}

double Distribution::TargetBound() const {
  switch (kind) {
    case Kind::kConstant:
      return 0;
    case Kind::kUniform:
      return 0.5 * (high - low);
    case Kind::kNormal:
      return 0;
    case Kind::kRandomSign:
      return std::fabs(value);
  }
  return 0;
}

}  // namespace onnx_reinit
