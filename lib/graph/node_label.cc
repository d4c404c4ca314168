#include "graph/node_label.h"

#include "absl/strings/str_cat.h"

namespace onnx_reinit {
std::string NodeLabel(const onnx::NodeProto& node, int index) {
  if (node.name().empty())
    return absl::StrCat(node.op_type(), " node #", index);
  return absl::StrCat(node.op_type(), " node \"", node.name(), "\"");
}

}  // namespace onnx_reinit
