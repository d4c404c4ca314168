// Residual connections of the main graph, for depth-aware schemes.
//
// A residual Add is an Add of two computed values (no stored tensor) where
// one side, the branch, holds more weighted nodes (Conv, ConvTranspose,
// MatMul, Gemm) than the other, the skip, counted backwards until the
// previous Add of two computed values or a graph input. The branch's last
// layer is found by walking back from the Add through shape-only ops
// (Reshape, Transpose, Identity, Cast, Squeeze, Unsqueeze, Flatten) and bias
// Adds:
//   * a BatchNormalization: its scale ends the branch (torchvision's
//     zero_init_residual zeroes it);
//   * a Conv/ConvTranspose/MatMul/Gemm: its weight is the branch's output
//     projection (GPT-2 scales these by 1/√(2·n_layers)) and, when no
//     normalization follows it, also ends the branch.
// A transformer layer has two residual Adds (attention and MLP), so
// n_layers = ceil(residual Adds whose branch ends in a projection / 2).
#ifndef ONNX_REINIT_GRAPH_RESIDUAL_H_
#define ONNX_REINIT_GRAPH_RESIDUAL_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "graph/model_index.h"

namespace onnx_reinit {

struct ResidualFacts {
  // Paths (util/tensor_path.h) of the tensors that end a residual branch.
  absl::flat_hash_set<std::string> branch_ends;
  // Paths of the weights of each branch's last projection.
  absl::flat_hash_set<std::string> projections;
  int residual_adds = 0;
  int projection_adds = 0;  // residual Adds whose branch ends in a projection
  int NumLayers() const { return (projection_adds + 1) / 2; }
};

ResidualFacts FindResiduals(const ModelIndex& index);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_RESIDUAL_H_
