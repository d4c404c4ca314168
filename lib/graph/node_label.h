// How messages name a node.
#ifndef ONNX_REINIT_GRAPH_NODE_LABEL_H_
#define ONNX_REINIT_GRAPH_NODE_LABEL_H_

#include <string>

#include "onnx/onnx_pb.h"

namespace onnx_reinit {

// "Conv node \"conv1\"", or "Conv node #12" for an unnamed node.
std::string NodeLabel(const onnx::NodeProto& node, int index);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_NODE_LABEL_H_
