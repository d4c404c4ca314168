#include "graph/name_checks.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "graph/node_label.h"

namespace onnx_reinit {
namespace {

absl::Status CheckInitializersUnique(const Scope& scope) {
  const onnx::GraphProto& graph = *scope.graph;
  absl::flat_hash_map<std::string, std::string> first;  // name -> where
  auto add = [&](const std::string& name,
                 const std::string& where) -> absl::Status {
    auto [it, added] = first.try_emplace(name, where);
    if (added) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(scope.path, ": initializer \"", name,
                     "\" is defined twice (", it->second, " and ", where, ")"));
  };
  for (int i = 0; i < graph.initializer_size(); ++i) {
    absl::Status s = add(graph.initializer(i).name(),
                         absl::StrCat("initializer[", i, "]"));
    if (!s.ok()) return s;
  }
  for (int i = 0; i < graph.sparse_initializer_size(); ++i) {
    absl::Status s = add(graph.sparse_initializer(i).values().name(),
                         absl::StrCat("sparse_initializer[", i, "]"));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

bool Visible(const Scope* scope, const std::string& name) {
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    if (s->Declares(name)) return true;
  }
  return false;
}

bool InTraining(const Scope* scope) {
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    if (s->scope == "training") return true;
  }
  return false;
}

}  // namespace

absl::Status CheckNames(const ModelIndex& index) {
  for (const auto& owned : index.scopes()) {
    const Scope& scope = *owned;
    if (scope.graph != nullptr) {
      absl::Status s = CheckInitializersUnique(scope);
      if (!s.ok()) return s;
    }
    if (InTraining(&scope) || scope.nodes == nullptr) continue;
    for (int n = 0; n < scope.nodes->size(); ++n) {
      const onnx::NodeProto& node = scope.nodes->Get(n);
      for (int slot = 0; slot < node.input_size(); ++slot) {
        const std::string& name = node.input(slot);
        if (name.empty() || Visible(&scope, name)) continue;
        return absl::InvalidArgumentError(absl::StrCat(
            scope.path, ": ", NodeLabel(node, n), " input ", slot, " \"", name,
            "\" is not an input, initializer or node output that it can "
            "see"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace onnx_reinit
