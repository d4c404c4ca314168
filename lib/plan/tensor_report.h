// Every tensor's record of a plan or a run (proto/report.proto TensorRecord),
// made when it is read: the tensors are planned again, one at a time, from
// the model (planning is a function of the model and the options, so the
// records are those of the plan that was carried out), and a run's measured
// mean and std are put in. A report thus costs the memory of one record
// while it is written out, whatever the number of tensors, and nothing when
// nobody reads it.
#ifndef ONNX_REINIT_PLAN_TENSOR_REPORT_H_
#define ONNX_REINIT_PLAN_TENSOR_REPORT_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"
#include "plan/planner.h"
#include "plan/report_json.h"
#include "report.pb.h"

namespace onnx_reinit {

class TensorReport {
 public:
  struct Measured {
    double mean = 0;
    double std = 0;
  };

  // `model`: the (weightless) model that was planned; `options`: the plan's
  // (its rule set must outlive this object); `measured`: empty for a plan,
  // else one entry per tensor in the Planner's order (zeros for those
  // kept).
  TensorReport(std::shared_ptr<const onnx::ModelProto> model,
               PlanOptions options, std::vector<Measured> measured);

  // Calls `visit` with each tensor's record, in the Planner's order; may run
  // on several threads at once. Errors: the planner's (none for a model that
  // was planned before with the same options) or `visit`'s.
  [[nodiscard]] absl::Status ForEach(RecordVisitor visit) const;

  // Appends every record to `report`'s tensors.
  [[nodiscard]] absl::Status AppendTo(Report* report) const;

 private:
  std::shared_ptr<const onnx::ModelProto> model_;
  PlanOptions options_;
  std::vector<Measured> measured_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_TENSOR_REPORT_H_
