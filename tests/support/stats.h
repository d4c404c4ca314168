// Statistics helpers for tests that check sampled values against a target
// distribution: sample moments, the Kolmogorov–Smirnov statistic and its
// critical value, and the CDFs of the distributions the strategies produce.
#ifndef ONNX_REINIT_TESTS_SUPPORT_STATS_H_
#define ONNX_REINIT_TESTS_SUPPORT_STATS_H_

#include <cstddef>
#include <functional>
#include <vector>

namespace onnx_reinit {
namespace testing {

struct Moments {
  double mean = 0;
  // Population form: sqrt(sum((x - mean)^2) / n).
  double std = 0;
  double min = 0;
  double max = 0;
};

// Mean, standard deviation, min and max of `values` (two-pass, so the std is
// accurate even when |mean| >> std). All zero for an empty input.
Moments ComputeMoments(const std::vector<double>& values);

// Kolmogorov–Smirnov statistic D = sup_x |F_n(x) - F(x)| of `values` against
// the continuous CDF `cdf`:
//   D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n)  over the sorted x_(i).
double KolmogorovSmirnovStatistic(std::vector<double> values,
                                  const std::function<double(double)>& cdf);

// Asymptotic critical value of D for n samples at significance `alpha`:
// sqrt(-ln(alpha / 2) / 2) / sqrt(n). For alpha = 0.001 that is 1.95/sqrt(n).
double KolmogorovSmirnovCriticalValue(size_t n, double alpha);

// Phi((x - mean) / std) = erfc(-(x - mean) / (std * sqrt(2))) / 2.
double NormalCdf(double x, double mean, double std);

// (x - low) / (high - low), clamped to [0, 1].
double UniformCdf(double x, double low, double high);

}  // namespace testing
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TESTS_SUPPORT_STATS_H_
