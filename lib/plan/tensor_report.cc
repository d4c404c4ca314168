#include "plan/tensor_report.h"

#include <utility>

#include "plan/report.h"
#include "util/status_macros.h"

namespace onnx_reinit {

TensorReport::TensorReport(std::shared_ptr<const onnx::ModelProto> model,
                           PlanOptions options, std::vector<Measured> measured)
    : model_(std::move(model)),
      options_(options),
      measured_(std::move(measured)) {}

absl::Status TensorReport::ForEach(RecordVisitor visit) const {
  ONNX_REINIT_ASSIGN_OR_RETURN(std::unique_ptr<Planner> planner,
                               Planner::Create(*model_, options_));
  TensorRecord record;
  for (size_t i = 0; i < planner->size(); ++i) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const TensorPlan plan, planner->Plan(i));
    FillRecord(plan, &record);
    if (i < measured_.size()) {
      record.set_mean(measured_[i].mean);
      record.set_std(measured_[i].std);
    }
    ONNX_REINIT_RETURN_IF_ERROR(visit(record));
  }
  return absl::OkStatus();
}

absl::Status TensorReport::AppendTo(Report* report) const {
  return ForEach([report](const TensorRecord& record) {
    *report->add_tensors() = record;
    return absl::OkStatus();
  });
}

}  // namespace onnx_reinit
