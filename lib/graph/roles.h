// What one tensor is: its role and fans, from every node that reads it
// (graph/model_index.h follows pass-through ops, subgraphs and function
// calls), the op/slot table (graph/op_table.h) and the graph patterns
// (graph/patterns.h).
//
// Several consumers: the strongest role wins, in graph/op_table.h's order
// (embedding > weight > recurrent_* > bias > norm_* > running_* >
// prelu_slope > positional_embedding > class_token > layer_scale >
// not_weight), and among equals the first consumer found; so a
// tied embedding / LM head is an embedding. Every consumer is listed.
#ifndef ONNX_REINIT_GRAPH_ROLES_H_
#define ONNX_REINIT_GRAPH_ROLES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/fans.h"
#include "graph/model_index.h"
#include "graph/op_table.h"

namespace onnx_reinit {

struct RoleDecision {
  Role role = Role::kNotWeight;
  bool has_consumer = false;
  std::string op_type;  // of the deciding consumer
  std::string node;     // its name
  Fans fans;            // 0 = unknown or none
  bool quantized = false;
  // How the role was decided: "input 1 (shape) of Reshape node \"r\": not a
  // weight", "no consumer", "input 1 (B) of Add node \"a\": added after
  // MatMul node \"m\"", "Transpose node \"t\" -> input 1 (B) of Gemm ...".
  std::string why;
  std::vector<std::string> consumers;
  // The deciding consumer's input (as named in consumer_scope), and whether
  // the tensor reaches it only as a part (through Slice, Split or Concat;
  // graph/element_trace.h places its elements there).
  std::string consumer_value;
  const Scope* consumer_scope = nullptr;
  bool partial = false;
};

// A tensor whose parts (Slice, Split, Concat) reach consumers of different
// roles, or of one role with different fans, is not_weight with a reason that
// names both consumers: it is kept.
//
// InvalidArgument when a weight's dims do not fit its consumer's layout,
// naming the node, input and tensor.
[[nodiscard]] absl::StatusOr<RoleDecision> DecideRole(const ModelIndex& index,
                                                      const TensorSite& site,
                                                      FanConvention convention);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_ROLES_H_
