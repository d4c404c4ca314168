// Roles that come from the surrounding graph rather than from an input slot.
// A pattern gives a role only on evidence: its structure was found AND the
// tensor's dims fit it. A tensor whose structure matched but whose dims did
// not (a scalar, something that broadcasts over every channel) gets a
// not_weight match whose `why` names the pattern and what did not fit, so the
// plan can say why the tensor is kept. Dims are those the consumer sees
// (after pass-through ops); "stripped" dims drop leading 1s, so [1, 1, D] and
// [D] are the same layout under broadcasting. A part of a tensor (reached
// through Slice, Split or Concat) can be a bias or norm parameter, never a
// positional embedding (a table sliced to the sequence length is how a fixed
// sinusoidal encoding buffer is used), class token or layer scale.
//
//   bias        Add(t, y), y produced by MatMul, Gemm, Conv, ConvTranspose or
//               Einsum (a Linear exported as MatMul + Add, tf2onnx's BiasAdd);
//               t must hold one value per output channel of that node's
//               weight: stripped dims [N] after MatMul/Gemm, [M, 1, ..., 1]
//               (one 1 per spatial dim) after Conv/ConvTranspose. Fans: the
//               weight's.
//   norm_scale  Mul(t, y), y a normalized value: produced by Div whose divisor
//               comes from Sqrt (the LayerNorm exporters emit below opset 17:
//               ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul(scale),
//               Add(bias)), or by a normalization op (InstanceNormalization,
//               LayerNormalization, GroupNormalization, BatchNormalization,
//               MeanVarianceNormalization), through layout-only ops (GroupNorm
//               exported as InstanceNormalization between Reshapes). t must
//               have one value per normalized channel: for the decomposed
//               LayerNorm, non-1 dims only on the ReduceMean's axes (right-
//               aligned when they are negative; one axis and a vector when
//               they are not); after a normalization op, exactly one non-1
//               dim.
//   norm_bias   Add(t, y), y such a normalized value or the output of a
//               norm_scale Mul (a Mul of a normalized value and a stored
//               tensor that is a norm scale); t's dims as for norm_scale.
//   positional_embedding
//               Add(t, y), y a token sequence [N, L, D] whose width D is known
//               from where the tokens come from: a Gather from an embedding
//               table [V, D], a Concat along the sequence axis (1 or -2) of a
//               stored [1, 1, D] class token and tokens, a Conv patch
//               embedding (weight [D, ...]) flattened into a sequence, or a
//               MatMul/Gemm projection to D; t's stripped dims are [L, D]
//               with L > 1 and that D.
//   class_token a [1, 1, D] tensor (D > 1), directly or through Expand (and
//               layout-only ops), concatenated along the sequence axis (Concat
//               axis 1 or -2) with computed tokens of width D.
//   layer_scale Mul(t, y): t has exactly one non-1 dim C > 1 ([C], [C, 1, 1]);
//               y comes (through layout-only ops and a bias Add) from a
//               MatMul/Gemm/Conv/ConvTranspose with C output channels; and
//               the product reaches (through layout-only ops) an Add whose
//               other operand is not a stored tensor: the residual Add.
#ifndef ONNX_REINIT_GRAPH_PATTERNS_H_
#define ONNX_REINIT_GRAPH_PATTERNS_H_

#include <optional>
#include <string>

#include "graph/model_index.h"
#include "graph/op_table.h"

namespace onnx_reinit {

struct PatternMatch {
  // kNotWeight: a pattern's structure matched but its evidence did not.
  Role role = Role::kNotWeight;
  // For a bias: the node whose weight gives the fans, and that weight's slot
  // and layout rule (weight_slot < 0 when no operand has known dims).
  const onnx::NodeProto* weight_node = nullptr;
  const Scope* weight_scope = nullptr;
  int weight_slot = -1;
  FanRule weight_rule = FanRule::kNone;
  // e.g. "added after MatMul node \"m\"", or for a rejected match "not a
  // bias of MatMul node \"m\": a scalar broadcasts over every output".
  std::string why;
};

// The pattern `use` (an Add, Mul, Expand or Concat input) is part of, or
// nullopt when no pattern applies to its op at all.
std::optional<PatternMatch> MatchPattern(const ModelIndex& index,
                                         const FinalUse& use);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_PATTERNS_H_
