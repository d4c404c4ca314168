// An input model opened for re-initialization: the open file, where its
// weights sit (layout), and a ModelProto of everything but the weights.
#ifndef ONNX_REINIT_IO_MODEL_SOURCE_H_
#define ONNX_REINIT_IO_MODEL_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "io/input_file.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

struct ModelSource {
  InputFile file;
  ModelLayout layout;
  onnx::ModelProto model;  // weightless: initializers carry no values
};

// Errors name the path: NotFound for a missing file, InvalidArgument for a
// file that is not an ONNX model ("... not an ONNX model: ...").
[[nodiscard]] absl::StatusOr<std::unique_ptr<ModelSource>> OpenModel(
    const std::string& path);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_MODEL_SOURCE_H_
