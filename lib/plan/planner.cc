#include "plan/planner.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dtype/dtype.h"
#include "graph/model_index.h"
#include "graph/roles.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

absl::StatusOr<uint64_t> ElementCount(const onnx::TensorProto& tensor) {
  uint64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor \"", tensor.name(), "\": negative dim ", d));
    }
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() /
                              static_cast<uint64_t>(d)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor \"", tensor.name(), "\": element count overflows"));
    }
    count *= static_cast<uint64_t>(d);
  }
  return count;
}

absl::Status RefuseExternalData(const onnx::TensorProto& tensor,
                                const std::string& name) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL) {
    return absl::OkStatus();
  }
  std::string location;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") location = entry.value();
  }
  return absl::UnimplementedError(absl::StrCat(
      "initializer \"", name, "\" keeps its values in external data "
      "(location \"", location, "\"): not supported yet"));
}

absl::StatusOr<TensorPlan> PlanOne(const ModelIndex& index,
                                   const TensorSite& site,
                                   const PlanOptions& options) {
  const onnx::TensorProto& tensor = *site.tensor;
  TensorPlan plan;
  plan.path = site.path;
  plan.name = site.name;
  plan.scope = site.scope->scope;
  plan.dtype = tensor.data_type();
  plan.dims.assign(tensor.dims().begin(), tensor.dims().end());
  ASSIGN_OR_RETURN(plan.element_count, ElementCount(tensor));
  RETURN_IF_ERROR(RefuseExternalData(tensor, site.name));

  ASSIGN_OR_RETURN(RoleDecision decision,
                   DecideRole(index, site, options.fan_convention));
  plan.role = decision.role;
  plan.op_type = decision.op_type;
  plan.node = decision.node;
  plan.fans = decision.fans;
  plan.role_reason = decision.why;
  plan.consumers = std::move(decision.consumers);

  const RuleChoice choice = options.rules->Choose(
      {plan.name, std::string(RoleName(plan.role)), plan.op_type, plan.dtype,
       static_cast<int>(plan.dims.size()), plan.element_count, plan.scope});
  plan.rule = choice.rule;
  if (choice.keep) {
    plan.reason = plan.role == Role::kNotWeight
                      ? decision.why
                      : absl::StrCat("kept by ", choice.rule);
    return plan;
  }
  plan.strategy = choice.strategy.ToString();
  if (site.kind == TensorSite::Kind::kSparseInitializer) {
    plan.reason = "sparse_initializer: left alone";
    return plan;
  }
  if (decision.quantized) {
    plan.reason =
        "quantized weight (read through DequantizeLinear): not rewritten";
    return plan;
  }
  if (!IsRewritableDType(plan.dtype)) {
    plan.reason = absl::StrCat("dtype ", DTypeName(plan.dtype),
                               " is not a floating-point type");
    return plan;
  }
  if (plan.element_count == 0) {
    plan.reason = "no elements";
    return plan;
  }
  absl::StatusOr<Distribution> dist =
      choice.strategy.DistributionFor(plan.fans);
  if (!dist.ok()) {
    if (dist.status().code() != absl::StatusCode::kFailedPrecondition) {
      return dist.status();
    }
    plan.reason = std::string(dist.status().message());
    return plan;
  }
  plan.distribution = *dist;
  plan.rewrite = true;
  return plan;
}

}  // namespace

absl::StatusOr<std::vector<TensorPlan>> BuildPlan(
    const onnx::ModelProto& model, const PlanOptions& options) {
  if (options.rules == nullptr) {
    return absl::InternalError("BuildPlan needs a rule set");
  }
  const ModelIndex index(model);
  std::vector<TensorPlan> plans;
  plans.reserve(index.sites().size());
  for (const TensorSite& site : index.sites()) {
    ASSIGN_OR_RETURN(TensorPlan plan, PlanOne(index, site, options));
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace onnx_reinit
