// The naming rules of an ONNX graph that the analysis relies on, checked
// before anything is planned. A model that breaks them is not valid ONNX
// (onnx.checker refuses it too), and what its tensors are cannot be said:
//   * an initializer name is defined once per graph (initializers and sparse
//     initializers together): with two `W`s, which one a node reads is
//     undefined;
//   * every non-empty node input names a value the node can see: an input,
//     initializer or node output of its graph or of a graph enclosing it (a
//     function body: its formal inputs and node outputs).
// Training graphs (training_info) are not checked for the second rule: what
// they may read from the main graph is bound by the runtime.
#ifndef ONNX_REINIT_GRAPH_NAME_CHECKS_H_
#define ONNX_REINIT_GRAPH_NAME_CHECKS_H_

#include "absl/status/status.h"
#include "graph/model_index.h"

namespace onnx_reinit {

// InvalidArgument, e.g.
//   graph: initializer "W" is defined twice (initializer[0] and [2])
//   graph/node[4]/attribute[0]/g: MatMul node "mm" input 1 "Wx" is not an
//   input, initializer or node output that it can see
[[nodiscard]] absl::Status CheckNames(const ModelIndex& index);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_NAME_CHECKS_H_
