// Which scanned tensor (io/wire_scan.h, ModelLayout::tensors) each
// TensorProto of the parsed weightless model is. The scan and the parse read
// the same fields in the same order, so a tensor's envelopes (field numbers,
// and indices within repeated fields) lead from the ModelProto to its
// TensorProto. 16 bytes per tensor, no names or paths.
#ifndef ONNX_REINIT_IO_TENSOR_LOCATIONS_H_
#define ONNX_REINIT_IO_TENSOR_LOCATIONS_H_

#include <utility>
#include <vector>

#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

class TensorLocations {
 public:
  // `model` was parsed from the weightless form that scan gave with
  // `layout`; it must outlive this object.
  TensorLocations(const onnx::ModelProto& model, const ModelLayout& layout);

  // The index in layout.tensors of `tensor` (a TensorProto of `model`), or
  // -1 when the scan records none there (a sparse initializer, a tensor in
  // a function body).
  int Find(const onnx::TensorProto* tensor) const;

 private:
  std::vector<std::pair<const onnx::TensorProto*, int>> sorted_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_TENSOR_LOCATIONS_H_
