// Argument checks shared by the structured fills (strategy/structured.cc,
// strategy/orthogonal.cc), with the messages their headers promise.
#ifndef ONNX_REINIT_STRATEGY_STRUCTURED_CHECKS_H_
#define ONNX_REINIT_STRATEGY_STRUCTURED_CHECKS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace onnx_reinit {

// InvalidArgument "dims must be non-negative, got <d>" or "tensor has more
// than 2^62 elements".
[[nodiscard]] absl::Status CheckDims(absl::Span<const int64_t> dims);

// The product of dims (valid after CheckDims).
int64_t ElementCount(absl::Span<const int64_t> dims);

// InvalidArgument "gain must be finite, got <g>".
[[nodiscard]] absl::Status CheckGain(double gain);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_STRUCTURED_CHECKS_H_
