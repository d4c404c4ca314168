#include "strategy/structured_checks.h"

#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace onnx_reinit {

absl::Status CheckDims(absl::Span<const int64_t> dims) {
  constexpr int64_t kMaxElements = int64_t{1} << 62;
  for (int64_t d : dims) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dims must be non-negative, got ", d));
    }
  }
  for (int64_t d : dims) {
    if (d == 0) return absl::OkStatus();  // empty: no overflow possible
  }
  int64_t count = 1;
  for (int64_t d : dims) {
    if (count > kMaxElements / d) {
      return absl::InvalidArgumentError("tensor has more than 2^62 elements");
    }
    count *= d;
  }
  return absl::OkStatus();
}

int64_t ElementCount(absl::Span<const int64_t> dims) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  return count;
}

absl::Status CheckGain(double gain) {
  if (!std::isfinite(gain)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gain must be finite, got ", gain));
  }
  return absl::OkStatus();
}

}  // namespace onnx_reinit
