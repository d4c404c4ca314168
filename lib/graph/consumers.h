// Who reads each tensor in the main graph: node index and input slot, in node
// order. Also which names are read inside nested graphs (If/Loop/Scan bodies
// and any other graph attribute), which this version does not re-initialize.
#ifndef ONNX_REINIT_GRAPH_CONSUMERS_H_
#define ONNX_REINIT_GRAPH_CONSUMERS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

struct Use {
  int node = 0;  // index into graph.node
  int slot = 0;  // input index of that node
};

struct ConsumerIndex {
  absl::flat_hash_map<std::string, std::vector<Use>> uses;
  absl::flat_hash_set<std::string> used_in_subgraphs;
  absl::flat_hash_set<std::string> graph_outputs;
};

ConsumerIndex IndexConsumers(const onnx::GraphProto& graph);

// "Conv node \"conv1\"", or "Conv node #12" for an unnamed node.
std::string NodeLabel(const onnx::NodeProto& node, int index);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_CONSUMERS_H_
