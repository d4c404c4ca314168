#include "rewrite/splice.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/wire_format.h"

namespace onnx_reinit {
namespace {

// Replace input bytes [offset, offset + size) by `bytes` then (if target >= 0)
// the target's value payload.
struct Edit {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string bytes;
  int target = -1;
  int source_fd = -1;  // then copy source_size bytes from here
  uint64_t source_offset = 0;
  uint64_t source_size = 0;
};

}  // namespace

absl::StatusOr<Splice> PlanSplice(const ModelLayout& layout,
                                  const std::vector<SpliceTarget>& targets,
                                  const std::vector<LiteralEdit>& literals) {
  Splice splice;
  absl::StatusOr<uint64_t> size = PlanSplice(
      layout, targets, literals,
      [&splice](Piece piece) { splice.pieces.push_back(std::move(piece)); });
  if (!size.ok()) return size.status();
  splice.output_size = *size;
  return splice;
}

absl::StatusOr<uint64_t> PlanSplice(const ModelLayout& layout,
                                    const std::vector<SpliceTarget>& targets,
                                    const std::vector<LiteralEdit>& literals,
                                    absl::FunctionRef<void(Piece piece)> emit) {
  std::vector<Edit> edits;
  edits.reserve(literals.size() + targets.size());
  // How much each envelope's message grows (or shrinks).
  std::vector<int64_t> growth(layout.envelopes.size(), 0);
  for (const LiteralEdit& literal : literals) {
    edits.push_back({literal.field.offset, literal.field.size, literal.bytes,
                     -1, literal.source_fd, literal.source_offset,
                     literal.source_size});
    if (literal.envelope >= 0) {
      growth[literal.envelope] +=
          static_cast<int64_t>(literal.bytes.size() + literal.source_size) -
          static_cast<int64_t>(literal.field.size);
    }
  }
  for (size_t t = 0; t < targets.size(); ++t) {
    const SpliceTarget& target = targets[t];
    const TensorLocation& loc = layout.tensors[target.tensor];
    if (target.replace) {
      std::string header = LengthDelimitedHeader(target.encoding.field_number,
                                                 target.payload_size);
      growth[loc.envelope] +=
          static_cast<int64_t>(header.size() + target.payload_size) -
          static_cast<int64_t>(target.replace->size);
      edits.push_back({target.replace->offset, target.replace->size,
                       std::move(header), static_cast<int>(t)});
      continue;
    }
    const ValueField& first = loc.values.front();
    if (target.encoding.in_place) {
      edits.push_back(
          {first.payload.offset, first.payload.size, "", static_cast<int>(t)});
      continue;
    }
    std::string header = LengthDelimitedHeader(target.encoding.field_number,
                                               target.payload_size);
    int64_t delta = static_cast<int64_t>(header.size() + target.payload_size);
    for (const ValueField& v : loc.values) delta -= v.field.size;
    edits.push_back({first.field.offset, first.field.size, std::move(header),
                     static_cast<int>(t)});
    for (size_t i = 1; i < loc.values.size(); ++i) {
      edits.push_back(
          {loc.values[i].field.offset, loc.values[i].field.size, "", -1});
    }
    growth[loc.envelope] += delta;
  }
  // Children come after their parents: walk backwards so that a prefix that
  // changes length is accounted for in its parent.
  for (size_t e = layout.envelopes.size(); e-- > 0;) {
    if (growth[e] == 0) continue;
    const Envelope& envelope = layout.envelopes[e];
    const uint64_t size = envelope.message.size + growth[e];
    if (size > static_cast<uint64_t>(INT_MAX)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a re-encoded message would be ", size,
                       " bytes, over protobuf's 2 GiB limit for one message"));
    }
    const uint64_t old_prefix = envelope.message.offset - envelope.field.offset;
    std::string prefix = LengthDelimitedHeader(envelope.field_number, size);
    const int64_t field_growth = growth[e] +
                                 static_cast<int64_t>(prefix.size()) -
                                 static_cast<int64_t>(old_prefix);
    edits.push_back({envelope.field.offset, old_prefix, std::move(prefix), -1});
    if (envelope.parent >= 0) growth[envelope.parent] += field_growth;
  }
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.offset < b.offset; });

  uint64_t output_size = 0;
  uint64_t in = 0;
  auto add = [&](Piece piece) {
    if (piece.size == 0) return;
    piece.out_offset = output_size;
    output_size += piece.size;
    emit(std::move(piece));
  };
  for (Edit& edit : edits) {
    if (edit.offset < in) {
      return absl::InternalError("overlapping edits in the output plan");
    }
    add({Piece::Kind::kCopy, -1, in, edit.offset - in, "", -1, 0});
    const uint64_t literal = edit.bytes.size();
    add({Piece::Kind::kBytes, -1, 0, literal, std::move(edit.bytes), -1, 0});
    if (edit.target >= 0) {
      add({Piece::Kind::kValues, -1, 0, targets[edit.target].payload_size, "",
           edit.target, 0});
    }
    if (edit.source_fd >= 0) {
      add({Piece::Kind::kCopy, edit.source_fd, edit.source_offset,
           edit.source_size, "", -1, 0});
    }
    in = edit.offset + edit.size;
  }
  add({Piece::Kind::kCopy, -1, in, layout.file_size - in, "", -1, 0});
  return output_size;
}

}  // namespace onnx_reinit
