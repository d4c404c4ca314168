#include "graph/patterns.h"

#include "absl/strings/str_cat.h"
#include "graph/node_kind.h"
#include "graph/node_label.h"

namespace onnx_reinit {
namespace {

// The producer of `name`, looking through layout-only ops.
const onnx::NodeProto* RealProducer(const ModelIndex& index,
                                    const std::string& name, const Scope* scope,
                                    const Scope** where, int* node_index) {
  const Scope* s = scope;
  std::string current = name;
  for (int depth = 0; depth < 16; ++depth) {
    const onnx::NodeProto* p = index.Producer(current, s, &s, node_index);
    if (!IsLayoutOnly(p) || p->input_size() == 0) {
      if (where) *where = s;
      return p;
    }
    current = p->input(0);
  }
  return nullptr;
}

bool IsNormalized(const ModelIndex& index, const std::string& name,
                  const Scope* scope) {
  const Scope* where = nullptr;
  const onnx::NodeProto* p = RealProducer(index, name, scope, &where, nullptr);
  if (IsOp(p,
           {"InstanceNormalization", "LayerNormalization", "BatchNormalization",
            "GroupNormalization", "MeanVarianceNormalization"})) {
    return true;
  }
  if (IsOp(p, {"Div"}) && p->input_size() == 2) {
    return IsOp(RealProducer(index, p->input(1), where, nullptr, nullptr),
                {"Sqrt"});
  }
  return false;
}

// Mul(x, s) with x normalized: the output of a norm_scale multiply.
bool IsScaledNormalized(const ModelIndex& index, const std::string& name,
                        const Scope* scope) {
  const Scope* where = nullptr;
  const onnx::NodeProto* p = RealProducer(index, name, scope, &where, nullptr);
  if (!IsOp(p, {"Mul"}) || p->input_size() != 2) return false;
  return IsNormalized(index, p->input(0), where) ||
         IsNormalized(index, p->input(1), where);
}

struct Linear {
  const char* op;
  int slots[2];  // weight operand candidates, in order of preference
  FanRule rules[2];
};

constexpr Linear kLinears[] = {
    {"MatMul", {1, 0}, {FanRule::kMatMulInput1, FanRule::kMatMulInput0}},
    {"Gemm", {1, 0}, {FanRule::kGemmB, FanRule::kGemmA}},
    {"Conv", {1, -1}, {FanRule::kConv, FanRule::kNone}},
    {"ConvTranspose", {1, -1}, {FanRule::kConvTranspose, FanRule::kNone}},
    {"Einsum", {1, 0}, {FanRule::kEinsumOperand, FanRule::kEinsumOperand}},
};

}  // namespace

std::optional<PatternMatch> MatchPattern(const ModelIndex& index,
                                         const FinalUse& use) {
  const onnx::NodeProto& node = *use.node;
  if (!IsDefaultDomain(node) || node.input_size() != 2) return std::nullopt;
  const bool is_add = node.op_type() == "Add";
  const bool is_mul = node.op_type() == "Mul";
  if (!is_add && !is_mul) return std::nullopt;
  const std::string& other = node.input(1 - use.slot);
  if (other == node.input(use.slot)) return std::nullopt;

  PatternMatch match;
  if (is_mul) {
    if (!IsNormalized(index, other, use.scope)) return std::nullopt;
    match.role = Role::kNormScale;
    match.why = "scale of a normalization";
    return match;
  }
  if (IsNormalized(index, other, use.scope) ||
      IsScaledNormalized(index, other, use.scope)) {
    match.role = Role::kNormBias;
    match.why = "bias of a normalization";
    return match;
  }
  // A bias added to the output of a linear op (directly, not through
  // reshapes: a reshaped output is no longer per output unit).
  const Scope* where = nullptr;
  int producer_index = 0;
  const onnx::NodeProto* p =
      index.Producer(other, use.scope, &where, &producer_index);
  if (p == nullptr || !IsDefaultDomain(*p)) return std::nullopt;
  for (const Linear& linear : kLinears) {
    if (p->op_type() != linear.op) continue;
    match.role = Role::kBias;
    match.why = absl::StrCat("added after ", NodeLabel(*p, producer_index));
    match.weight_node = p;
    match.weight_scope = where;
    for (int i = 0; i < 2; ++i) {
      const int slot = linear.slots[i];
      if (slot < 0 || slot >= p->input_size()) continue;
      // The operand that comes from a stored tensor is the weight.
      if (index.ViewDims(p->input(slot), where).has_value()) {
        match.weight_slot = slot;
        match.weight_rule = linear.rules[i];
        break;
      }
    }
    return match;
  }
  return std::nullopt;
}

}  // namespace onnx_reinit
