// What writing a model needs of its plan (plan/planner.h), for every tensor,
// in 28 bytes plus its name and dims (a byte or two each), and without the
// model: so a run keeps little per tensor while it writes, and the parsed model
// can be dropped before the values are written.
//
// Per tensor: where its bytes are (its index in the layout), dtype, dims,
// name, whether it is an initializer and whether it is rewritten; a
// rewritten tensor's Recipe (distribution, target mean, strategy text; for a
// structured fill also op type and gate blocks), shared by every tensor
// planned alike; and, for the few that have them, its external data, a new
// raw_data field (--external_data=inline), the placement of a structured
// fill, and the path that keys its random stream when another rewritten
// tensor has its name.
#ifndef ONNX_REINIT_PLAN_WRITE_PLAN_H_
#define ONNX_REINIT_PLAN_WRITE_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"
#include "plan/planner.h"
#include "strategy/distribution.h"

namespace onnx_reinit {

class WritePlan {
 public:
  using External = TensorPlan::External;
  using Placement = TensorPlan::Placement;

  struct Recipe {
    Distribution distribution;
    double target_mean = 0;
    std::string strategy;  // canonical text, for messages
    // What a structured fill depends on beyond the dims (strategy/
    // structured.h); "" and 1 for element-wise strategies.
    std::string op_type;
    int64_t gate_blocks = 1;
  };

  size_t size() const { return tensors_.size(); }
  size_t rewritten() const { return rewritten_; }

  int location(size_t i) const { return tensors_[i].location; }
  int32_t dtype(size_t i) const { return tensors_[i].dtype; }
  bool rewrite(size_t i) const { return tensors_[i].rewrite; }
  // An initializer of some graph (not a Constant's value nor a sparse
  // initializer): it may move to external data.
  bool initializer(size_t i) const { return tensors_[i].initializer; }
  absl::string_view name(size_t i) const;
  std::vector<int64_t> dims(size_t i) const;
  uint64_t element_count(size_t i) const;

  // Rewritten tensors only.
  const Recipe& recipe(size_t i) const { return recipes_[tensors_[i].recipe]; }
  const Placement* placement(size_t i) const;
  // What keys its random stream (random/philox.h TensorKey): its name, or
  // its path when another rewritten tensor has the same name.
  absl::string_view key_name(size_t i) const;

  const External* external(size_t i) const;
  External* mutable_external(size_t i);
  void set_external(size_t i, External external);
  void clear_external(size_t i);
  const ByteRange* inline_at(size_t i) const;
  void set_inline_at(size_t i, ByteRange range);

  // Room for `tensors` tensors, their names and dims.
  void Reserve(size_t tensors, size_t name_bytes, size_t dim_bytes);
  // Builds the plan: `plan` and its index in the layout (-1: none);
  // `name_shared`: another tensor of the model has its name.
  void Add(const TensorPlan& plan, int location, bool name_shared);
  // After the last Add: keeps the paths that key a random stream.
  void Seal();

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  struct Tensor {
    int32_t location = -1;
    uint32_t name = 0;  // offset into names_ (ends where the next begins)
    uint32_t dims = 0;  // offset into dims_ (likewise): varints
    uint32_t recipe = 0;
    uint32_t extra = kNone;
    int32_t dtype = 0;
    bool rewrite = false;
    bool initializer = false;
  };
  struct Extra {
    std::optional<External> external;
    std::optional<ByteRange> inline_at;
    std::optional<Placement> placement;
    std::string path;  // when the name is shared
  };
  Extra& ExtraOf(size_t i);
  const Extra* FindExtra(size_t i) const {
    return tensors_[i].extra == kNone ? nullptr : &extras_[tensors_[i].extra];
  }

  std::vector<Tensor> tensors_;
  std::string names_;
  std::string dims_;  // varints (dims are never negative once planned)
  std::vector<Recipe> recipes_;
  absl::flat_hash_map<std::string, uint32_t> recipe_index_;
  std::vector<Extra> extras_;
  size_t rewritten_ = 0;
};

// Plans every tensor of `model` (Planner) into a WritePlan: `model` was
// parsed from the weightless form whose scan gave `layout`, where each
// tensor's bytes are found (io/tensor_locations.h). The planner's errors.
[[nodiscard]] absl::StatusOr<WritePlan> BuildWritePlan(
    const onnx::ModelProto& model, const ModelLayout& layout,
    const PlanOptions& options);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_WRITE_PLAN_H_
