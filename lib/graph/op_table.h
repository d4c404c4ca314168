// The one table of what each input slot of an operator means for
// re-initialization. A row: domain, operator, input slot, the role of a
// tensor read there, and how its fans are found. Supporting another operator
// input is adding a row. Roles that depend on the surrounding graph rather
// than on the slot (a bias added after MatMul, the scale and bias of a
// decomposed LayerNorm) are found by graph/patterns.h.
//
// Roles, strongest first (graph/roles.h uses this order when one tensor has
// several consumers):
//   embedding           Gather data                   e.g. emb.weight [V, D]
//   weight              Gemm A/B, MatMul, Conv W, ConvTranspose W, Einsum
//                       operand, com.microsoft Attention weight
//   recurrent_input     LSTM/GRU/RNN W                 [D, G·H, I]
//   recurrent_hidden    LSTM/GRU/RNN R                 [D, G·H, H]
//   recurrent_bias      LSTM/GRU/RNN B                 [D, 2·G·H]
//   recurrent_peephole  LSTM P                         [D, 3·H]
//   bias                Gemm C, Conv/ConvTranspose B, Attention bias, an
//                       Add after MatMul/Gemm/Conv
//   norm_scale          BatchNormalization/LayerNormalization/
//                       InstanceNormalization/GroupNormalization scale, the
//                       Mul of a decomposed LayerNorm
//   norm_bias           their B, the Add after that Mul
//   running_mean        BatchNormalization input_mean
//   running_var         BatchNormalization input_var
//   prelu_slope         PRelu slope
//   positional_embedding  a learned table added to a token sequence
//                       (graph/patterns.h), e.g. ViT's pos_embedding [1, L, D]
//   class_token         a [1, 1, D] parameter concatenated in front of the
//                       sequence (ViT's class_token)
//   layer_scale         a per-channel scale on a residual branch before the
//                       residual Add (ConvNeXt's layer_scale [C, 1, 1])
//   not_weight          everything else (shapes, indices, scalars, ...)
#ifndef ONNX_REINIT_GRAPH_OP_TABLE_H_
#define ONNX_REINIT_GRAPH_OP_TABLE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "graph/fans.h"

namespace onnx_reinit {

enum class Role {
  kEmbedding,
  kWeight,
  kRecurrentInput,
  kRecurrentHidden,
  kRecurrentBias,
  kRecurrentPeephole,
  kBias,
  kNormScale,
  kNormBias,
  kRunningMean,
  kRunningVar,
  kPreluSlope,
  kPositionalEmbedding,
  kClassToken,
  kLayerScale,
  kNotWeight,
};

absl::string_view RoleName(Role role);
// All role names in precedence order, for messages.
absl::string_view RoleNames();

struct SlotRule {
  absl::string_view domain;  // "" = the default ONNX domain
  absl::string_view op_type;
  int slot;  // -1: every input
  Role role;
  // The layout rule of the tensor itself, or — when weight_slot >= 0 (a
  // bias) — of the weight at that slot of the same node, whose fans it takes.
  FanRule fan_rule;
  int weight_slot;
};

// The row for (domain, op_type, slot), or nullptr. "ai.onnx" is "".
const SlotRule* FindSlotRule(absl::string_view domain,
                             absl::string_view op_type, int slot);

// ONNX's formal name of input `slot` of (domain, op_type) at `opset` ("shape"
// for Reshape input 1), exactly as onnx's schema registry answers it: the
// schema with the largest since_version <= opset; every slot of a variadic
// tail has the last formal input's name; "" for an operator the registry
// does not know in that domain (it spells ONNX's domain "", and only so), an
// opset older than the operator, or a slot past its inputs. From a table
// generated from the registry (op_table_formal_inputs.inc, written by
// tools/gen_formal_inputs.cc), because building the registry costs about
// 11 ms of CPU in every process that touches it.
absl::string_view FormalInputName(absl::string_view domain,
                                  absl::string_view op_type, int opset,
                                  int slot);
// The onnx release the table was generated from ("1.12.0").
absl::string_view FormalInputsOnnxVersion();

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_OP_TABLE_H_
