// The one table of what each input slot of an operator means for
// re-initialization. A row: operator (default ONNX domain), input slot, the
// role of a tensor read there, and how its fans are found. Adding support for
// an operator input is adding a row.
//
// Roles in this version:
//   weight     Gemm A/B, MatMul either operand, Conv/ConvTranspose W
//   bias       Gemm C, Conv/ConvTranspose B (fans are those of the node's
//              weight, input 1, when that is an initializer)
//   unhandled  parameters of LSTM/GRU/RNN, normalizations, embeddings (Gather
//              data), PRelu, Einsum: real weights this version leaves as they
//              are (reported, never rewritten)
//   not_weight everything else
#ifndef ONNX_REINIT_GRAPH_OP_TABLE_H_
#define ONNX_REINIT_GRAPH_OP_TABLE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "graph/fans.h"

namespace onnx_reinit {

enum class Role { kWeight, kBias, kUnhandled, kNotWeight };

absl::string_view RoleName(Role role);

struct SlotRule {
  absl::string_view op_type;
  int slot;  // -1: every input
  Role role;
  // kWeight: the layout of the tensor itself. kBias: the layout of the
  // weight at `weight_slot`, whose fans the bias takes.
  FanRule fan_rule;
  int weight_slot;
};

// The row for (op_type, slot) in the default domain, or nullptr.
const SlotRule* FindSlotRule(absl::string_view domain,
                             absl::string_view op_type, int slot);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_OP_TABLE_H_
