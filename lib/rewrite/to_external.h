// --external_data=external: moving inline initializers into one external
// data file. A tensor moves when it is an initializer (of any graph), its
// values are in one length-delimited fixed-width field (raw_data, packed
// float_data or double_data: the same bytes as external data) of at least
// `threshold` bytes. Offsets in the file are sequential, aligned to 64 KiB
// for tensors of 1 MiB or more. Each moved tensor's value field is replaced,
// in the model, by its external_data entries (location, offset, length) and
// data_location = EXTERNAL.
#ifndef ONNX_REINIT_REWRITE_TO_EXTERNAL_H_
#define ONNX_REINIT_REWRITE_TO_EXTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/input_file.h"
#include "io/wire_scan.h"
#include "plan/write_plan.h"
#include "rewrite/splice.h"

namespace onnx_reinit {

struct MoveToExternal {
  std::string location;  // the data file, relative to the output's folder
  uint64_t size = 0;     // of the data file
  std::vector<LiteralEdit> edits;  // for the model
  // Values of moved tensors that are kept: copied from the input model.
  struct Copy {
    uint64_t from = 0;  // offset in the input model
    uint64_t to = 0;    // offset in the data file
    uint64_t size = 0;
  };
  std::vector<Copy> copies;
};

// Sets the external data of every moved tensor that is rewritten (its new
// values then go to the data file). `location` must already be normalized.
// A rewritten tensor gets the checks it gets when it stays inline
// (ChooseEncoding: its values fill its dims exactly, in a field that can hold
// its type) before anything is planned: its extent in the data file is its
// payload's size, so values the dims need beyond it would overwrite the next
// tensor. InvalidArgument naming the tensor otherwise.
[[nodiscard]] absl::StatusOr<MoveToExternal> PlanMoveToExternal(
    const ModelLayout& layout, const InputFile& input, WritePlan* plan,
    uint64_t threshold, const std::string& location);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_TO_EXTERNAL_H_
