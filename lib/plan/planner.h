// Decides, for every tensor that can hold a weight (initializers and Constant
// values of every graph, sparse initializers), what it is and what will be
// written into it. Pure logic over a (weightless) ModelProto: no I/O.
//
// Role and fans: graph/roles.h. Strategy: the first matching rule
// (rules/rules.h). Action: rewrite when the rule gives a strategy, the dtype
// is FLOAT, DOUBLE, FLOAT16 or BFLOAT16, the tensor has elements, is not a
// quantized weight (read through DequantizeLinear) nor a sparse initializer,
// and the strategy's fans are known; otherwise keep, with the reason. A
// structured strategy on a tensor that reaches its consumer only as a part
// (Slice/Split/Concat) is placed in the consumer's input (Placement below);
// when it cannot be (an element used twice or not at all, part of a gate
// block, a fill that only describes the whole input) it is kept, saying so.
#ifndef ONNX_REINIT_PLAN_PLANNER_H_
#define ONNX_REINIT_PLAN_PLANNER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/fans.h"
#include "graph/op_table.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"
#include "rules/rules.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"

namespace onnx_reinit {

struct PlanOptions {
  const RuleSet* rules = nullptr;  // required
  FanConvention fan_convention = FanConvention::kTorch;
};

struct TensorPlan {
  std::string path;  // where its bytes are (util/tensor_path.h)
  // data_location EXTERNAL: the values are `length` bytes at `offset` of the
  // data file `location` (relative to the model's folder, normalized:
  // io/external_data.h NormalizeLocation).
  struct External {
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;  // absent: to the end of the file, until
                                     // resolved against the file
    // Moved out of the model by --external_data=external: the file is new
    // in the output folder, not read from the input's.
    bool new_file = false;
  };
  std::optional<External> external;
  // --external_data=inline: a rewritten tensor's new values go into a
  // raw_data field that replaces these bytes (its data_location field).
  std::optional<ByteRange> inline_at;
  int location = -1;  // index into ModelLayout::tensors, set by the caller
  std::string name;
  std::string scope;  // main | subgraph | training
  Role role = Role::kNotWeight;
  std::string op_type;  // of the deciding consumer
  std::string node;     // its name
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  uint64_t element_count = 0;
  Fans fans;  // with the graph facts depth-aware strategies use
  // LSTM/GRU/RNN W and R: directions × gates (structured strategies work
  // per block); 1 otherwise. Counted on the placement's dims when there is
  // one.
  int64_t gate_blocks = 1;
  // A structured strategy on a tensor that reaches its consumer only as a
  // part (through Slice, Split or Concat, e.g. torch's LSTM gate reordering):
  // the strategy fills the consumer's whole input, of `dims`, and element i
  // of this tensor (row-major) takes the value at flat index `index[i]`, so
  // that orthogonal per gate block or the forget-gate bias mean what they
  // mean for a folded export.
  struct Placement {
    std::vector<int64_t> dims;
    std::vector<uint64_t> index;
  };
  std::optional<Placement> placement;
  std::string rule;      // the matched rule, e.g. "default (role=bias)"
  std::string strategy;  // canonical text; empty when kept by the rule
  Distribution distribution;
  // What the strategy promises for the values (rewritten tensors only):
  // Distribution::Target*() for element-wise strategies, StructuredTargets
  // (strategy/structured.h) over the whole tensor for structured ones.
  double target_mean = 0;
  double target_std = 0;
  double target_bound = 0;  // 0: unbounded
  bool rewrite = false;
  std::string reason;                  // why it is kept (empty when rewritten)
  std::string role_reason;             // how the role was decided
  std::vector<std::string> consumers;  // "Conv node \"c1\" input 1"
};

// Plans a model's tensors one at a time, in a stable order (graph by graph,
// depth first: graph/model_index.h), so that a caller keeps only what it
// needs of each plan. The index of the model is built once, by Create; the
// model and the rule set must outlive the Planner. Not safe for concurrent
// use.
class Planner {
 public:
  // InternalError without a rule set.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Planner>> Create(
      const onnx::ModelProto& model, const PlanOptions& options);
  ~Planner();

  // The number of tensors that can hold a weight; tensor i's name and
  // TensorProto.
  size_t size() const;
  const std::string& name(size_t i) const;
  const onnx::TensorProto& tensor(size_t i) const;
  // The plan of tensor i (< size()): always the same for the same model and
  // options. InvalidArgument as BuildPlan says.
  [[nodiscard]] absl::StatusOr<TensorPlan> Plan(size_t i) const;

 private:
  struct State;
  explicit Planner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Every tensor's plan, in the Planner's order. InvalidArgument when a
// weight's dims do not fit its consumer's layout ("Conv node \"conv1\" input
// 1 (\"W1\", dims [4, 2]): expected rank >= 3, got 2"). Tensors in external
// data are planned like any other (their `external` says where the values
// are).
[[nodiscard]] absl::StatusOr<std::vector<TensorPlan>> BuildPlan(
    const onnx::ModelProto& model, const PlanOptions& options);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_PLANNER_H_
