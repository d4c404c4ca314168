#include "rewrite/to_inline.h"

#include "io/wire_format.h"

namespace onnx_reinit {
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
      edits.push_back({t.data_location_field, t.envelope,
                       LengthDelimitedHeader(kRawData, length),
                       inputs.InputFd(p.external->location), p.external->offset,
                       length});
    }
    p.external.reset();
  }
  return edits;
}

}  // namespace onnx_reinit
