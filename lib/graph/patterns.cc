#include "graph/patterns.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "graph/fans.h"
#include "graph/node_kind.h"
#include "graph/node_label.h"

namespace onnx_reinit {
namespace {

constexpr int kMaxWalk = 16;

using Dims = std::vector<int64_t>;

std::string DimsText(const Dims& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

// The dims without leading 1s: the same layout under broadcasting.
Dims Stripped(const Dims& dims) {
  size_t first = 0;
  while (first < dims.size() && dims[first] == 1) ++first;
  return Dims(dims.begin() + first, dims.end());
}

int NonUnitDims(const Dims& dims) {
  return static_cast<int>(std::count_if(dims.begin(), dims.end(),
                                        [](int64_t d) { return d != 1; }));
}

// A node found by walking back from a value, and where it is.
struct Found {
  const onnx::NodeProto* node = nullptr;
  const Scope* scope = nullptr;
  int index = 0;
  bool through_layout = false;  // a layout-only op was passed on the way
};

// The producer of `name`, looking through layout-only ops.
Found RealProducer(const ModelIndex& index, const std::string& name,
                   const Scope* scope) {
  Found found;
  const Scope* s = scope;
  std::string current = name;
  for (int depth = 0; depth < kMaxWalk; ++depth) {
    const onnx::NodeProto* p = index.Producer(current, s, &s, &found.index);
    if (!IsLayoutOnly(p) || p->input_size() == 0) {
      found.node = p;
      found.scope = s;
      return found;
    }
    found.through_layout = true;
    current = p->input(0);
  }
  return Found{};
}

// A value that is a stored tensor (through pass-through ops), not computed.
bool IsStored(const ModelIndex& index, const std::string& name,
              const Scope* scope) {
  return index.ViewDims(name, scope).has_value();
}

// The Add's computed operand when the other one is stored (a bias add), or
// "" when the Add is not of that form.
std::string ComputedSideOfBiasAdd(const ModelIndex& index,
                                  const onnx::NodeProto& add,
                                  const Scope* scope) {
  if (!IsOp(&add, {"Add"}) || add.input_size() != 2) return "";
  const bool left = IsStored(index, add.input(0), scope);
  const bool right = IsStored(index, add.input(1), scope);
  if (left == right) return "";
  return left ? add.input(1) : add.input(0);
}

// ---- Normalizations -------------------------------------------------------

struct Normalization {
  Found node;  // the normalization op, or the Div of a decomposed one
  bool decomposed = false;
  std::optional<Dims> axes;  // the ReduceMean's axes (decomposed only)
  std::string label;         // for messages
};

// The axes a ReduceMean reduces (attribute, or input 1 from opset 18).
std::optional<Dims> ReduceAxes(const ModelIndex& index,
                               const onnx::NodeProto& reduce,
                               const Scope* scope) {
  if (std::optional<Dims> axes = IntsAttribute(reduce, "axes")) return axes;
  if (reduce.input_size() > 1 && !reduce.input(1).empty()) {
    return index.ConstantInts(reduce.input(1), scope);
  }
  return std::nullopt;  // every axis
}

std::optional<Normalization> FindNormalization(const ModelIndex& index,
                                               const std::string& name,
                                               const Scope* scope) {
  const Found p = RealProducer(index, name, scope);
  if (IsOp(p.node,
           {"InstanceNormalization", "LayerNormalization", "BatchNormalization",
            "GroupNormalization", "MeanVarianceNormalization"})) {
    return Normalization{p, false, std::nullopt, NodeLabel(*p.node, p.index)};
  }
  if (!IsOp(p.node, {"Div"}) || p.node->input_size() != 2) return std::nullopt;
  const Found sqrt = RealProducer(index, p.node->input(1), p.scope);
  if (!IsOp(sqrt.node, {"Sqrt"}) || sqrt.node->input_size() != 1) {
    return std::nullopt;
  }
  Normalization n{
      p, true, std::nullopt,
      absl::StrCat("the LayerNorm ending in ", NodeLabel(*p.node, p.index))};
  // Sqrt(Add(ReduceMean(...), eps)) or Sqrt(ReduceMean(...)).
  Found var = RealProducer(index, sqrt.node->input(0), sqrt.scope);
  if (IsOp(var.node, {"Add"}) && var.node->input_size() == 2) {
    for (const std::string& in : var.node->input()) {
      const Found r = RealProducer(index, in, var.scope);
      if (IsOp(r.node, {"ReduceMean"})) {
        var = r;
        break;
      }
    }
  }
  if (IsOp(var.node, {"ReduceMean"})) {
    n.axes = ReduceAxes(index, *var.node, var.scope);
  }
  return n;
}

// Why `dims` cannot be a scale or bias of `n`, or "" when they fit.
std::string NormParameterMismatch(const Normalization& n, const Dims& dims) {
  const Dims s = Stripped(dims);
  if (NonUnitDims(dims) == 0) {
    return "a single value broadcasts over every channel";
  }
  if (!n.decomposed) {
    if (NonUnitDims(s) != 1) {
      return absl::StrCat("dims ", DimsText(dims),
                          " are not one value per channel");
    }
    return "";
  }
  if (!n.axes) {
    return "the normalized axes are not known";
  }
  const Dims& axes = *n.axes;
  const bool negative =
      std::all_of(axes.begin(), axes.end(), [](int64_t a) { return a < 0; });
  if (!negative) {
    if (axes.size() != 1 || s.size() != 1) {
      return absl::StrCat("dims ", DimsText(dims), " do not fit axes ",
                          DimsText(axes));
    }
    return "";
  }
  for (size_t k = 1; k <= s.size(); ++k) {
    const int64_t axis = -static_cast<int64_t>(k);
    if (s[s.size() - k] != 1 &&
        std::find(axes.begin(), axes.end(), axis) == axes.end()) {
      return absl::StrCat("dims ", DimsText(dims), " vary along axis ", axis,
                          ", which is not normalized (axes ", DimsText(axes),
                          ")");
    }
  }
  return "";
}

// ---- Linear ops -----------------------------------------------------------

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

// The weight of a linear node: the operand that comes from a stored tensor.
struct LinearWeight {
  const onnx::NodeProto* node = nullptr;
  const Scope* scope = nullptr;
  int node_index = 0;
  int slot = -1;  // -1: no operand has known dims
  FanRule rule = FanRule::kNone;
  Dims dims;
};

std::optional<LinearWeight> AsLinear(const ModelIndex& index, const Found& p) {
  if (p.node == nullptr || !IsDefaultDomain(*p.node)) return std::nullopt;
  for (const Linear& linear : kLinears) {
    if (p.node->op_type() != linear.op) continue;
    LinearWeight w;
    w.node = p.node;
    w.scope = p.scope;
    w.node_index = p.index;
    for (int i = 0; i < 2; ++i) {
      const int slot = linear.slots[i];
      if (slot < 0 || slot >= p.node->input_size()) continue;
      if (std::optional<Dims> dims =
              index.ViewDims(p.node->input(slot), p.scope)) {
        w.slot = slot;
        w.rule = linear.rules[i];
        w.dims = *dims;
        break;
      }
    }
    return w;
  }
  return std::nullopt;
}

// The layout of one value per output channel of `w`'s node: dims
// [channels, 1, ..., 1] with `trailing` 1s. False when unknown.
bool PerChannelLayout(const LinearWeight& w, int64_t* channels, int* trailing) {
  const Dims& d = w.dims;
  const int64_t rank = static_cast<int64_t>(d.size());
  switch (w.rule) {
    case FanRule::kMatMulInput1:
    case FanRule::kEinsumOperand:
      if (rank < 2) return false;
      *channels = d.back();
      *trailing = 0;
      return true;
    case FanRule::kMatMulInput0:
      if (rank < 2) return false;
      *channels = d[rank - 2];
      *trailing = 1;
      return true;
    case FanRule::kGemmB:
      if (rank != 2) return false;
      *channels = IntAttribute(*w.node, "transB", 0) ? d[0] : d[1];
      *trailing = 0;
      return true;
    case FanRule::kGemmA:
      if (rank != 2) return false;
      *channels = IntAttribute(*w.node, "transA", 0) ? d[1] : d[0];
      *trailing = 1;
      return true;
    case FanRule::kConv:
      if (rank < 3) return false;
      *channels = d[0];
      *trailing = static_cast<int>(rank - 2);
      return true;
    case FanRule::kConvTranspose:
      if (rank < 3) return false;
      *channels = d[1] * IntAttribute(*w.node, "group", 1);
      *trailing = static_cast<int>(rank - 2);
      return true;
    default:
      return false;
  }
}

// The linear node behind `name` (through layout-only ops and bias Adds).
std::optional<LinearWeight> LinearBehind(const ModelIndex& index,
                                         std::string name, const Scope* scope,
                                         bool* through_layout = nullptr) {
  for (int depth = 0; depth < kMaxWalk; ++depth) {
    const Found p = RealProducer(index, name, scope);
    if (through_layout) *through_layout |= p.through_layout;
    if (p.node == nullptr) return std::nullopt;
    if (std::optional<LinearWeight> w = AsLinear(index, p)) return w;
    name = ComputedSideOfBiasAdd(index, *p.node, p.scope);
    if (name.empty()) return std::nullopt;
    scope = p.scope;
  }
  return std::nullopt;
}

// ---- Token sequences ------------------------------------------------------

// The width D of the class token `name` ([1, 1, D], maybe through Expand).
std::optional<int64_t> ClassTokenWidth(const ModelIndex& index,
                                       const std::string& name,
                                       const Scope* scope) {
  std::string current = name;
  const Scope* s = scope;
  const Found p = RealProducer(index, name, scope);
  if (IsOp(p.node, {"Expand"}) && p.node->input_size() == 2) {
    current = p.node->input(0);
    s = p.scope;
  }
  std::optional<Dims> dims = index.ViewDims(current, s);
  if (!dims || dims->size() != 3 || (*dims)[0] != 1 || (*dims)[1] != 1 ||
      (*dims)[2] <= 1) {
    return std::nullopt;
  }
  return (*dims)[2];
}

bool IsSequenceConcat(const onnx::NodeProto* node) {
  if (!IsOp(node, {"Concat"})) return false;
  const int64_t axis = IntAttribute(*node, "axis", 0);
  return axis == 1 || axis == -2;
}

// The width D of the token sequence `name` ([N, L, D]), when where the tokens
// come from says it.
std::optional<int64_t> SequenceWidth(const ModelIndex& index,
                                     const std::string& name,
                                     const Scope* scope, int depth = 0) {
  if (depth > kMaxWalk) return std::nullopt;
  const Found p = RealProducer(index, name, scope);
  if (p.node == nullptr) return std::nullopt;
  if (IsOp(p.node, {"Gather"}) && p.node->input_size() == 2) {
    std::optional<Dims> table = index.ViewDims(p.node->input(0), p.scope);
    if (table && table->size() == 2) return (*table)[1];
    return std::nullopt;
  }
  if (IsSequenceConcat(p.node)) {
    for (const std::string& in : p.node->input()) {
      if (std::optional<int64_t> d = ClassTokenWidth(index, in, p.scope)) {
        return d;
      }
    }
    for (const std::string& in : p.node->input()) {
      if (IsStored(index, in, p.scope)) continue;
      if (std::optional<int64_t> d =
              SequenceWidth(index, in, p.scope, depth + 1)) {
        return d;
      }
    }
    return std::nullopt;
  }
  bool through_layout = p.through_layout;
  std::optional<LinearWeight> w =
      LinearBehind(index, name, scope, &through_layout);
  if (!w || w->slot < 0) return std::nullopt;
  int64_t channels = 0;
  int trailing = 0;
  if (!PerChannelLayout(*w, &channels, &trailing)) return std::nullopt;
  const bool conv = IsOp(w->node, {"Conv", "ConvTranspose"});
  // A Conv's output is a sequence only once flattened (patch embedding).
  if (conv && !through_layout) return std::nullopt;
  if (!conv && trailing != 0) return std::nullopt;
  return channels;
}

// ---- The patterns ---------------------------------------------------------

PatternMatch Rejected(std::string why) {
  PatternMatch m;
  m.why = std::move(why);
  return m;
}

// Add(t, y) after a normalization or its scale Mul.
std::optional<PatternMatch> NormBias(const ModelIndex& index,
                                     const FinalUse& use, const Dims& dims,
                                     const std::string& other) {
  std::optional<Normalization> n = FindNormalization(index, other, use.scope);
  if (!n) {
    // The output of a norm_scale Mul: Mul(normalized, stored scale).
    const Found mul = RealProducer(index, other, use.scope);
    if (!IsOp(mul.node, {"Mul"}) || mul.node->input_size() != 2) {
      return std::nullopt;
    }
    for (int i = 0; i < 2; ++i) {
      std::optional<Normalization> inner =
          FindNormalization(index, mul.node->input(i), mul.scope);
      if (!inner) continue;
      std::optional<Dims> scale =
          index.ViewDims(mul.node->input(1 - i), mul.scope);
      if (scale && NormParameterMismatch(*inner, *scale).empty()) {
        n = inner;
        break;
      }
    }
    if (!n) return std::nullopt;
  }
  const std::string mismatch = NormParameterMismatch(*n, dims);
  if (!mismatch.empty()) {
    return Rejected(absl::StrCat("not a bias of ", n->label, ": ", mismatch));
  }
  PatternMatch m;
  m.role = Role::kNormBias;
  m.why = absl::StrCat("bias of a normalization (", n->label, ")");
  return m;
}

// Add(t, y), y produced directly by a linear op (not through reshapes: a
// reshaped output is no longer per output channel).
std::optional<PatternMatch> LinearBias(const ModelIndex& index,
                                       const FinalUse& use, const Dims& dims,
                                       const std::string& other) {
  Found p;
  p.node = index.Producer(other, use.scope, &p.scope, &p.index);
  std::optional<LinearWeight> w = AsLinear(index, p);
  if (!w) return std::nullopt;
  const std::string label = NodeLabel(*w->node, w->node_index);
  int64_t channels = 0;
  int trailing = 0;
  if (w->slot < 0 || !PerChannelLayout(*w, &channels, &trailing)) {
    return Rejected(absl::StrCat("not a bias of ", label,
                                 ": its weight's layout is not known"));
  }
  if (NonUnitDims(dims) == 0 && channels != 1) {
    return Rejected(absl::StrCat("not a bias of ", label,
                                 ": a single value broadcasts over its ",
                                 channels, " output channels"));
  }
  Dims expected = {channels};
  expected.insert(expected.end(), trailing, 1);
  if (Stripped(dims) != Stripped(expected)) {
    return Rejected(
        absl::StrCat("not a bias of ", label, ": dims ", DimsText(dims),
                     " are not one value per each of its ", channels,
                     " output channels (", DimsText(expected), ")"));
  }
  PatternMatch m;
  m.role = Role::kBias;
  m.why = absl::StrCat("added after ", label);
  m.weight_node = w->node;
  m.weight_scope = w->scope;
  m.weight_slot = w->slot;
  m.weight_rule = w->rule;
  return m;
}

std::optional<PatternMatch> PositionalEmbedding(const ModelIndex& index,
                                                const FinalUse& use,
                                                const Dims& dims,
                                                const std::string& other) {
  std::optional<int64_t> width = SequenceWidth(index, other, use.scope);
  if (!width) return std::nullopt;
  const Dims s = Stripped(dims);
  if (s.size() != 2 || s[0] <= 1 || s[1] != *width) {
    return Rejected(absl::StrCat("not a positional embedding: dims ",
                                 DimsText(dims), " are not [L, ", *width,
                                 "] for a sequence of width ", *width));
  }
  PatternMatch m;
  m.role = Role::kPositionalEmbedding;
  m.why = absl::StrCat("added to a token sequence of width ", *width);
  return m;
}

std::optional<PatternMatch> NormScale(const ModelIndex& index,
                                      const FinalUse& use, const Dims& dims,
                                      const std::string& other) {
  std::optional<Normalization> n = FindNormalization(index, other, use.scope);
  if (!n) return std::nullopt;
  const std::string mismatch = NormParameterMismatch(*n, dims);
  if (!mismatch.empty()) {
    return Rejected(absl::StrCat("not a scale of ", n->label, ": ", mismatch));
  }
  PatternMatch m;
  m.role = Role::kNormScale;
  m.why = absl::StrCat("scale of a normalization (", n->label, ")");
  return m;
}

// Whether `name` (through pass-through ops) is an operand of a residual Add:
// an Add of two values that are not stored tensors (computed, or inputs).
bool ReachesResidualAdd(const ModelIndex& index, const std::string& name,
                        const Scope* scope) {
  for (const FinalUse& u : index.FinalUses(name, scope)) {
    if (!IsOp(u.node, {"Add"}) || u.node->input_size() != 2) continue;
    const std::string& other = u.node->input(1 - u.slot);
    if (!IsStored(index, other, u.scope)) return true;
  }
  return false;
}

std::optional<PatternMatch> LayerScale(const ModelIndex& index,
                                       const FinalUse& use, const Dims& dims,
                                       const std::string& other) {
  std::optional<LinearWeight> w = LinearBehind(index, other, use.scope);
  if (!w || w->node->output_size() == 0) return std::nullopt;
  if (!ReachesResidualAdd(index, use.node->output(0), use.scope)) {
    return std::nullopt;
  }
  const std::string label = NodeLabel(*w->node, w->node_index);
  int64_t channels = 0;
  int trailing = 0;
  if (w->slot < 0 || !PerChannelLayout(*w, &channels, &trailing)) {
    return Rejected(absl::StrCat("not a layer scale after ", label,
                                 ": its weight's layout is not known"));
  }
  const Dims s = Stripped(dims);
  if (NonUnitDims(s) != 1 || s[0] != channels) {
    return Rejected(absl::StrCat(
        "not a layer scale after ", label, ": dims ", DimsText(dims),
        " are not one value per each of its ", channels, " output channels"));
  }
  PatternMatch m;
  m.role = Role::kLayerScale;
  m.why = absl::StrCat("scales the residual branch ending in ", label);
  return m;
}

std::optional<PatternMatch> ClassToken(const ModelIndex& index,
                                       const FinalUse& use, const Dims& dims) {
  // The Concat the token goes into: this node, or through an Expand.
  std::vector<FinalUse> concats;
  if (IsOp(use.node, {"Expand"})) {
    if (use.slot != 0 || use.node->output_size() == 0) return std::nullopt;
    for (const FinalUse& u : index.FinalUses(use.node->output(0), use.scope)) {
      if (IsSequenceConcat(u.node)) concats.push_back(u);
    }
  } else if (IsSequenceConcat(use.node)) {
    concats.push_back(use);
  }
  if (concats.empty()) return std::nullopt;
  if (dims.size() != 3 || dims[0] != 1 || dims[1] != 1 || dims[2] <= 1) {
    return Rejected(absl::StrCat("not a class token: dims ", DimsText(dims),
                                 " are not [1, 1, D]"));
  }
  for (const FinalUse& c : concats) {
    for (int i = 0; i < c.node->input_size(); ++i) {
      if (i == c.slot || IsStored(index, c.node->input(i), c.scope)) continue;
      std::optional<int64_t> width =
          SequenceWidth(index, c.node->input(i), c.scope);
      if (width && *width == dims[2]) {
        PatternMatch m;
        m.role = Role::kClassToken;
        m.why = absl::StrCat("put in front of a token sequence of width ",
                             dims[2], " by ", NodeLabel(*c.node, c.node_index));
        return m;
      }
    }
  }
  return Rejected(absl::StrCat("not a class token: no token sequence of width ",
                               dims[2], " is concatenated with it"));
}

struct BinaryPattern {
  std::optional<PatternMatch> (*match)(const ModelIndex&, const FinalUse&,
                                       const Dims&, const std::string&);
  // Whether a part of a tensor (FinalUse::partial) can match: a slice of a
  // packed bias can be a bias, but a table sliced to the sequence length is
  // what a fixed (sinusoidal) encoding buffer looks like, not a parameter.
  bool parts;
};

// Tried in order (MatchPattern).
constexpr BinaryPattern kAddPatterns[] = {
    {NormBias, true}, {LinearBias, true}, {PositionalEmbedding, false}};
constexpr BinaryPattern kMulPatterns[] = {{NormScale, true},
                                          {LayerScale, false}};

}  // namespace

std::optional<PatternMatch> MatchPattern(const ModelIndex& index,
                                         const FinalUse& use) {
  const onnx::NodeProto& node = *use.node;
  if (!IsDefaultDomain(node)) return std::nullopt;
  std::optional<Dims> dims = index.ViewDims(node.input(use.slot), use.scope);
  if (!dims && !use.formal.empty() && node.input(use.slot) == use.formal) {
    dims = use.formal_dims;
  }
  if (!dims) return std::nullopt;
  if (node.op_type() == "Expand" || node.op_type() == "Concat") {
    if (use.partial) return std::nullopt;
    return ClassToken(index, use, *dims);
  }
  const bool is_add = node.op_type() == "Add";
  const bool is_mul = node.op_type() == "Mul";
  if ((!is_add && !is_mul) || node.input_size() != 2) return std::nullopt;
  const std::string& other = node.input(1 - use.slot);
  if (other == node.input(use.slot)) return std::nullopt;
  const absl::Span<const BinaryPattern> patterns =
      is_add ? absl::MakeConstSpan(kAddPatterns)
             : absl::MakeConstSpan(kMulPatterns);
  // The first pattern whose evidence holds; else the first one whose
  // structure matched, with what did not fit.
  std::optional<PatternMatch> rejected;
  for (const BinaryPattern& pattern : patterns) {
    if (use.partial && !pattern.parts) continue;
    std::optional<PatternMatch> m = pattern.match(index, use, *dims, other);
    if (!m) continue;
    if (m->role != Role::kNotWeight) return m;
    if (!rejected) rejected = std::move(m);
  }
  return rejected;
}

}  // namespace onnx_reinit
