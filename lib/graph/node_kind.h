// What kind of node this is: the operator families the graph analysis looks
// through or for, in one place.
#ifndef ONNX_REINIT_GRAPH_NODE_KIND_H_
#define ONNX_REINIT_GRAPH_NODE_KIND_H_

#include <initializer_list>

#include "onnx/onnx_pb.h"

namespace onnx_reinit {

// The default ONNX domain ("" or "ai.onnx").
inline bool IsDefaultDomain(const onnx::NodeProto& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

// A default-domain node whose op_type is one of `ops`; false for nullptr.
inline bool IsOp(const onnx::NodeProto* node,
                 std::initializer_list<const char*> ops) {
  if (node == nullptr || !IsDefaultDomain(*node)) return false;
  for (const char* op : ops) {
    if (node->op_type() == op) return true;
  }
  return false;
}

// Ops that change only the layout of input 0, not its values: Reshape,
// Transpose, Identity, Cast, Squeeze, Unsqueeze, Flatten.
inline bool IsLayoutOnly(const onnx::NodeProto* node) {
  return IsOp(node, {"Reshape", "Transpose", "Identity", "Cast", "Squeeze",
                     "Unsqueeze", "Flatten"});
}

// Ops a weight reaches its consumer through with its meaning unchanged: the
// layout-only ops and DequantizeLinear.
inline bool IsPassThrough(const onnx::NodeProto* node) {
  return IsLayoutOnly(node) || IsOp(node, {"DequantizeLinear"});
}

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_NODE_KIND_H_
