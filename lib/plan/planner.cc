#include "plan/planner.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dtype/dtype.h"
#include "graph/element_trace.h"
#include "graph/model_index.h"
#include "graph/name_checks.h"
#include "graph/residual.h"
#include "graph/roles.h"
#include "io/external_data.h"
#include "strategy/structured.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// The tensor's element count. Refused when a dim is negative or the count
// exceeds int64 (products of dims are int64 downstream: fans, structured
// fills); a zero dim makes the count 0 whatever the others are.
absl::StatusOr<uint64_t> ElementCount(const onnx::TensorProto& tensor) {
  bool empty = false;
  for (int64_t d : tensor.dims()) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor \"", tensor.name(), "\": negative dim ", d));
    }
    empty = empty || d == 0;
  }
  if (empty) return 0;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (__builtin_mul_overflow(count, d, &count)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor \"", tensor.name(), "\": dims [",
                       absl::StrJoin(tensor.dims(), ", "),
                       "] hold more than 2^63 - 1 elements"));
    }
  }
  return static_cast<uint64_t>(count);
}

// Everything the plan of one tensor needs beyond the tensor itself.
struct Context {
  const ModelIndex& index;
  const PlanOptions& options;
  const ResidualFacts& residuals;
  const RuleSet& defaults;  // for zero_residual_branch's other tensors
};

int64_t GateBlocks(const TensorPlan& plan, const std::vector<int64_t>& dims) {
  if ((plan.role != Role::kRecurrentInput &&
       plan.role != Role::kRecurrentHidden) ||
      dims.size() != 3 || plan.fans.fan_out <= 0 ||
      dims[1] % plan.fans.fan_out != 0) {
    return 1;
  }
  return dims[0] * (dims[1] / plan.fans.fan_out);
}

// Structured fills of a part work on the consumer's whole input: at most
// this many elements are traced.
constexpr uint64_t kMaxPlacedElements = uint64_t{1} << 24;

// Where each element of `site` lands in the consumer's input, or why that
// cannot be said (FailedPrecondition, the reason the plan shows).
absl::StatusOr<TensorPlan::Placement> PlaceInConsumer(
    const ModelIndex& index, const TensorSite& site,
    const RoleDecision& decision, uint64_t element_count) {
  std::optional<ElementSources> trace =
      TraceElements(index, decision.consumer_value, decision.consumer_scope,
                    kMaxPlacedElements);
  if (!trace) {
    return absl::FailedPreconditionError(
        "its consumer's input cannot be traced element by element");
  }
  constexpr uint64_t kUnplaced = ~uint64_t{0};
  TensorPlan::Placement placement;
  placement.dims = trace->dims;
  placement.index.assign(element_count, kUnplaced);
  for (size_t k = 0; k < trace->site.size(); ++k) {
    if (trace->sites[trace->site[k]] != &site) continue;
    uint64_t& at = placement.index[trace->offset[k]];
    if (at != kUnplaced) {
      return absl::FailedPreconditionError(
          "an element of it reaches its consumer twice");
    }
    at = k;
  }
  for (uint64_t at : placement.index) {
    if (at == kUnplaced) {
      return absl::FailedPreconditionError(
          "part of it does not reach its consumer");
    }
  }
  return placement;
}

absl::StatusOr<TensorPlan> PlanOne(const Context& context,
                                   const TensorSite& site) {
  const ModelIndex& index = context.index;
  const PlanOptions& options = context.options;
  const onnx::TensorProto& tensor = *site.tensor;
  TensorPlan plan;
  plan.path = site.path();
  plan.name = site.name();
  plan.scope = site.scope->scope;
  plan.dtype = tensor.data_type();
  plan.dims.assign(tensor.dims().begin(), tensor.dims().end());
  ONNX_REINIT_ASSIGN_OR_RETURN(plan.element_count, ElementCount(tensor));
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const ExternalRef ref,
                                 ParseExternalRef(tensor));
    ONNX_REINIT_ASSIGN_OR_RETURN(std::string location,
                                 NormalizeLocation(ref.location));
    plan.external =
        TensorPlan::External{std::move(location), ref.offset, ref.length};
  }

  ONNX_REINIT_ASSIGN_OR_RETURN(RoleDecision decision,
                               DecideRole(index, site, options.fan_convention));
  plan.role = decision.role;
  plan.op_type = decision.op_type;
  plan.node = decision.node;
  plan.fans = decision.fans;
  plan.fans.residual_projection =
      context.residuals.projections.contains(plan.path);
  plan.fans.residual_branch_end =
      context.residuals.branch_ends.contains(plan.path);
  plan.fans.n_layers = context.residuals.NumLayers();
  plan.gate_blocks = GateBlocks(plan, plan.dims);
  plan.role_reason = decision.why;
  if (plan.fans.residual_projection) {
    absl::StrAppend(&plan.role_reason,
                    "; output projection of a residual branch (n_layers ",
                    plan.fans.n_layers, ")");
  }
  if (plan.fans.residual_branch_end) {
    absl::StrAppend(&plan.role_reason, "; ends a residual branch");
  }
  plan.consumers = std::move(decision.consumers);

  const TensorFacts facts{
      plan.name,  std::string(RoleName(plan.role)),   plan.op_type,
      plan.dtype, static_cast<int>(plan.dims.size()), plan.element_count,
      plan.scope};
  RuleChoice choice = options.rules->Choose(facts);
  plan.rule = choice.rule;
  if (!choice.keep && choice.strategy.name() == "zero_residual_branch" &&
      !plan.fans.residual_branch_end) {
    // Not the end of a residual branch: the role's default.
    choice = context.defaults.Choose(facts);
    plan.rule =
        absl::StrCat(plan.rule, " (not a branch end: ", choice.rule, ")");
  }
  if (choice.keep || choice.strategy.keeps()) {
    plan.reason = plan.role == Role::kNotWeight
                      ? decision.why
                      : absl::StrCat("kept by ", plan.rule);
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
  if (dist->IsStructured() && decision.partial) {
    absl::StatusOr<TensorPlan::Placement> placement =
        PlaceInConsumer(index, site, decision, plan.element_count);
    if (!placement.ok()) {
      if (placement.status().code() != absl::StatusCode::kFailedPrecondition) {
        return placement.status();
      }
      plan.reason =
          absl::StrCat(plan.strategy, ": ", placement.status().message());
      return plan;
    }
    plan.placement = std::move(*placement);
    plan.gate_blocks = GateBlocks(plan, plan.placement->dims);
  }
  const std::vector<int64_t>& fill_dims =
      plan.placement ? plan.placement->dims : plan.dims;
  if (dist->IsStructured()) {
    absl::Status fits = CheckStructured(*dist, fill_dims, plan.op_type);
    if (!fits.ok()) {
      plan.reason = absl::StrCat(plan.strategy, ": ", fits.message());
      return plan;
    }
  }
  TargetMoments target{dist->TargetMean(), dist->TargetStd(),
                       dist->TargetBound()};
  if (dist->IsStructured() && plan.placement) {
    absl::StatusOr<TargetMoments> part =
        StructuredTargetsOfPart(*dist, fill_dims, plan.gate_blocks,
                                plan.op_type, plan.placement->index);
    if (!part.ok()) {
      if (part.status().code() != absl::StatusCode::kFailedPrecondition) {
        return part.status();
      }
      plan.reason = absl::StrCat(plan.strategy, ": ", part.status().message());
      plan.placement.reset();
      return plan;
    }
    target = *part;
  } else if (dist->IsStructured()) {
    target =
        StructuredTargets(*dist, plan.dims, plan.gate_blocks, plan.op_type);
  }
  plan.distribution = *dist;
  plan.target_mean = target.mean;
  plan.target_std = target.std;
  plan.target_bound = target.bound;
  plan.rewrite = true;
  return plan;
}

}  // namespace

struct Planner::State {
  State(const onnx::ModelProto& model, const PlanOptions& plan_options,
        RuleSet default_rules)
      : options(plan_options),
        index(model),
        residuals(FindResiduals(index)),
        defaults(std::move(default_rules)),
        context{index, options, residuals, defaults} {}
  const PlanOptions options;
  const ModelIndex index;
  const ResidualFacts residuals;
  const RuleSet defaults;
  const Context context;
};

Planner::Planner(std::unique_ptr<State> state) : state_(std::move(state)) {}
Planner::~Planner() = default;

absl::StatusOr<std::unique_ptr<Planner>> Planner::Create(
    const onnx::ModelProto& model, const PlanOptions& options) {
  if (options.rules == nullptr) {
    return absl::InternalError("BuildPlan needs a rule set");
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(RuleSet defaults, RuleSet::Build(RuleOptions{}));
  auto state = std::make_unique<State>(model, options, std::move(defaults));
  ONNX_REINIT_RETURN_IF_ERROR(CheckNames(state->index));
  return std::unique_ptr<Planner>(new Planner(std::move(state)));
}

size_t Planner::size() const { return state_->index.sites().size(); }

const std::string& Planner::name(size_t i) const {
  return state_->index.sites()[i].name();
}

const onnx::TensorProto& Planner::tensor(size_t i) const {
  return *state_->index.sites()[i].tensor;
}

absl::StatusOr<TensorPlan> Planner::Plan(size_t i) const {
  return PlanOne(state_->context, state_->index.sites()[i]);
}

absl::StatusOr<std::vector<TensorPlan>> BuildPlan(const onnx::ModelProto& model,
                                                  const PlanOptions& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(std::unique_ptr<Planner> planner,
                               Planner::Create(model, options));
  std::vector<TensorPlan> plans;
  plans.reserve(planner->size());
  for (size_t i = 0; i < planner->size(); ++i) {
    ONNX_REINIT_ASSIGN_OR_RETURN(TensorPlan plan, planner->Plan(i));
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace onnx_reinit
