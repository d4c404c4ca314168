#include "support/stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

namespace onnx_reinit {
namespace testing {

Moments ComputeMoments(const std::vector<double>& values) {
  Moments m;
  if (values.empty()) return m;
  const double n = static_cast<double>(values.size());
  double sum = 0;
  m.min = values[0];
  m.max = values[0];
  for (const double x : values) {
    sum += x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean = sum / n;
  double squares = 0;
  for (const double x : values) squares += (x - m.mean) * (x - m.mean);
  m.std = std::sqrt(squares / n);
  return m;
}

double KolmogorovSmirnovStatistic(std::vector<double> values,
                                  const std::function<double(double)>& cdf) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  double d = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double f = cdf(values[i]);
    d = std::max(d, static_cast<double>(i + 1) / n - f);
    d = std::max(d, f - static_cast<double>(i) / n);
  }
  return d;
}

double KolmogorovSmirnovCriticalValue(size_t n, double alpha) {
  return std::sqrt(-0.5 * std::log(alpha / 2)) /
         std::sqrt(static_cast<double>(n));
}

double NormalCdf(double x, double mean, double std) {
  return 0.5 * std::erfc(-(x - mean) / (std * std::sqrt(2.0)));
}

double UniformCdf(double x, double low, double high) {
  if (!(high > low)) return x < low ? 0.0 : 1.0;
  return std::clamp((x - low) / (high - low), 0.0, 1.0);
}

}  // namespace testing
}  // namespace onnx_reinit
