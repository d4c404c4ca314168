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

// kIndented: one field per line (a single model's report); kOneLine: the
// whole report on one line ending in "\n" (a line of JSON Lines).
enum class JsonLayout { kIndented, kOneLine };
[[nodiscard]] absl::StatusOr<std::string> ReportToJson(
    const Report& report, JsonLayout layout = JsonLayout::kIndented);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_REPORT_H_
