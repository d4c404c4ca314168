// An index over a (weightless) ModelProto for finding what each tensor is:
// every graph and model-local function as a Scope, every tensor that can
// hold a weight as a TensorSite, who produces and who consumes each name,
// and the dims a consumer really sees after pass-through ops.
//
// Pass-through ops (a weight reaches its consumer through them unchanged in
// meaning): Identity, Cast, Transpose (dims permuted by `perm`), Reshape
// (dims from a constant shape), Squeeze, Unsqueeze, Flatten, and
// DequantizeLinear (marks the weight as quantized). A call of a model-local
// function passes its inputs to the function body's formal inputs.
//
// Names resolve as ONNX scopes them: a graph sees its own inputs,
// initializers and node outputs, then those of the graphs enclosing it; a
// name a graph declares itself hides the outer one (a Loop body's input `S`
// is not the outer initializer `S`). A function body sees only its formal
// inputs and its own node outputs (and its nested graphs see those).
#ifndef ONNX_REINIT_GRAPH_MODEL_INDEX_H_
#define ONNX_REINIT_GRAPH_MODEL_INDEX_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

// Names of one scope looked up by value without a copy of any name: sorted
// (hash, id) pairs, 8 bytes per name, each id a place in the model that
// holds the name (a node, an initializer ...), where a candidate is checked
// against the name itself.
class NameTable {
 public:
  static uint32_t Hash(absl::string_view name);
  void Reserve(size_t n) { entries_.reserve(n); }
  void Add(absl::string_view name, uint32_t id) {
    entries_.push_back({Hash(name), id});
  }
  // After the last Add: sorts, and drops repeated (hash, id) pairs.
  void Seal();
  // Calls f(id) for each id added under a name of the same hash, in
  // increasing id order (the caller checks the name); f returns false to
  // stop.
  template <typename F>
  void ForEachCandidate(absl::string_view name, F f) const {
    const uint32_t hash = Hash(name);
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), hash,
                         [](const Entry& e, uint32_t h) { return e.hash < h; });
    for (; it != entries_.end() && it->hash == hash; ++it) {
      if (!f(it->id)) return;
    }
  }

 private:
  struct Entry {
    uint32_t hash;
    uint32_t id;
  };
  std::vector<Entry> entries_;
};

struct Scope {
  const google::protobuf::RepeatedPtrField<onnx::NodeProto>* nodes = nullptr;
  const onnx::GraphProto* graph = nullptr;        // null for a function
  const onnx::FunctionProto* function = nullptr;  // null for a graph
  std::string path;   // of the graph (util/tensor_path.h) or "function NAME"
  std::string scope;  // main | subgraph | training | function
  const Scope* parent = nullptr;       // the scope whose names are visible here
  std::vector<const Scope*> children;  // graphs held by this scope's nodes

  // Lookups (ModelIndex's): node outputs and node inputs, by node index;
  // the names the scope stores or takes (a graph's initializers, sparse
  // initializers and inputs, a function's formal inputs), by StoredId.
  NameTable producers;
  NameTable users;
  NameTable stored;
  // Where this graph's tensors start in ModelIndex::sites() (initializers,
  // then sparse initializers); -1 when they are not sites (graphs in
  // function bodies).
  int64_t first_site = -1;
  // (node index, site index) of each Constant node's value, by node.
  std::vector<std::pair<uint32_t, uint32_t>> constant_sites;

  // Whether this scope itself defines `name` (a graph input, an initializer,
  // a sparse initializer or a node output; a function's formal input or node
  // output): it hides the same name of enclosing scopes.
  bool Declares(const std::string& name) const;
  // The first of this graph's initializers and sparse initializers (counted
  // in that order) named `name`, or -1.
  int FirstTensorNamed(const std::string& name) const;
};

// A tensor that can hold a weight: 32 bytes, its name and path read from the
// model when asked for.
struct TensorSite {
  enum class Kind : uint8_t { kInitializer, kConstant, kSparseInitializer };
  const onnx::TensorProto* tensor = nullptr;
  const Scope* scope = nullptr;
  // kInitializer, kSparseInitializer: its index in the graph's field;
  // kConstant: the node's index and the attribute's.
  int32_t index = 0;
  int32_t attribute = 0;
  Kind kind = Kind::kInitializer;

  // The value name nodes read.
  const std::string& name() const;
  // Where its bytes are (util/tensor_path.h).
  std::string path() const;
};

// A node input that reads a tensor, after pass-through ops.
struct FinalUse {
  const onnx::NodeProto* node = nullptr;
  int node_index = 0;
  int slot = 0;
  const Scope* scope = nullptr;
  std::string via;         // "Transpose node \"t\" -> " ..., or ""
  bool quantized = false;  // reached through DequantizeLinear
  // Inside a function body: the formal input the tensor was passed as, and
  // the dims of the actual argument at the call (ViewDims cannot see across
  // the call).
  std::string formal;
  std::optional<std::vector<int64_t>> formal_dims;
  // Reached through Slice, Split or Concat (graph/element_trace.h): the
  // consumer reads a value assembled from parts, of which the tensor is one
  // or which is a part of the tensor.
  bool partial = false;
};

// Not safe for concurrent use: ViewDims remembers what it computed.
class ModelIndex {
 public:
  explicit ModelIndex(const onnx::ModelProto& model);
  ModelIndex(const ModelIndex&) = delete;
  ModelIndex& operator=(const ModelIndex&) = delete;

  const onnx::ModelProto& model() const { return model_; }
  // Initializers, Constant values and sparse initializers of every graph, in
  // a stable order (graph by graph, depth first).
  const std::vector<TensorSite>& sites() const { return sites_; }

  // Every node input that reads `name` as visible in `scope` (its own nodes
  // and nested graphs), following pass-through ops and function calls.
  std::vector<FinalUse> FinalUses(const std::string& name,
                                  const Scope* scope) const;

  // The dims of `name` as a node in `scope` sees them: the dims of the
  // tensor it comes from, transformed by the pass-through ops in between, or
  // of a value assembled from stored tensors by Slice, Split and Concat.
  // nullopt when the chain leaves the known (a computed value, a shape that
  // is not a constant).
  std::optional<std::vector<int64_t>> ViewDims(const std::string& name,
                                               const Scope* scope) const;

  // The node producing `name` as seen from `scope` (searching outwards), or
  // nullptr; `where` receives the node's scope and index.
  const onnx::NodeProto* Producer(const std::string& name, const Scope* scope,
                                  const Scope** where = nullptr,
                                  int* index = nullptr) const;

  // The tensor named `name` visible from `scope` (initializer or Constant).
  const TensorSite* FindSite(const std::string& name, const Scope* scope) const;

  // Integer values of a small constant tensor visible from `scope`.
  std::optional<std::vector<int64_t>> ConstantInts(const std::string& name,
                                                   const Scope* scope) const;

  // The opset version of `domain` ("" = ONNX) in the model, or a large number.
  int Opset(const std::string& domain) const;

  // Every graph and function body, parents before their children.
  const std::vector<std::unique_ptr<Scope>>& scopes() const { return scopes_; }

 private:
  // `collect_sites`: false for graphs nested in function bodies (their
  // tensors have no path in the model's wire layout).
  Scope* AddGraph(const onnx::GraphProto& graph, const std::string& path,
                  const std::string& scope, const Scope* parent,
                  bool collect_sites = true);
  // The nodes of `scope`: its lookups, its Constant sites and the graphs its
  // nodes hold.
  void AddNodes(Scope* scope, bool collect_sites);
  struct Use {
    int node;
    int slot;
  };
  struct Binding {
    std::string formal;
    std::optional<std::vector<int64_t>> dims;
  };
  void CollectUses(const std::string& name, const Scope* scope,
                   const std::string& via, bool quantized,
                   const Binding& binding, int depth,
                   std::vector<FinalUse>* out, bool partial) const;
  std::optional<std::vector<int64_t>> ViewDims(const std::string& name,
                                               const Scope* scope,
                                               int depth) const;
  std::optional<std::vector<int64_t>> ComputeViewDims(const std::string& name,
                                                      const Scope* scope,
                                                      int depth) const;
  std::optional<std::vector<int64_t>> ConcatDims(const onnx::NodeProto& node,
                                                 const Scope* scope,
                                                 int depth) const;
  const onnx::FunctionProto* FindFunction(const onnx::NodeProto& node) const;

  const onnx::ModelProto& model_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<TensorSite> sites_;
  absl::flat_hash_map<const onnx::FunctionProto*, const Scope*>
      function_scopes_;
  // ViewDims of names produced by pass-through or assembling nodes (a stored
  // tensor's dims are read, not remembered).
  mutable absl::flat_hash_map<std::pair<const Scope*, std::string>,
                              std::optional<std::vector<int64_t>>>
      view_dims_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_MODEL_INDEX_H_
