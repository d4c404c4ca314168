#include "rewrite/to_external.h"

#include "absl/strings/str_cat.h"
#include "io/wire_format.h"
#include "rewrite/value_encoding.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

constexpr uint64_t kAlign = 64 * 1024;
constexpr uint64_t kAlignFrom = 1024 * 1024;
constexpr int kExternalDataField = 13;
constexpr int kDataLocationField = 14;

std::string Entry(const std::string& key, const std::string& value) {
  return LengthDelimitedField(
      kExternalDataField,
      LengthDelimitedField(1, key) + LengthDelimitedField(2, value));
}

}  // namespace

absl::StatusOr<MoveToExternal> PlanMoveToExternal(const ModelLayout& layout,
                                                  const InputFile& input,
                                                  WritePlan* plan,
                                                  uint64_t threshold,
                                                  const std::string& location) {
  MoveToExternal move;
  move.location = location;
  uint64_t offset = 0;
  for (size_t i = 0; i < plan->size(); ++i) {
    if (plan->external(i) != nullptr || plan->location(i) < 0 ||
        !plan->initializer(i)) {
      continue;
    }
    const TensorLocation& t = layout.tensors[plan->location(i)];
    if (t.values.size() != 1 || !t.values[0].length_delimited) continue;
    const ValueField& v = t.values[0];
    if (v.number != kRawData && v.number != kFloatData &&
        v.number != kDoubleData) {
      continue;
    }
    if (v.payload.size < threshold || v.payload.size == 0) continue;
    if (plan->rewrite(i)) {
      ONNX_REINIT_RETURN_IF_ERROR(ChooseEncoding(*plan, i, t, input).status());
    }
    if (v.payload.size >= kAlignFrom) {
      offset = (offset + kAlign - 1) / kAlign * kAlign;
    }
    const std::string fields = Entry("location", location) +
                               Entry("offset", absl::StrCat(offset)) +
                               Entry("length", absl::StrCat(v.payload.size)) +
                               VarintField(kDataLocationField, 1);  // EXTERNAL
    move.edits.push_back({v.field, t.envelope, fields});
    if (plan->rewrite(i)) {
      plan->set_external(
          i, WritePlan::External{location, offset, v.payload.size, true});
    } else {
      move.copies.push_back({v.payload.offset, offset, v.payload.size});
    }
    offset += v.payload.size;
  }
  move.size = offset;
  return move;
}

}  // namespace onnx_reinit
