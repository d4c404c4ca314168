// Where each element of a value assembled from stored tensors comes from.
//
// Exporters sometimes build a weight from parameters by moving data: torch
// reorders an LSTM's gates from its (i, f, g, o) to ONNX's (i, o, f, c) with
// Slice -> Concat -> Unsqueeze, and concatenates bias_ih and bias_hh into B.
// The ops that move data without computing (Slice, Split, Concat, Transpose
// and the reshape-like layout ops) are followed here so that a parameter's
// parts can be placed in the consumer's input:
//
//   Slice   data (input 0) with constant starts/ends/axes/steps (inputs
//           1..4, or attributes below opset 10)
//   Split   input 0 with constant sizes (input 1, the `split` attribute, or
//           equal parts; `num_outputs` at opset 18)
//   Concat  every input, along `axis`
//   Transpose (perm), Reshape, Flatten, Squeeze, Unsqueeze, Identity, Cast,
//           DequantizeLinear (flat order unchanged)
#ifndef ONNX_REINIT_GRAPH_ELEMENT_TRACE_H_
#define ONNX_REINIT_GRAPH_ELEMENT_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/model_index.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

// One axis of a Slice: the output takes `count` elements starting at `start`
// with stride `step` (step may be negative).
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

// Per-axis ranges of Slice `node` applied to `in_dims` (ONNX's clamping
// rules); nullopt when starts/ends/axes/steps are not constant or invalid.
std::optional<std::vector<SliceAxis>> SliceAxes(
    const ModelIndex& index, const onnx::NodeProto& node, const Scope* scope,
    const std::vector<int64_t>& in_dims);

// The sizes of Split `node`'s outputs along its axis (normalized into
// *axis), for input dims `in_dims`; nullopt when not constant or invalid.
std::optional<std::vector<int64_t>> SplitSizes(
    const ModelIndex& index, const onnx::NodeProto& node, const Scope* scope,
    const std::vector<int64_t>& in_dims, int64_t* axis);

// Slice, Split or Concat: ops that assemble values from parts.
bool IsAssembling(const onnx::NodeProto* node);

// The provenance of every element of a value, in its row-major order.
struct ElementSources {
  std::vector<int64_t> dims;
  std::vector<const TensorSite*> sites;  // the stored tensors it draws on
  std::vector<int32_t> site;             // per element: index into sites
  std::vector<uint64_t> offset;  // per element: flat index in that tensor
};

// The provenance of `name` as seen from `scope`, when it is computed from
// stored tensors by the ops above only and has at most `max_elements`
// elements; nullopt otherwise.
std::optional<ElementSources> TraceElements(const ModelIndex& index,
                                            const std::string& name,
                                            const Scope* scope,
                                            uint64_t max_elements);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_ELEMENT_TRACE_H_
