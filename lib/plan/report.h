// The plan and the run report as records of proto/report.proto, and their
// text (one row per initializer) and JSON (snake_case field names) forms.
#ifndef ONNX_REINIT_PLAN_REPORT_H_
#define ONNX_REINIT_PLAN_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plan/planner.h"
#include "report.pb.h"

namespace onnx_reinit {

TensorRecord ToRecord(const TensorPlan& plan);

// Fixed-width columns: name, role, op/node, dtype, dims, fan_in, fan_out,
// strategy, target, action, reason.
std::string FormatPlanText(const Report& report);

[[nodiscard]] absl::StatusOr<std::string> ReportToJson(const Report& report);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_REPORT_H_
