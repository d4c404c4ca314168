// Fuzz target: the wire-format scanner, ScanModel over bytes in memory
// (lib/io/wire_scan.h), on any input. Beyond "no crash, no sanitizer report":
//   * an error is InvalidArgument (the header's only error);
//   * a successful scan's layout is consistent with the input: every range
//     lies inside the file, a message inside its field, an envelope inside
//     its parent (which comes first), a tensor's value fields and the
//     external_data values it has inside the tensor, tensors in file order
//     without overlap;
//   * after a successful scan, the weightless bytes parse as an
//     onnx::ModelProto exactly when the input does (libprotobuf): the scan
//     breaks no valid model, and a model is read (OpenModel: scan, then parse
//     the weightless bytes) only when libprotobuf would read it. The scan
//     alone may accept a malformed message it copies through unread (e.g. a
//     ValueInfoProto); the parse of the weightless bytes refuses it.
// Seeds: the corpus models (tests/fuzz/make_seeds.sh). Dictionary: onnx.dict.
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "fuzz_check.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {
namespace {

bool Inside(const ByteRange& inner, const ByteRange& outer) {
  return inner.offset >= outer.offset && inner.end() <= outer.end() &&
         inner.end() >= inner.offset;
}

void CheckLayout(const ModelLayout& layout, uint64_t size) {
  ONNX_REINIT_FUZZ_CHECK(layout.file_size == size, "file_size ",
                         layout.file_size, " for ", size, " bytes");
  const ByteRange file{0, size};
  const auto& envelopes = layout.envelopes;
  for (size_t i = 0; i < envelopes.size(); ++i) {
    const Envelope& e = envelopes[i];
    ONNX_REINIT_FUZZ_CHECK(Inside(e.field, file), "envelope ", i);
    ONNX_REINIT_FUZZ_CHECK(Inside(e.message, e.field), "envelope ", i);
    ONNX_REINIT_FUZZ_CHECK(e.message.end() == e.field.end(), "envelope ", i);
    ONNX_REINIT_FUZZ_CHECK(e.parent >= -1 && e.parent < static_cast<int>(i),
                           "envelope ", i, " parent ", e.parent);
    if (e.parent >= 0) {
      ONNX_REINIT_FUZZ_CHECK(Inside(e.field, envelopes[e.parent].message),
                             "envelope ", i, " outside its parent");
    }
  }
  uint64_t previous_end = 0;
  for (size_t i = 0; i < layout.tensors.size(); ++i) {
    const TensorLocation& t = layout.tensors[i];
    ONNX_REINIT_FUZZ_CHECK(
        t.envelope >= 0 && t.envelope < static_cast<int>(envelopes.size()),
        "tensor ", i, " envelope ", t.envelope);
    const Envelope& e = envelopes[t.envelope];
    ONNX_REINIT_FUZZ_CHECK(
        t.external >= -1 &&
            t.external < static_cast<int>(layout.external_data.size()),
        "tensor ", i, " external ", t.external);
    ONNX_REINIT_FUZZ_CHECK(e.field.offset >= previous_end, "tensor ", i,
                           " overlaps or precedes the one before");
    previous_end = e.field.end();
    for (const ValueField& v : t.values) {
      ONNX_REINIT_FUZZ_CHECK(Inside(v.field, e.message), "tensor ", i,
                             " value field ", v.number);
      ONNX_REINIT_FUZZ_CHECK(Inside(v.payload, v.field), "tensor ", i,
                             " value payload ", v.number);
    }
    const TensorExternalData& external = layout.ExternalData(t);
    for (const ExternalEntry& x : external.entries) {
      if (x.value_field.size == 0) continue;  // an entry without a value
      ONNX_REINIT_FUZZ_CHECK(Inside(x.value_field, e.message), "tensor ", i,
                             " external_data ", x.key);
    }
    if (external.data_location_field.size > 0) {
      ONNX_REINIT_FUZZ_CHECK(Inside(external.data_location_field, e.message),
                             "tensor ", i, " data_location");
    }
  }
}

}  // namespace
}  // namespace onnx_reinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using onnx_reinit::ScannedModel;
  const absl::StatusOr<ScannedModel> scanned =
      onnx_reinit::ScanModel(absl::MakeConstSpan(data, size));
  if (!scanned.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        scanned.status().code() == absl::StatusCode::kInvalidArgument,
        scanned.status().ToString());
    return 0;
  }
  onnx_reinit::CheckLayout(scanned->layout, size);
  onnx::ModelProto model;
  const bool input_parses = model.ParseFromArray(data, static_cast<int>(size));
  const bool weightless_parses = model.ParseFromString(scanned->weightless);
  ONNX_REINIT_FUZZ_CHECK(!input_parses || weightless_parses,
                         "libprotobuf parses the input but not its weightless "
                         "bytes");
  ONNX_REINIT_FUZZ_CHECK(!weightless_parses || input_parses,
                         "ScanModel and the weightless parse accept bytes "
                         "libprotobuf refuses");
  return 0;
}
