#include "rewrite/to_inline.h"

#include "io/wire_format.h"

namespace onnx_reinit {
std::vector<LiteralEdit> PlanToInline(const ModelLayout& layout,
                                      WritePlan* plan,
                                      const DataFileSet& inputs) {
  std::vector<LiteralEdit> edits;
  for (size_t i = 0; i < plan->size(); ++i) {
    const WritePlan::External* external = plan->external(i);
    if (external == nullptr || plan->location(i) < 0) continue;
    const TensorLocation& t = layout.tensors[plan->location(i)];
    const TensorExternalData& data = layout.ExternalData(t);
    if (data.data_location_field.size == 0) continue;
    for (const ExternalEntry& e : data.entries) {
      edits.push_back({layout.envelopes[e.envelope].field, t.envelope, ""});
    }
    const uint64_t length = external->length.value_or(0);
    if (plan->rewrite(i)) {
      plan->set_inline_at(i, data.data_location_field);
    } else {
      edits.push_back({data.data_location_field, t.envelope,
                       LengthDelimitedHeader(kRawData, length),
                       inputs.InputFd(external->location), external->offset,
                       length});
    }
    plan->clear_external(i);
  }
  return edits;
}

}  // namespace onnx_reinit
