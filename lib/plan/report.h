// The plan and the run report as records of proto/report.proto, and their
// text (one row per initializer) and JSON (snake_case field names) forms.
// Both forms can be written as they are made (plan/report_json.h), from
// records produced one at a time.
#ifndef ONNX_REINIT_PLAN_REPORT_H_
#define ONNX_REINIT_PLAN_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plan/planner.h"
#include "plan/report_json.h"
#include "report.pb.h"

namespace onnx_reinit {

// Sets every field of `record` from `plan` (mean and std to 0), reusing the
// record's storage.
void FillRecord(const TensorPlan& plan, TensorRecord* record);
TensorRecord ToRecord(const TensorPlan& plan);

// Fixed-width columns: name, role, op/node, dtype, dims, fan_in, fan_out,
// rule, strategy, target, action, reason; a header row, then one row per
// record. The widths depend on every row: `tensors` is walked twice (it
// must give the same records both times).
[[nodiscard]] absl::Status WritePlanText(ForEachRecord tensors, TextSink sink);
std::string FormatPlanText(const Report& report);

// The whole report as JSON (plan/report_json.h): an error (never broken
// text) when it cannot be printed.
[[nodiscard]] absl::StatusOr<std::string> ReportToJson(
    const Report& report, JsonLayout layout = JsonLayout::kIndented);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_REPORT_H_
