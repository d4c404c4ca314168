#include "io/model_source.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "util/status_macros.h"

namespace onnx_reinit {

absl::StatusOr<std::unique_ptr<ModelSource>> OpenModel(
    const std::string& path) {
  ONNX_REINIT_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  // Buffered reads of the structure; value payloads are skipped with lseek.
  google::protobuf::io::FileInputStream stream(file.fd(), 1 << 16);
  absl::StatusOr<ScannedModel> scanned = ScanModel(&stream, file.size());
  if (!scanned.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", path, "\" is not an ONNX model: ", scanned.status().message()));
  }
  auto source = std::make_unique<ModelSource>(
      ModelSource{std::move(file), std::move(scanned->layout), {}});
  // The scan's output stream grows the string by doubling and fills what it
  // grows by, so up to half of its pages hold nothing: given back before the
  // parse, the largest allocation of all, adds its own.
  scanned->weightless.shrink_to_fit();
  // Likewise the layout's vectors, kept for the whole run.
  source->layout.tensors.shrink_to_fit();
  source->layout.envelopes.shrink_to_fit();
  if (!source->model.ParseFromString(scanned->weightless)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", path, "\" is not an ONNX model: protobuf parsing failed"));
  }
  if (!source->model.has_graph() || source->model.ir_version() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not an ONNX model: ",
                     source->model.has_graph() ? "no ir_version" : "no graph"));
  }
  // ONNX requires the opsets from IR version 3 on (onnx.checker); without
  // them the ops' meaning, and so the roles of the weights, is unknown.
  if (source->model.ir_version() >= 3 &&
      source->model.opset_import_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not an ONNX model: no opset_import"));
  }
  return source;
}

}  // namespace onnx_reinit
