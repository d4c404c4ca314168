#include "graph/roles.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/node_kind.h"
#include "graph/node_label.h"
#include "graph/patterns.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// The formal name of an input ("shape" for Reshape input 1), or "".
absl::string_view InputName(const ModelIndex& index,
                            const onnx::NodeProto& node, int slot) {
  return FormalInputName(node.domain(), node.op_type(),
                         index.Opset(node.domain()), slot);
}

// Why a slot that no table row and no pattern claims holds no weight.
struct NoPatternReason {
  const char* op;
  const char* why;
};
constexpr NoPatternReason kNoPatternReasons[] = {
    {"Add",
     "not a weight (its other operand comes from no linear op, normalization "
     "or token sequence)"},
    {"Mul",
     "not a weight (its other operand comes from no normalization, nor from "
     "a linear op ending a residual branch)"},
    {"Expand", "not a weight (not a class token put in front of a sequence)"},
    {"Concat", "not a weight (not a class token put in front of a sequence)"},
};

std::string NotAWeightBecause(const onnx::NodeProto& node) {
  if (IsDefaultDomain(node)) {
    for (const NoPatternReason& row : kNoPatternReasons) {
      if (node.op_type() == row.op) return row.why;
    }
  }
  return "not a weight slot";
}

std::string Where(const ModelIndex& index, const FinalUse& use) {
  const absl::string_view name = InputName(index, *use.node, use.slot);
  return absl::StrCat("input ", use.slot, name.empty() ? "" : " (", name,
                      name.empty() ? "" : ")", " of ",
                      NodeLabel(*use.node, use.node_index));
}

// A consumer's candidate role and how to find its fans.
struct Candidate {
  Role role = Role::kNotWeight;
  const FinalUse* use = nullptr;
  const SlotRule* rule = nullptr;
  std::optional<PatternMatch> pattern;
};

absl::StatusOr<Fans> FansOf(const ModelIndex& index, FanRule rule,
                            const onnx::NodeProto& node, int slot,
                            const Scope* scope, const std::string& label,
                            FanConvention convention,
                            const FinalUse* use = nullptr) {
  if (rule == FanRule::kNone || slot < 0 || slot >= node.input_size()) {
    return Fans{};
  }
  std::optional<std::vector<int64_t>> dims =
      index.ViewDims(node.input(slot), scope);
  if (!dims && use != nullptr && !use->formal.empty() &&
      node.input(slot) == use->formal) {
    dims = use->formal_dims;  // an argument of a function call
  }
  if (!dims) return Fans{};  // computed weight: fans unknown
  absl::StatusOr<Fans> fans = ComputeFans(rule, node, *dims, convention, slot);
  if (!fans.ok()) {
    const TensorSite* site = index.FindSite(node.input(slot), scope);
    const char* kind = site == nullptr ? ""
                       : site->kind == TensorSite::Kind::kConstant
                           ? "constant "
                           : "initializer ";
    return absl::Status(
        fans.status().code(),
        absl::StrCat(label, " input ", slot, " (", kind, "\"", node.input(slot),
                     "\", dims [", absl::StrJoin(*dims, ", "),
                     "]): ", fans.status().message()));
  }
  return fans;
}

// The fans of a candidate's role: of the tensor's own slot, or of the weight
// a bias follows.
absl::StatusOr<Fans> CandidateFans(const ModelIndex& index, const Candidate& c,
                                   FanConvention convention) {
  const FinalUse& use = *c.use;
  if (c.rule != nullptr) {
    const int slot = c.rule->weight_slot >= 0 ? c.rule->weight_slot : use.slot;
    return FansOf(index, c.rule->fan_rule, *use.node, slot, use.scope,
                  NodeLabel(*use.node, use.node_index), convention, &use);
  }
  if (!c.pattern || c.pattern->weight_node == nullptr ||
      c.pattern->weight_slot < 0) {
    return Fans{};
  }
  const PatternMatch& p = *c.pattern;
  absl::StatusOr<Fans> fans =
      FansOf(index, p.weight_rule, *p.weight_node, p.weight_slot,
             p.weight_scope, NodeLabel(*p.weight_node, 0), convention);
  return fans.ok() ? *fans : Fans{};  // a pattern never fails a run
}

}  // namespace

absl::StatusOr<RoleDecision> DecideRole(const ModelIndex& index,
                                        const TensorSite& site,
                                        FanConvention convention) {
  RoleDecision decision;
  const std::vector<FinalUse> uses = index.FinalUses(site.name(), site.scope);
  if (uses.empty()) {
    decision.why = "no consumer";
    return decision;
  }
  decision.has_consumer = true;
  std::vector<Candidate> candidates;
  for (const FinalUse& use : uses) {
    decision.consumers.push_back(absl::StrCat(
        use.via, NodeLabel(*use.node, use.node_index), " input ", use.slot));
    Candidate c;
    c.use = &use;
    c.rule = FindSlotRule(use.node->domain(), use.node->op_type(), use.slot);
    if (c.rule != nullptr) {
      c.role = c.rule->role;
    } else if ((c.pattern = MatchPattern(index, use))) {
      c.role = c.pattern->role;
    }
    candidates.push_back(std::move(c));
  }
  const Candidate* best = &candidates.front();
  for (const Candidate& c : candidates) {
    if (static_cast<int>(c.role) < static_cast<int>(best->role)) best = &c;
  }
  const FinalUse& use = *best->use;
  decision.role = best->role;
  decision.op_type = use.node->op_type();
  decision.node = use.node->name();
  decision.quantized = use.quantized;
  if (best->role == Role::kNotWeight) {
    // A pattern that saw its structure but not its evidence says what did
    // not fit; otherwise the consumer's slot is simply not a weight's.
    for (const Candidate& c : candidates) {
      if (c.pattern && !c.pattern->why.empty()) {
        decision.why = absl::StrCat(c.use->via, Where(index, *c.use), ": ",
                                    c.pattern->why);
        return decision;
      }
    }
    decision.why = absl::StrCat(use.via, Where(index, use), ": ",
                                NotAWeightBecause(*use.node));
    return decision;
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(decision.fans,
                               CandidateFans(index, *best, convention));
  decision.why = absl::StrCat(use.via, Where(index, use));
  if (best->pattern) absl::StrAppend(&decision.why, ": ", best->pattern->why);
  decision.partial = use.partial;
  decision.consumer_value = use.node->input(use.slot);
  decision.consumer_scope = use.scope;

  // Parts of a tensor (Slice, Split, Concat) that play different roles, or
  // the same role with different fans, cannot be given one strategy: kept.
  bool any_partial = false;
  for (const Candidate& c : candidates) any_partial |= c.use->partial;
  if (!any_partial) return decision;
  for (const Candidate& c : candidates) {
    if (&c == best || (c.role == Role::kNotWeight && !c.use->partial)) {
      continue;
    }
    std::string conflict;
    if (c.role != best->role) {
      conflict = absl::StrCat(RoleName(best->role), " and ", RoleName(c.role));
    } else {
      ONNX_REINIT_ASSIGN_OR_RETURN(const Fans fans,
                                   CandidateFans(index, c, convention));
      if (fans.fan_in != decision.fans.fan_in ||
          fans.fan_out != decision.fans.fan_out) {
        conflict = absl::StrCat(
            RoleName(c.role), " with fans ", decision.fans.fan_in, "/",
            decision.fans.fan_out, " and ", fans.fan_in, "/", fans.fan_out);
      }
    }
    if (conflict.empty()) continue;
    RoleDecision mixed;
    mixed.has_consumer = true;
    mixed.op_type = decision.op_type;
    mixed.node = decision.node;
    mixed.consumers = std::move(decision.consumers);
    mixed.why =
        absl::StrCat("its parts play ", conflict, " (", use.via,
                     Where(index, use), "; ", c.use->via, Where(index, *c.use),
                     "): one strategy cannot serve both, kept");
    return mixed;
  }
  return decision;
}

}  // namespace onnx_reinit
