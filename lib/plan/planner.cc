#include "plan/planner.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dtype/dtype.h"
#include "graph/consumers.h"
#include "onnx/defs/schema.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// Lower is stronger (the precedence documented in the header).
int RolePrecedence(Role role) { return static_cast<int>(role); }

int OpsetVersion(const onnx::ModelProto& model, const std::string& domain) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    const bool same = opset.domain() == domain ||
                      (domain.empty() && opset.domain() == "ai.onnx") ||
                      (domain == "ai.onnx" && opset.domain().empty());
    if (same) return static_cast<int>(opset.version());
  }
  return std::numeric_limits<int>::max();
}

// The formal name of an input ("shape" for Reshape input 1), or "".
std::string InputName(const onnx::ModelProto& model,
                      const onnx::NodeProto& node, int slot) {
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(
      node.op_type(), OpsetVersion(model, node.domain()), node.domain());
  if (schema == nullptr || schema->inputs().empty()) return "";
  const auto& inputs = schema->inputs();
  if (slot < static_cast<int>(inputs.size())) return inputs[slot].GetName();
  if (inputs.back().GetOption() == onnx::OpSchema::Variadic) {
    return inputs.back().GetName();
  }
  return "";
}

absl::StatusOr<uint64_t> ElementCount(const onnx::TensorProto& tensor) {
  uint64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "initializer \"", tensor.name(), "\": negative dim ", d));
    }
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() /
                              static_cast<uint64_t>(d)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "initializer \"", tensor.name(), "\": element count overflows"));
    }
    count *= static_cast<uint64_t>(d);
  }
  return count;
}

class Planner {
 public:
  Planner(const onnx::ModelProto& model, const PlanOptions& options)
      : model_(model),
        graph_(model.graph()),
        options_(options),
        consumers_(IndexConsumers(model.graph())) {
    for (int i = 0; i < graph_.initializer_size(); ++i) {
      initializers_.emplace(graph_.initializer(i).name(), i);
    }
  }

  absl::StatusOr<std::vector<TensorPlan>> Run() {
    std::vector<TensorPlan> plans;
    plans.reserve(graph_.initializer_size());
    for (int i = 0; i < graph_.initializer_size(); ++i) {
      ASSIGN_OR_RETURN(TensorPlan plan, PlanOne(i));
      plans.push_back(std::move(plan));
    }
    return plans;
  }

 private:
  struct Decision {
    const SlotRule* rule = nullptr;  // nullptr: no row for the slot
    Use use;
  };

  absl::StatusOr<TensorPlan> PlanOne(int index) {
    const onnx::TensorProto& tensor = graph_.initializer(index);
    TensorPlan plan;
    plan.index = index;
    plan.name = tensor.name();
    plan.dtype = tensor.data_type();
    plan.dims.assign(tensor.dims().begin(), tensor.dims().end());
    ASSIGN_OR_RETURN(plan.element_count, ElementCount(tensor));
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      std::string location;
      for (const auto& entry : tensor.external_data()) {
        if (entry.key() == "location") location = entry.value();
      }
      return absl::UnimplementedError(
          absl::StrCat("initializer \"", tensor.name(),
                       "\" keeps its values in external "
                       "data (location \"",
                       location, "\"): not supported yet"));
    }

    auto found = consumers_.uses.find(tensor.name());
    if (found == consumers_.uses.end() || found->second.empty()) {
      plan.reason = consumers_.used_in_subgraphs.contains(tensor.name())
                        ? "used only inside a subgraph (not handled yet)"
                    : consumers_.graph_outputs.contains(tensor.name())
                        ? "no consumer (only a graph output)"
                        : "no consumer";
      if (consumers_.used_in_subgraphs.contains(tensor.name())) {
        plan.role = Role::kUnhandled;
      }
      return plan;
    }

    std::optional<Decision> best;
    for (const Use& use : found->second) {
      const onnx::NodeProto& node = graph_.node(use.node);
      plan.consumers.push_back(
          absl::StrCat(NodeLabel(node, use.node), " input ", use.slot));
      Decision d{FindSlotRule(node.domain(), node.op_type(), use.slot), use};
      Role role = d.rule ? d.rule->role : Role::kNotWeight;
      Role best_role = best && best->rule ? best->rule->role : Role::kNotWeight;
      if (!best || RolePrecedence(role) < RolePrecedence(best_role)) best = d;
    }
    const onnx::NodeProto& node = graph_.node(best->use.node);
    plan.op_type = node.op_type();
    plan.node = node.name();
    const std::string where = absl::StrCat(
        "input ", best->use.slot, " (", InputName(model_, node, best->use.slot),
        ") of ", NodeLabel(node, best->use.node));

    if (best->rule == nullptr) {
      // No row: not a parameter any supported operator learns. A float
      // tensor here may still be a weight of a decomposed layer (a bias
      // added after MatMul, a LayerNorm scale) that a later version
      // recognizes, so it is reported as unhandled rather than not a weight.
      plan.role =
          IsRewritableDType(plan.dtype) ? Role::kUnhandled : Role::kNotWeight;
      plan.reason = plan.role == Role::kUnhandled
                        ? absl::StrCat(where, ": no rule for this input yet")
                        : absl::StrCat(where, ": not a weight");
      return plan;
    }
    plan.role = best->rule->role;
    if (plan.role == Role::kUnhandled) {
      plan.reason =
          absl::StrCat(where, ": a parameter this version does not rewrite");
      return plan;
    }

    ASSIGN_OR_RETURN(plan.fans, FansFor(*best->rule, node, best->use, tensor));
    const Strategy& strategy = plan.role == Role::kWeight
                                   ? options_.weight_strategy
                                   : options_.bias_strategy;
    plan.strategy = strategy.ToString();
    if (!IsRewritableDType(plan.dtype)) {
      plan.reason = absl::StrCat("dtype ", DTypeName(plan.dtype),
                                 " is not a floating-point type");
      return plan;
    }
    if (plan.element_count == 0) {
      plan.reason = "no elements";
      return plan;
    }
    absl::StatusOr<Distribution> dist = strategy.DistributionFor(plan.fans);
    if (!dist.ok()) {
      if (dist.status().code() != absl::StatusCode::kFailedPrecondition) {
        return dist.status();
      }
      plan.reason = std::string(dist.status().message());
      if (plan.role == Role::kBias) {
        absl::StrAppend(&plan.reason, " (the node's weight \"",
                        node.input_size() > best->rule->weight_slot
                            ? node.input(best->rule->weight_slot)
                            : std::string(),
                        "\" is not an initializer, so its fans are unknown)");
      }
      return plan;
    }
    plan.distribution = *dist;
    plan.rewrite = true;
    return plan;
  }

  absl::StatusOr<Fans> FansFor(const SlotRule& rule,
                               const onnx::NodeProto& node, const Use& use,
                               const onnx::TensorProto& tensor) {
    const onnx::TensorProto* weight = &tensor;
    int slot = use.slot;
    if (rule.role == Role::kBias) {
      slot = rule.weight_slot;
      if (node.input_size() <= slot) return Fans{};
      auto it = initializers_.find(node.input(slot));
      if (it == initializers_.end()) return Fans{};
      weight = &graph_.initializer(it->second);
    }
    std::vector<int64_t> dims(weight->dims().begin(), weight->dims().end());
    absl::StatusOr<Fans> fans =
        ComputeFans(rule.fan_rule, node, dims, options_.fan_convention);
    if (!fans.ok()) {
      return absl::Status(fans.status().code(),
                          absl::StrCat(NodeLabel(node, use.node), " input ",
                                       slot, " (initializer \"", weight->name(),
                                       "\", dims [", absl::StrJoin(dims, ", "),
                                       "]): ", fans.status().message()));
    }
    return fans;
  }

  const onnx::ModelProto& model_;
  const onnx::GraphProto& graph_;
  const PlanOptions& options_;
  ConsumerIndex consumers_;
  absl::flat_hash_map<std::string, int> initializers_;
};

}  // namespace

absl::StatusOr<std::vector<TensorPlan>> BuildPlan(const onnx::ModelProto& model,
                                                  const PlanOptions& options) {
  return Planner(model, options).Run();
}

}  // namespace onnx_reinit
