#include "graph/consumers.h"

#include "absl/strings/str_cat.h"

namespace onnx_reinit {
namespace {

void CollectSubgraphInputs(const onnx::GraphProto& graph,
                           absl::flat_hash_set<std::string>* names) {
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& input : node.input()) names->insert(input);
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g()) CollectSubgraphInputs(attr.g(), names);
      for (const onnx::GraphProto& g : attr.graphs()) {
        CollectSubgraphInputs(g, names);
      }
    }
  }
  for (const onnx::ValueInfoProto& output : graph.output()) {
    names->insert(output.name());
  }
}

}  // namespace

ConsumerIndex IndexConsumers(const onnx::GraphProto& graph) {
  ConsumerIndex index;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    for (int slot = 0; slot < node.input_size(); ++slot) {
      if (node.input(slot).empty()) continue;  // an omitted optional input
      index.uses[node.input(slot)].push_back(Use{n, slot});
    }
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g())
        CollectSubgraphInputs(attr.g(), &index.used_in_subgraphs);
      for (const onnx::GraphProto& g : attr.graphs()) {
        CollectSubgraphInputs(g, &index.used_in_subgraphs);
      }
    }
  }
  for (const onnx::ValueInfoProto& output : graph.output()) {
    index.graph_outputs.insert(output.name());
  }
  return index;
}

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  if (node.name().empty())
    return absl::StrCat(node.op_type(), " node #", index);
  return absl::StrCat(node.op_type(), " node \"", node.name(), "\"");
}

}  // namespace onnx_reinit
