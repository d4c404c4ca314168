// --external_data=inline: values that live in external data files come back
// into the model. For every external tensor, its external_data entries are
// deleted and its data_location field is replaced by a raw_data field:
// rewritten tensors get `inline_at` (the rewriter writes their new values
// there), kept ones an edit that copies their bytes from the data file.
#ifndef ONNX_REINIT_REWRITE_TO_INLINE_H_
#define ONNX_REINIT_REWRITE_TO_INLINE_H_

#include <vector>

#include "io/data_files.h"
#include "io/wire_scan.h"
#include "plan/write_plan.h"
#include "rewrite/splice.h"

namespace onnx_reinit {

// `inputs` holds the open data files (DataFileSet::Prepare with copy =
// false), and every length in `plan` is resolved (from its lengths()).
// Clears every tensor's external data.
std::vector<LiteralEdit> PlanToInline(const ModelLayout& layout,
                                      WritePlan* plan,
                                      const DataFileSet& inputs);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_TO_INLINE_H_
