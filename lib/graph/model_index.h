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

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

struct Scope {
  const google::protobuf::RepeatedPtrField<onnx::NodeProto>* nodes = nullptr;
  const onnx::GraphProto* graph = nullptr;        // null for a function
  const onnx::FunctionProto* function = nullptr;  // null for a graph
  std::string path;   // of the graph (util/tensor_path.h) or "function NAME"
  std::string scope;  // main | subgraph | training | function
  const Scope* parent = nullptr;  // the scope whose names are visible here
  absl::flat_hash_map<std::string, int> producer;  // output name -> node
  struct Use {
    int node;
    int slot;
  };
  absl::flat_hash_map<std::string, std::vector<Use>> uses;
  std::vector<const Scope*> children;  // graphs held by this scope's nodes
  // Every name this scope itself defines: graph inputs, initializers, sparse
  // initializers and node outputs (a function: formal inputs and node
  // outputs). These hide the same names of enclosing scopes.
  absl::flat_hash_set<std::string> declared;
  bool Declares(const std::string& name) const {
    return declared.contains(name);
  }
};

struct TensorSite {
  enum class Kind { kInitializer, kConstant, kSparseInitializer };
  Kind kind = Kind::kInitializer;
  std::string path;  // where its bytes are (util/tensor_path.h)
  std::string name;  // the value name nodes read
  const onnx::TensorProto* tensor = nullptr;
  const Scope* scope = nullptr;
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
  absl::flat_hash_map<const Scope*, absl::flat_hash_map<std::string, size_t>>
      site_by_name_;
  absl::flat_hash_map<const onnx::FunctionProto*, const Scope*>
      function_scopes_;
  mutable absl::flat_hash_map<std::pair<const Scope*, std::string>,
                              std::optional<std::vector<int64_t>>>
      view_dims_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_MODEL_INDEX_H_
