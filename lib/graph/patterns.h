// Roles that come from the surrounding graph rather than from an input slot:
//
//   bias        Add(t, y) where y is produced by MatMul, Gemm, Conv,
//               ConvTranspose or Einsum (a Linear exported as MatMul + Add);
//               fans are those of that node's weight operand
//   norm_scale  Mul(t, y) where y is a normalized value: produced by Div whose
//               divisor comes from Sqrt (the LayerNorm that exporters emit
//               below opset 17: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
//               Div, Mul(scale), Add(bias)), or by a normalization op
//               (InstanceNormalization, LayerNormalization, ...), possibly
//               through Reshape/Identity/Cast (GroupNorm exported as
//               InstanceNormalization between Reshapes)
//   norm_bias   Add(t, y) where y is such a normalized value or the output of
//               a norm_scale Mul
#ifndef ONNX_REINIT_GRAPH_PATTERNS_H_
#define ONNX_REINIT_GRAPH_PATTERNS_H_

#include <optional>
#include <string>

#include "graph/model_index.h"
#include "graph/op_table.h"

namespace onnx_reinit {

struct PatternMatch {
  Role role = Role::kNotWeight;
  // For a bias: the node whose weight gives the fans, and that weight's slot
  // and layout rule (weight_slot < 0 when no operand has known dims).
  const onnx::NodeProto* weight_node = nullptr;
  const Scope* weight_scope = nullptr;
  int weight_slot = -1;
  FanRule weight_rule = FanRule::kNone;
  std::string why;  // e.g. "Add after MatMul node \"m\""
};

std::optional<PatternMatch> MatchPattern(const ModelIndex& index,
                                         const FinalUse& use);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_PATTERNS_H_
