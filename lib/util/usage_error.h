// Errors that are the caller's choice of arguments rather than a fault of the
// model or the machine — an output path that would replace one of the
// model's own data files — are marked with a payload, so that a front end can
// tell them apart (the CLI exits 2 for them, 1 for other errors) while the
// status code stays the usual one (InvalidArgument).
#ifndef ONNX_REINIT_UTIL_USAGE_ERROR_H_
#define ONNX_REINIT_UTIL_USAGE_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace onnx_reinit {

inline constexpr absl::string_view kUsageErrorPayload =
    "type.onnx-reinit/usage-error";

// `status` marked as a usage error (unchanged when OK).
inline absl::Status MarkUsageError(absl::Status status) {
  if (!status.ok()) status.SetPayload(kUsageErrorPayload, absl::Cord("1"));
  return status;
}

inline bool HasUsageErrorMark(const absl::Status& status) {
  return status.GetPayload(kUsageErrorPayload).has_value();
}

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_UTIL_USAGE_ERROR_H_
