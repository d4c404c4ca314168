#include "graph/model_index.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "graph/element_trace.h"
#include "graph/fans.h"
#include "graph/node_kind.h"
#include "graph/node_label.h"
#include "util/tensor_path.h"

namespace onnx_reinit {
namespace {

constexpr int kMaxDepth = 64;

// Normalizes possibly negative axes against `rank`; false when out of range.
bool NormalizeAxes(std::vector<int64_t>* axes, int64_t rank) {
  for (int64_t& a : *axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return false;
  }
  std::sort(axes->begin(), axes->end());
  return true;
}

// What a Scope::stored id names: the kind in the top two bits, the index in
// its field below.
enum StoredKind : uint32_t {
  kStoredInitializer = 0,
  kStoredSparse = 1,
  kStoredInput = 2,
  kStoredFormal = 3,
};
constexpr uint32_t kStoredIndexBits = 30;
constexpr uint32_t kStoredIndexMask = (uint32_t{1} << kStoredIndexBits) - 1;

uint32_t StoredId(StoredKind kind, int index) {
  return kind << kStoredIndexBits | static_cast<uint32_t>(index);
}

const std::string& StoredName(const Scope& scope, uint32_t id) {
  const int index = static_cast<int>(id & kStoredIndexMask);
  switch (id >> kStoredIndexBits) {
    case kStoredInitializer:
      return scope.graph->initializer(index).name();
    case kStoredSparse:
      return scope.graph->sparse_initializer(index).values().name();
    case kStoredInput:
      return scope.graph->input(index).name();
    default:
      return scope.function->input(index);
  }
}

// The last node of `scope` with an output `name`, or -1.
int ProducerOf(const Scope& scope, const std::string& name) {
  int found = -1;
  scope.producers.ForEachCandidate(name, [&](uint32_t n) {
    for (const std::string& out :
         scope.nodes->Get(static_cast<int>(n)).output()) {
      if (out == name) {
        found = static_cast<int>(n);
        break;
      }
    }
    return true;
  });
  return found;
}

// The last stored id of `scope` named `name`, in the order initializers,
// sparse initializers, inputs (or, with `tensors_only`, among initializers
// and sparse initializers), or -1.
int64_t StoredOf(const Scope& scope, const std::string& name,
                 bool tensors_only = false) {
  int64_t found = -1;
  scope.stored.ForEachCandidate(name, [&](uint32_t id) {
    if (tensors_only && (id >> kStoredIndexBits) > kStoredSparse) return false;
    if (StoredName(scope, id) == name) found = id;
    return true;
  });
  return found;
}

}  // namespace

uint32_t NameTable::Hash(absl::string_view name) {
  return static_cast<uint32_t>(absl::Hash<absl::string_view>{}(name));
}

void NameTable::Seal() {
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) {
              return a.hash != b.hash ? a.hash < b.hash : a.id < b.id;
            });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& a, const Entry& b) {
                               return a.hash == b.hash && a.id == b.id;
                             }),
                 entries_.end());
}

const std::string& TensorSite::name() const {
  if (kind == Kind::kConstant) return scope->nodes->Get(index).output(0);
  return tensor->name();
}

std::string TensorSite::path() const {
  switch (kind) {
    case Kind::kInitializer:
      return ChildPath(scope->path, "initializer", index);
    case Kind::kSparseInitializer:
      return ChildPath(scope->path, "sparse_initializer", index);
    case Kind::kConstant:
      break;
  }
  return ChildPath(
      ChildPath(ChildPath(scope->path, "node", index), "attribute", attribute),
      "t");
}

namespace {

// An upper bound of the sites in `graph` and the graphs its nodes hold (so
// that the list of sites is allocated once, at its size).
size_t CountSites(const onnx::GraphProto& graph) {
  size_t count = graph.initializer_size() + graph.sparse_initializer_size();
  for (const onnx::NodeProto& node : graph.node()) {
    for (const onnx::AttributeProto& attr : node.attribute()) {
      count += attr.has_t() ? 1 : 0;
      if (attr.has_g()) count += CountSites(attr.g());
      for (const onnx::GraphProto& g : attr.graphs()) count += CountSites(g);
    }
  }
  return count;
}

}  // namespace

ModelIndex::ModelIndex(const onnx::ModelProto& model) : model_(model) {
  size_t sites = CountSites(model.graph());
  for (const auto& info : model.training_info()) {
    sites += CountSites(info.initialization()) + CountSites(info.algorithm());
  }
  sites_.reserve(sites);
  AddGraph(model.graph(), "graph", "main", nullptr);
  for (int i = 0; i < model.training_info_size(); ++i) {
    const auto& info = model.training_info(i);
    const std::string base = ChildPath("", "training_info", i);
    if (info.has_initialization()) {
      AddGraph(info.initialization(), ChildPath(base, "initialization"),
               "training", nullptr);
    }
    if (info.has_algorithm()) {
      AddGraph(info.algorithm(), ChildPath(base, "algorithm"), "training",
               scopes_.front().get());
    }
  }
  for (const onnx::FunctionProto& function : model.functions()) {
    auto scope = std::make_unique<Scope>();
    scope->nodes = &function.node();
    scope->function = &function;
    scope->path = absl::StrCat("function ", function.name());
    scope->scope = "function";
    scope->stored.Reserve(function.input_size());
    for (int i = 0; i < function.input_size(); ++i) {
      scope->stored.Add(function.input(i), StoredId(kStoredFormal, i));
    }
    scope->stored.Seal();
    Scope* body = scope.get();
    function_scopes_[&function] = body;
    scopes_.push_back(std::move(scope));
    AddNodes(body, /*collect_sites=*/false);
  }
}

Scope* ModelIndex::AddGraph(const onnx::GraphProto& graph,
                            const std::string& path, const std::string& kind,
                            const Scope* parent, bool collect_sites) {
  scopes_.push_back(std::make_unique<Scope>());
  Scope* scope = scopes_.back().get();
  scope->nodes = &graph.node();
  scope->graph = &graph;
  scope->path = path;
  scope->scope = kind;
  scope->parent = parent;
  scope->stored.Reserve(graph.input_size() + graph.initializer_size() +
                        graph.sparse_initializer_size());
  for (int i = 0; i < graph.input_size(); ++i) {
    scope->stored.Add(graph.input(i).name(), StoredId(kStoredInput, i));
  }
  for (int i = 0; i < graph.initializer_size(); ++i) {
    scope->stored.Add(graph.initializer(i).name(),
                      StoredId(kStoredInitializer, i));
  }
  for (int i = 0; i < graph.sparse_initializer_size(); ++i) {
    scope->stored.Add(graph.sparse_initializer(i).values().name(),
                      StoredId(kStoredSparse, i));
  }
  scope->stored.Seal();
  if (collect_sites) {
    scope->first_site = static_cast<int64_t>(sites_.size());
    for (int i = 0; i < graph.initializer_size(); ++i) {
      sites_.push_back(
          {&graph.initializer(i), scope, i, 0, TensorSite::Kind::kInitializer});
    }
    for (int i = 0; i < graph.sparse_initializer_size(); ++i) {
      sites_.push_back({&graph.sparse_initializer(i).values(), scope, i, 0,
                        TensorSite::Kind::kSparseInitializer});
    }
  }
  AddNodes(scope, collect_sites);
  return scope;
}

void ModelIndex::AddNodes(Scope* scope, bool collect_sites) {
  const auto& nodes = *scope->nodes;
  size_t outputs = 0, inputs = 0;
  for (const onnx::NodeProto& node : nodes) {
    outputs += node.output_size();
    inputs += node.input_size();
  }
  scope->producers.Reserve(outputs);
  scope->users.Reserve(inputs);
  const std::string child_kind = scope->function != nullptr ? "function"
                                 : collect_sites            ? "subgraph"
                                                            : scope->scope;
  for (int n = 0; n < nodes.size(); ++n) {
    const onnx::NodeProto& node = nodes.Get(n);
    for (const std::string& out : node.output()) {
      scope->producers.Add(out, static_cast<uint32_t>(n));
    }
    for (const std::string& in : node.input()) {
      if (!in.empty()) scope->users.Add(in, static_cast<uint32_t>(n));
    }
    for (int a = 0; a < node.attribute_size(); ++a) {
      const onnx::AttributeProto& attr = node.attribute(a);
      if (collect_sites && attr.has_t() && node.op_type() == "Constant" &&
          (node.domain().empty() || node.domain() == "ai.onnx") &&
          attr.name() == "value" && node.output_size() > 0) {
        scope->constant_sites.push_back(
            {static_cast<uint32_t>(n), static_cast<uint32_t>(sites_.size())});
        sites_.push_back({&attr.t(), scope, n, a, TensorSite::Kind::kConstant});
      }
      if (!attr.has_g() && attr.graphs_size() == 0) continue;
      // A function body's graphs take the body's name as their path.
      const std::string attr_path =
          scope->function != nullptr
              ? scope->path
              : ChildPath(ChildPath(scope->path, "node", n), "attribute", a);
      if (attr.has_g()) {
        scope->children.push_back(AddGraph(
            attr.g(),
            scope->function != nullptr ? attr_path : ChildPath(attr_path, "g"),
            child_kind, scope, collect_sites));
      }
      for (int g = 0; g < attr.graphs_size(); ++g) {
        scope->children.push_back(AddGraph(
            attr.graphs(g),
            scope->function != nullptr ? attr_path
                                       : ChildPath(attr_path, "graphs", g),
            child_kind, scope, collect_sites));
      }
    }
  }
  scope->producers.Seal();
  scope->users.Seal();
}

const onnx::FunctionProto* ModelIndex::FindFunction(
    const onnx::NodeProto& node) const {
  for (const onnx::FunctionProto& f : model_.functions()) {
    if (f.name() == node.op_type() && f.domain() == node.domain()) return &f;
  }
  return nullptr;
}

int ModelIndex::Opset(const std::string& domain) const {
  for (const onnx::OperatorSetIdProto& opset : model_.opset_import()) {
    const bool same = opset.domain() == domain ||
                      (domain.empty() && opset.domain() == "ai.onnx") ||
                      (domain == "ai.onnx" && opset.domain().empty());
    if (same) return static_cast<int>(opset.version());
  }
  return std::numeric_limits<int>::max();
}

bool Scope::Declares(const std::string& name) const {
  return ProducerOf(*this, name) >= 0 || StoredOf(*this, name) >= 0;
}

int Scope::FirstTensorNamed(const std::string& name) const {
  int found = -1;
  stored.ForEachCandidate(name, [&](uint32_t id) {
    const uint32_t kind = id >> kStoredIndexBits;
    if (kind > kStoredSparse) return false;
    if (StoredName(*this, id) != name) return true;
    const int index = static_cast<int>(id & kStoredIndexMask);
    found =
        kind == kStoredInitializer ? index : graph->initializer_size() + index;
    return false;
  });
  return found;
}

std::vector<FinalUse> ModelIndex::FinalUses(const std::string& name,
                                            const Scope* scope) const {
  std::vector<FinalUse> out;
  CollectUses(name, scope, "", false, Binding{}, 0, &out, false);
  return out;
}

void ModelIndex::CollectUses(const std::string& name, const Scope* scope,
                             const std::string& via, bool quantized,
                             const Binding& binding, int depth,
                             std::vector<FinalUse>* out, bool partial) const {
  if (depth > kMaxDepth) return;
  // Every (node, input slot) reading `name`, in node then slot order.
  std::vector<Use> uses;
  scope->users.ForEachCandidate(name, [&](uint32_t n) {
    const onnx::NodeProto& node = scope->nodes->Get(static_cast<int>(n));
    for (int s = 0; s < node.input_size(); ++s) {
      if (node.input(s) == name) uses.push_back({static_cast<int>(n), s});
    }
    return true;
  });
  int previous_node = -1;
  for (const Use& use : uses) {
    const onnx::NodeProto& node = scope->nodes->Get(use.node);
    // Concat(a, a): follow its output once (a chain of them would double
    // the walk at every step).
    const bool repeated = use.node == previous_node;
    previous_node = use.node;
    if (use.slot == 0 && IsPassThrough(&node) && node.output_size() > 0) {
      CollectUses(node.output(0), scope,
                  absl::StrCat(via, NodeLabel(node, use.node), " -> "),
                  quantized || node.op_type() == "DequantizeLinear", binding,
                  depth + 1, out, partial);
      continue;
    }
    // A stored value assembled from parts (a Slice of it, a Concat of it
    // with other stored tensors): the part reaches the assembled value's
    // consumers.
    if ((use.slot == 0 || node.op_type() == "Concat") && IsAssembling(&node) &&
        binding.formal.empty()) {
      if (repeated) continue;
      bool followed = false;
      for (const std::string& output : node.output()) {
        if (output.empty() || !ViewDims(output, scope)) continue;
        followed = true;
        CollectUses(output, scope,
                    absl::StrCat(via, NodeLabel(node, use.node), " -> "),
                    quantized, binding, depth + 1, out, /*partial=*/true);
      }
      if (followed) continue;
    }
    if (const onnx::FunctionProto* f = FindFunction(node)) {
      if (use.slot < f->input_size()) {
        CollectUses(f->input(use.slot), function_scopes_.at(f),
                    absl::StrCat(via, NodeLabel(node, use.node), " -> "),
                    quantized,
                    Binding{f->input(use.slot), ViewDims(name, scope)},
                    depth + 1, out, partial);
      }
      continue;
    }
    out->push_back({&node, use.node, use.slot, scope, via, quantized,
                    binding.formal, binding.dims, partial});
  }
  for (const Scope* child : scope->children) {
    if (child->Declares(name)) continue;  // hidden by the child's own name
    CollectUses(name, child, via, quantized, binding, depth + 1, out, partial);
  }
}

const onnx::NodeProto* ModelIndex::Producer(const std::string& name,
                                            const Scope* scope,
                                            const Scope** where,
                                            int* index) const {
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    const int n = ProducerOf(*s, name);
    if (n >= 0) {
      if (where) *where = s;
      if (index) *index = n;
      return &s->nodes->Get(n);
    }
    if (StoredOf(*s, name) >= 0) return nullptr;  // an input or stored tensor
  }
  return nullptr;
}

const TensorSite* ModelIndex::FindSite(const std::string& name,
                                       const Scope* scope) const {
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    // As if each site of the scope were entered under its name in the order
    // they are listed (initializers, sparse initializers, then Constant
    // values by node): the last one named `name` is found.
    const TensorSite* found = nullptr;
    if (!s->constant_sites.empty()) {
      s->producers.ForEachCandidate(name, [&](uint32_t n) {
        const onnx::NodeProto& node = s->nodes->Get(static_cast<int>(n));
        if (node.output_size() == 0 || node.output(0) != name) return true;
        auto it = std::upper_bound(
            s->constant_sites.begin(), s->constant_sites.end(), n,
            [](uint32_t node_index, const std::pair<uint32_t, uint32_t>& c) {
              return node_index < c.first;
            });
        if (it != s->constant_sites.begin() && (it - 1)->first == n) {
          found = &sites_[(it - 1)->second];
        }
        return true;
      });
    }
    if (found != nullptr) return found;
    const int64_t stored = StoredOf(*s, name, /*tensors_only=*/true);
    if (stored >= 0 && s->first_site >= 0) {
      const uint32_t kind = static_cast<uint32_t>(stored) >> kStoredIndexBits;
      const int64_t index = stored & kStoredIndexMask;
      if (kind == kStoredInitializer) return &sites_[s->first_site + index];
      if (kind == kStoredSparse) {
        return &sites_[s->first_site + s->graph->initializer_size() + index];
      }
    }
    if (s->Declares(name)) return nullptr;  // hidden: an input or node output
  }
  return nullptr;
}

std::optional<std::vector<int64_t>> ModelIndex::ConstantInts(
    const std::string& name, const Scope* scope) const {
  const TensorSite* site = FindSite(name, scope);
  if (site == nullptr) return std::nullopt;
  const onnx::TensorProto& t = *site->tensor;
  std::vector<int64_t> values;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (!t.raw_data().empty()) {
      values.resize(t.raw_data().size() / 8);
      std::memcpy(values.data(), t.raw_data().data(), values.size() * 8);
    } else {
      values.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (!t.raw_data().empty()) {
      std::vector<int32_t> v(t.raw_data().size() / 4);
      std::memcpy(v.data(), t.raw_data().data(), v.size() * 4);
      values.assign(v.begin(), v.end());
    } else {
      values.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  int64_t expected = 1;
  for (int64_t d : t.dims()) {
    if (__builtin_mul_overflow(expected, d, &expected)) return std::nullopt;
  }
  if (static_cast<int64_t>(values.size()) != expected) return std::nullopt;
  return values;
}

std::optional<std::vector<int64_t>> ModelIndex::ConcatDims(
    const onnx::NodeProto& node, const Scope* scope, int depth) const {
  std::optional<std::vector<int64_t>> out;
  int64_t axis = IntAttribute(node, "axis", 0);
  for (const std::string& input : node.input()) {
    std::optional<std::vector<int64_t>> in = ViewDims(input, scope, depth + 1);
    if (!in) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(in->size());
    if (!out) {
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) return std::nullopt;
      out = in;
      continue;
    }
    if (in->size() != out->size()) return std::nullopt;
    for (int64_t j = 0; j < rank; ++j) {
      if (j != axis && (*in)[j] != (*out)[j]) return std::nullopt;
    }
    if ((*in)[axis] < 0 || (*out)[axis] > (int64_t{1} << 62) - (*in)[axis]) {
      return std::nullopt;  // beyond any real tensor
    }
    (*out)[axis] += (*in)[axis];
  }
  return out;
}

std::optional<std::vector<int64_t>> ModelIndex::ViewDims(
    const std::string& name, const Scope* scope) const {
  return ViewDims(name, scope, 0);
}

std::optional<std::vector<int64_t>> ModelIndex::ViewDims(
    const std::string& name, const Scope* scope, int depth) const {
  // A stored tensor's dims are read; a value no pass-through or assembling
  // node makes has none. Neither is remembered: it costs no walk.
  if (const TensorSite* site = FindSite(name, scope)) {
    return std::vector<int64_t>(site->tensor->dims().begin(),
                                site->tensor->dims().end());
  }
  const onnx::NodeProto* node = Producer(name, scope);
  if (node == nullptr || node->input_size() == 0 ||
      !(IsPassThrough(node) || IsAssembling(node))) {
    return std::nullopt;
  }
  // Remembered per (scope, name): a graph of Concats that reuse each other
  // is walked once, not once per path.
  const auto key = std::make_pair(scope, name);
  auto cached = view_dims_.find(key);
  if (cached != view_dims_.end()) return cached->second;
  std::optional<std::vector<int64_t>> dims =
      ComputeViewDims(name, scope, depth);
  // A result cut short by the depth limit is not final: not remembered.
  if (dims || depth == 0) view_dims_.emplace(key, dims);
  return dims;
}

std::optional<std::vector<int64_t>> ModelIndex::ComputeViewDims(
    const std::string& name, const Scope* scope, int depth) const {
  if (const TensorSite* site = FindSite(name, scope)) {
    return std::vector<int64_t>(site->tensor->dims().begin(),
                                site->tensor->dims().end());
  }
  const Scope* where = nullptr;
  const onnx::NodeProto* node = Producer(name, scope, &where);
  if (node == nullptr || node->input_size() == 0 ||
      !(IsPassThrough(node) || IsAssembling(node))) {
    return std::nullopt;
  }
  if (depth > kMaxDepth) return std::nullopt;
  const std::string& op = node->op_type();
  if (op == "Concat") return ConcatDims(*node, where, depth);
  std::optional<std::vector<int64_t>> in =
      ViewDims(node->input(0), where, depth + 1);
  if (!in) return std::nullopt;
  if (op == "Slice") {
    std::optional<std::vector<SliceAxis>> axes =
        SliceAxes(*this, *node, where, *in);
    if (!axes) return std::nullopt;
    std::vector<int64_t> out;
    for (const SliceAxis& a : *axes) out.push_back(a.count);
    return out;
  }
  if (op == "Split") {
    int64_t axis = 0;
    std::optional<std::vector<int64_t>> sizes =
        SplitSizes(*this, *node, where, *in, &axis);
    if (!sizes) return std::nullopt;
    for (int k = 0; k < node->output_size(); ++k) {
      if (node->output(k) == name) {
        (*in)[axis] = (*sizes)[k];
        return in;
      }
    }
    return std::nullopt;
  }
  const int64_t rank = static_cast<int64_t>(in->size());
  if (op == "Identity" || op == "Cast" || op == "DequantizeLinear") return in;
  if (op == "Transpose") {
    std::vector<int64_t> perm =
        IntsAttribute(*node, "perm").value_or(std::vector<int64_t>{});
    if (perm.empty()) {
      for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
    }
    if (static_cast<int64_t>(perm.size()) != rank) return std::nullopt;
    std::vector<int64_t> out;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank) return std::nullopt;
      out.push_back((*in)[p]);
    }
    return out;
  }
  if (op == "Flatten") {
    int64_t axis = IntAttribute(*node, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) return std::nullopt;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t& part = i < axis ? outer : inner;
      if (__builtin_mul_overflow(part, (*in)[i], &part)) return std::nullopt;
    }
    return std::vector<int64_t>{outer, inner};
  }
  if (op == "Reshape") {
    if (node->input_size() < 2) return std::nullopt;
    std::optional<std::vector<int64_t>> shape =
        ConstantInts(node->input(1), where);
    if (!shape) return std::nullopt;
    int64_t total = 1;
    for (int64_t d : *in) {
      if (__builtin_mul_overflow(total, d, &total)) return std::nullopt;
    }
    const bool allow_zero = IntAttribute(*node, "allowzero", 0) != 0;
    int64_t known = 1;
    int infer = -1;
    std::vector<int64_t> out = *shape;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == 0 && !allow_zero) {
        if (static_cast<int64_t>(i) >= rank) return std::nullopt;
        out[i] = (*in)[i];
      }
      if (out[i] < -1) return std::nullopt;  // not a valid Reshape
      if (out[i] == -1) {
        if (infer >= 0) return std::nullopt;
        infer = static_cast<int>(i);
      } else {
        if (__builtin_mul_overflow(known, out[i], &known)) return std::nullopt;
      }
    }
    if (infer >= 0) {
      if (known <= 0 || total < 0 || total % known != 0) return std::nullopt;
      out[infer] = total / known;
    }
    return out;
  }
  // Squeeze / Unsqueeze: axes from the attribute (opset < 13) or input 1.
  std::optional<std::vector<int64_t>> axes_attr = IntsAttribute(*node, "axes");
  bool found = axes_attr.has_value();
  std::vector<int64_t> axes = axes_attr.value_or(std::vector<int64_t>{});
  if (!found && node->input_size() > 1 && !node->input(1).empty()) {
    std::optional<std::vector<int64_t>> from_input =
        ConstantInts(node->input(1), where);
    if (!from_input) return std::nullopt;
    axes = *from_input;
    found = true;
  }
  if (op == "Squeeze") {
    std::vector<int64_t> out;
    if (!found) {
      for (int64_t d : *in) {
        if (d != 1) out.push_back(d);
      }
      return out;
    }
    if (!NormalizeAxes(&axes, rank)) return std::nullopt;
    for (int64_t i = 0; i < rank; ++i) {
      if (!std::binary_search(axes.begin(), axes.end(), i)) {
        out.push_back((*in)[i]);
      }
    }
    return out;
  }
  if (op == "Unsqueeze") {
    const int64_t out_rank = rank + static_cast<int64_t>(axes.size());
    if (!NormalizeAxes(&axes, out_rank)) return std::nullopt;
    std::vector<int64_t> out;
    size_t next = 0;
    for (int64_t i = 0; i < out_rank; ++i) {
      if (std::binary_search(axes.begin(), axes.end(), i)) {
        out.push_back(1);
      } else {
        if (next >= in->size()) return std::nullopt;
        out.push_back((*in)[next++]);
      }
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace onnx_reinit
