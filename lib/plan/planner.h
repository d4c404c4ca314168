// Decides, for every initializer of the main graph, what it is and what will
// be written into it. Pure logic over a (weightless) ModelProto: no I/O.
//
// Role: from the consumers of the tensor (graph/op_table.h). When several
// nodes read it, the precedence is weight > bias > unhandled > not_weight,
// and among equals the first node in graph order decides; every consumer is
// listed in the plan.
// Action: rewrite when the role is weight or bias, the dtype is FLOAT,
// DOUBLE, FLOAT16 or BFLOAT16, the tensor has elements, and the strategy's
// fans are known; otherwise keep, with the reason.
#ifndef ONNX_REINIT_PLAN_PLANNER_H_
#define ONNX_REINIT_PLAN_PLANNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/fans.h"
#include "graph/op_table.h"
#include "onnx/onnx_pb.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"

namespace onnx_reinit {

struct PlanOptions {
  Strategy weight_strategy;  // caller sets; the CLI default is he_normal
  Strategy bias_strategy;    // caller sets; the CLI default is zeros
  FanConvention fan_convention = FanConvention::kTorch;
};

struct TensorPlan {
  int index = 0;  // position in graph.initializer
  std::string name;
  Role role = Role::kNotWeight;
  std::string op_type;  // of the deciding consumer
  std::string node;     // its name
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  uint64_t element_count = 0;
  Fans fans;
  std::string strategy;  // canonical text; empty when no strategy applies
  Distribution distribution;
  bool rewrite = false;
  std::string reason;                  // why it is kept (empty when rewritten)
  std::vector<std::string> consumers;  // "Conv node \"c1\" input 1"
};

// InvalidArgument when a weight's dims do not fit its consumer's layout
// ("Conv node \"conv1\" input 1 (initializer \"W1\"): expected rank >= 3, got
// 2") or dims are negative/overflowing; Unimplemented when an initializer
// keeps its values in external data.
[[nodiscard]] absl::StatusOr<std::vector<TensorPlan>> BuildPlan(
    const onnx::ModelProto& model, const PlanOptions& options);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_PLANNER_H_
