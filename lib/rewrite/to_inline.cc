#include "rewrite/to_inline.h"

#include "google/protobuf/io/coded_stream.h"

namespace onnx_reinit {
namespace {

std::string RawDataHeader(uint64_t size) {
  uint8_t buffer[16];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      kRawData << 3 | 2, buffer);
  end =
      google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(size, end);
  return std::string(reinterpret_cast<const char*>(buffer), end - buffer);
}

}  // namespace

std::vector<LiteralEdit> PlanToInline(const ModelLayout& layout,
                                      std::vector<TensorPlan>* plan,
                                      const DataFileSet& inputs) {
  std::vector<LiteralEdit> edits;
  for (TensorPlan& p : *plan) {
    if (!p.external || p.location < 0) continue;
    const TensorLocation& t = layout.tensors[p.location];
    if (t.data_location_field.size == 0) continue;
    for (const ExternalEntry& e : t.external_data) {
      edits.push_back({layout.envelopes[e.envelope].field, t.envelope, ""});
    }
    const uint64_t length = p.external->length.value_or(0);
    if (p.rewrite) {
      p.inline_at = t.data_location_field;
    } else {
      edits.push_back({t.data_location_field, t.envelope, RawDataHeader(length),
                       inputs.InputFd(p.external->location), p.external->offset,
                       length});
    }
    p.external.reset();
  }
  return edits;
}

}  // namespace onnx_reinit
