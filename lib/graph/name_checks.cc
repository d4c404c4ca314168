#include "graph/name_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/node_label.h"

namespace onnx_reinit {
namespace {

absl::Status CheckInitializersUnique(const Scope& scope) {
  const onnx::GraphProto& graph = *scope.graph;
  // Initializers then sparse initializers, numbered in that order; the
  // second of a name is reported with the first (the scope's name index
  // finds it, without a copy of any name).
  auto where = [&graph](int position) {
    return position < graph.initializer_size()
               ? absl::StrCat("initializer[", position, "]")
               : absl::StrCat("sparse_initializer[",
                              position - graph.initializer_size(), "]");
  };
  const int count = graph.initializer_size() + graph.sparse_initializer_size();
  for (int position = 0; position < count; ++position) {
    const std::string& name =
        position < graph.initializer_size()
            ? graph.initializer(position).name()
            : graph.sparse_initializer(position - graph.initializer_size())
                  .values()
                  .name();
    const int first = scope.FirstTensorNamed(name);
    if (first == position) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        scope.path, ": initializer \"", name, "\" is defined twice (",
        where(first), " and ", where(position), ")"));
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
