#include "io/wire_scan.h"

#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "util/status_macros.h"
#include "util/tensor_path.h"

namespace onnx_reinit {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::ArrayInputStream;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;
using google::protobuf::io::ZeroCopyInputStream;

// Which message kinds are descended into, and through which fields: the one
// table of where tensors can live. Everything else is copied through whole.
enum class Kind {
  kModel,
  kTrainingInfo,
  kGraph,
  kNode,
  kAttribute,
  kTensor,
  kEntry,  // TensorProto.external_data: StringStringEntryProto
};

struct Descent {
  Kind parent;
  int field;
  Kind child;
  const char* name;  // path step (util/tensor_path.h)
  bool repeated;
};

constexpr Descent kDescents[] = {
    {Kind::kModel, 7, Kind::kGraph, "graph", false},
    {Kind::kModel, 20, Kind::kTrainingInfo, "training_info", true},
    {Kind::kTrainingInfo, 1, Kind::kGraph, "initialization", false},
    {Kind::kTrainingInfo, 2, Kind::kGraph, "algorithm", false},
    {Kind::kGraph, 1, Kind::kNode, "node", true},
    {Kind::kGraph, 5, Kind::kTensor, "initializer", true},
    {Kind::kNode, 5, Kind::kAttribute, "attribute", true},
    {Kind::kAttribute, 5, Kind::kTensor, "t", false},
    {Kind::kAttribute, 6, Kind::kGraph, "g", false},
    {Kind::kAttribute, 11, Kind::kGraph, "graphs", true},
    {Kind::kTensor, 13, Kind::kEntry, "external_data", true},
};

const Descent* FindDescent(Kind parent, uint32_t tag) {
  if (WireFormatLite::GetTagWireType(tag) !=
      WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
    return nullptr;
  }
  const int field = WireFormatLite::GetTagFieldNumber(tag);
  for (const Descent& d : kDescents) {
    if (d.parent == parent && d.field == field) return &d;
  }
  return nullptr;
}

bool IsValueField(int number) {
  switch (number) {
    case kFloatData:
    case kInt32Data:
    case kInt64Data:
    case kRawData:
    case kDoubleData:
    case kUint64Data:
      return true;
    default:
      return false;
  }
}

// Protobuf's own default recursion limit: a deeper model would not parse.
constexpr int kMaxDepth = 100;

void WriteLengthDelimited(uint32_t tag, const std::string& body,
                          CodedOutputStream* out) {
  out->WriteVarint32(tag);
  out->WriteVarint32(static_cast<uint32_t>(body.size()));
  out->WriteString(body);
}

class Scanner {
 public:
  Scanner(ZeroCopyInputStream* input, uint64_t size) : size_(size), in_(input) {
    in_.SetTotalBytesLimit(INT_MAX);
  }

  absl::StatusOr<ScannedModel> Run() {
    ScannedModel result;
    result.layout.file_size = size_;
    layout_ = &result.layout;
    const CodedInputStream::Limit all = in_.PushLimit(static_cast<int>(size_));
    {
      StringOutputStream stream(&result.weightless);
      CodedOutputStream out(&stream);
      ONNX_REINIT_RETURN_IF_ERROR(
          ScanMessage(Kind::kModel, "", -1, /*depth=*/0, &out));
    }
    in_.PopLimit(all);
    return result;
  }

 private:
  absl::Status Malformed(uint64_t at, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed or truncated protobuf at byte ", at, ": ", what));
  }

  uint64_t Pos() const { return static_cast<uint64_t>(in_.CurrentPosition()); }

  // Reads the next tag; 0 at the end of the current message.
  // Tags are read as protobuf's parser reads them: at most 5 bytes, of which
  // the low 32 bits count (CodedInputStream::ReadTag would take up to 10
  // bytes: a file protobuf refuses).
  absl::StatusOr<uint32_t> NextTag() {
    if (in_.BytesUntilLimit() == 0) return 0u;
    const uint64_t at = Pos();
    uint64_t wide = 0;
    const bool read = in_.ReadVarint64(&wide);
    const uint32_t tag = static_cast<uint32_t>(wide);
    if (!read || Pos() - at > 5 || tag == 0 ||
        WireFormatLite::GetTagFieldNumber(tag) == 0) {
      return Malformed(at, "invalid field tag");
    }
    return tag;
  }

  // Reads a length prefix as protobuf does: refused when over 2 GiB or
  // longer than 5 bytes (CodedInputStream::ReadVarint32 would silently keep
  // the low 32 bits of a longer varint).
  absl::StatusOr<uint32_t> ReadLength(uint64_t at) {
    const uint64_t start = Pos();
    uint64_t length = 0;
    if (!in_.ReadVarint64(&length)) return Malformed(at, "bad length");
    if (length > static_cast<uint64_t>(INT_MAX) || Pos() - start > 5) {
      return Malformed(at, absl::StrCat("a length prefix of ", length,
                                        " bytes is over protobuf's 2 GiB "
                                        "limit"));
    }
    return static_cast<uint32_t>(length);
  }

  // Skips the field whose tag was just read, copying it (tag included) to
  // `out` unless `out` is null. Length-delimited fields and groups are
  // walked here, not by WireFormatLite, so that their length prefixes and
  // nesting get the checks above; `depth` is the enclosing message's.
  absl::Status SkipField(uint64_t at, uint32_t tag, CodedOutputStream* out,
                         int depth) {
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        ONNX_REINIT_ASSIGN_OR_RETURN(const uint32_t length, ReadLength(at));
        if (static_cast<int64_t>(length) > in_.BytesUntilLimit()) {
          return RunsPast(at, tag);
        }
        if (out == nullptr) {
          if (!in_.Skip(static_cast<int>(length))) return RunsPast(at, tag);
          return absl::OkStatus();
        }
        std::string bytes;
        if (!in_.ReadString(&bytes, static_cast<int>(length))) {
          return RunsPast(at, tag);
        }
        out->WriteVarint32(tag);
        out->WriteVarint32(length);
        out->WriteString(bytes);
        return absl::OkStatus();
      }
      case WireFormatLite::WIRETYPE_START_GROUP: {
        if (depth + 1 > kMaxDepth) return TooDeep(at, "a group");
        if (out != nullptr) out->WriteVarint32(tag);
        const int number = WireFormatLite::GetTagFieldNumber(tag);
        while (true) {
          const uint64_t field_at = Pos();
          ONNX_REINIT_ASSIGN_OR_RETURN(const uint32_t inner, NextTag());
          if (inner == 0) return RunsPast(at, tag);
          if (WireFormatLite::GetTagWireType(inner) ==
              WireFormatLite::WIRETYPE_END_GROUP) {
            if (WireFormatLite::GetTagFieldNumber(inner) != number) {
              return Malformed(field_at, "mismatched end of group");
            }
            if (out != nullptr) out->WriteVarint32(inner);
            return absl::OkStatus();
          }
          ONNX_REINIT_RETURN_IF_ERROR(
              SkipField(field_at, inner, out, depth + 1));
        }
      }
      case WireFormatLite::WIRETYPE_END_GROUP:
        return Malformed(at, "end of a group that was not started");
      default: {
        const bool ok = out ? WireFormatLite::SkipField(&in_, tag, out)
                            : WireFormatLite::SkipField(&in_, tag);
        if (!ok) return RunsPast(at, tag);
        return absl::OkStatus();
      }
    }
  }

  absl::Status TooDeep(uint64_t at, absl::string_view where) const {
    return absl::InvalidArgumentError(
        absl::StrCat("messages nested more than ", kMaxDepth,
                     " deep (protobuf's limit) at byte ", at, ", in ", where));
  }

  absl::Status RunsPast(uint64_t at, uint32_t tag) const {
    return Malformed(
        at, absl::StrCat("field ", WireFormatLite::GetTagFieldNumber(tag),
                         " runs past the end of its message"));
  }

  // Reads a length prefix and pushes it as a limit; returns the payload range.
  absl::StatusOr<ByteRange> EnterMessage(uint64_t at, const char* parent,
                                         CodedInputStream::Limit* limit) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const uint32_t length, ReadLength(at));
    ByteRange payload{Pos(), length};
    if (static_cast<int64_t>(length) > in_.BytesUntilLimit()) {
      return Malformed(at,
                       absl::StrCat("a message of ", length,
                                    " bytes runs past the end of ", parent));
    }
    *limit = in_.PushLimit(static_cast<int>(length));
    return payload;
  }

  // Scans the fields of one message of `kind` up to the current limit,
  // writing its weightless form to `out`. `path` is the message's own path
  // and `envelope` its envelope (-1 for the ModelProto itself); `depth`
  // counts the messages enclosing it (0 for the ModelProto).
  absl::Status ScanMessage(Kind kind, const std::string& path, int envelope,
                           int depth, CodedOutputStream* out) {
    std::map<int, int> seen;  // field number -> occurrences so far
    if (kind == Kind::kTensor) {
      // Tensors hold no further descents, so this stays tensors.back().
      layout_->tensors.emplace_back().envelope = envelope;
    }
    while (true) {
      uint64_t at = Pos();
      ONNX_REINIT_ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      if (kind == Kind::kEntry && (number == 1 || number == 2) &&
          WireFormatLite::GetTagWireType(tag) ==
              WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        ONNX_REINIT_RETURN_IF_ERROR(ScanEntryField(at, tag, envelope, out));
        continue;
      }
      if (kind == Kind::kTensor && number == 14 &&
          WireFormatLite::GetTagWireType(tag) ==
              WireFormatLite::WIRETYPE_VARINT) {
        ONNX_REINIT_RETURN_IF_ERROR(SkipField(at, tag, out, depth));
        ExternalOfLast().data_location_field = {at, Pos() - at};
        continue;
      }
      if (kind == Kind::kTensor && IsValueField(number)) {
        ONNX_REINIT_RETURN_IF_ERROR(
            ScanValueField(at, tag, &layout_->tensors.back(), depth, out));
        continue;
      }
      const Descent* descent = FindDescent(kind, tag);
      if (descent == nullptr) {
        ONNX_REINIT_RETURN_IF_ERROR(SkipField(at, tag, out, depth));
        continue;
      }
      const int index = seen[number]++;
      if (!descent->repeated && index > 0) {
        return Malformed(
            at, absl::StrCat("field ", descent->name, " occurs twice"));
      }
      const std::string child_path =
          ChildPath(path, descent->name, descent->repeated ? index : -1);
      if (depth + 1 > kMaxDepth) {
        // Bounded before the recursion could exhaust the stack.
        return TooDeep(at, child_path);
      }
      CodedInputStream::Limit limit = 0;
      ONNX_REINIT_ASSIGN_OR_RETURN(
          ByteRange payload,
          EnterMessage(at, envelope < 0 ? "the file" : "its parent", &limit));
      const int child_envelope = static_cast<int>(layout_->envelopes.size());
      const size_t tensors_before = layout_->tensors.size();
      layout_->envelopes.push_back(Envelope{
          number, descent->repeated ? index : -1, {at, 0}, payload, envelope});
      std::string body;
      {
        StringOutputStream stream(&body);
        CodedOutputStream body_out(&stream);
        ONNX_REINIT_RETURN_IF_ERROR(ScanMessage(
            descent->child, child_path, child_envelope, depth + 1, &body_out));
      }
      in_.PopLimit(limit);
      layout_->envelopes[child_envelope].field.size = Pos() - at;
      if (kind != Kind::kTensor && layout_->tensors.size() == tensors_before) {
        // No tensor inside (most nodes): nothing will refer to it. (A
        // tensor's external_data entries are kept: edits refer to them.)
        layout_->envelopes.resize(child_envelope);
      }
      WriteLengthDelimited(tag, body, out);
    }
    return absl::OkStatus();
  }

  // The external data record of the tensor being scanned, made on first use.
  TensorExternalData& ExternalOfLast() {
    TensorLocation& tensor = layout_->tensors.back();
    if (tensor.external < 0) {
      tensor.external = static_cast<int>(layout_->external_data.size());
      layout_->external_data.emplace_back();
    }
    return layout_->external_data[tensor.external];
  }

  // A key (1) or value (2) string of an external_data entry: copied through
  // and recorded (a checksum value is rewritten after the data is written).
  absl::Status ScanEntryField(uint64_t at, uint32_t tag, int envelope,
                              CodedOutputStream* out) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const uint32_t length, ReadLength(at));
    std::string text;
    if (static_cast<int64_t>(length) > in_.BytesUntilLimit() ||
        !in_.ReadString(&text, static_cast<int>(length))) {
      return Malformed(at, "external_data entry runs past its end");
    }
    out->WriteVarint32(tag);
    out->WriteVarint32(length);
    out->WriteString(text);
    std::vector<ExternalEntry>& entries = ExternalOfLast().entries;
    if (entries.empty() || entries.back().envelope != envelope) {
      entries.push_back(ExternalEntry{});
      entries.back().envelope = envelope;
    }
    if (WireFormatLite::GetTagFieldNumber(tag) == 1) {
      entries.back().key = text;
    } else {
      entries.back().value = text;
      entries.back().value_field = {at, Pos() - at};
    }
    return absl::OkStatus();
  }

  // Records one value field of a tensor; copies it to the weightless form
  // only when it is small.
  absl::Status ScanValueField(uint64_t at, uint32_t tag, TensorLocation* tensor,
                              int depth, CodedOutputStream* out) {
    ValueField value;
    value.number = WireFormatLite::GetTagFieldNumber(tag);
    const uint64_t after_tag = Pos();
    value.length_delimited = WireFormatLite::GetTagWireType(tag) ==
                             WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (value.length_delimited) {
      ONNX_REINIT_ASSIGN_OR_RETURN(const uint32_t length, ReadLength(at));
      value.payload = {Pos(), length};
      if (static_cast<int64_t>(length) > in_.BytesUntilLimit()) {
        return Malformed(at, absl::StrCat("value field ", value.number,
                                          " runs past the end of its "
                                          "tensor"));
      }
      if (length <= kInlineValueBytes) {
        std::string bytes;
        if (!in_.ReadString(&bytes, static_cast<int>(length))) {
          return Malformed(at, "truncated value field");
        }
        out->WriteVarint32(tag);
        out->WriteVarint32(length);
        out->WriteString(bytes);
      } else if (!in_.Skip(static_cast<int>(length))) {
        return Malformed(at, absl::StrCat("value field ", value.number,
                                          " runs past the end of its "
                                          "tensor"));
      }
    } else {
      // One unpacked value: small by nature, kept.
      ONNX_REINIT_RETURN_IF_ERROR(SkipField(at, tag, out, depth));
      value.payload = {after_tag, Pos() - after_tag};
    }
    value.field = {at, Pos() - at};
    tensor->values.push_back(value);
    return absl::OkStatus();
  }

  uint64_t size_;
  CodedInputStream in_;
  ModelLayout* layout_ = nullptr;
};

}  // namespace

std::string TensorPath(const ModelLayout& layout, size_t tensor) {
  std::vector<const Envelope*> chain;
  for (int e = layout.tensors[tensor].envelope; e >= 0;
       e = layout.envelopes[e].parent) {
    chain.push_back(&layout.envelopes[e]);
  }
  std::string path;
  Kind kind = Kind::kModel;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Envelope& e = **it;
    const Descent* descent = nullptr;
    for (const Descent& d : kDescents) {
      if (d.parent == kind && d.field == e.field_number) descent = &d;
    }
    if (descent == nullptr) return path;  // not a layout this scan makes
    path = ChildPath(path, descent->name, e.index);
    kind = descent->child;
  }
  return path;
}

absl::StatusOr<ScannedModel> ScanModel(ZeroCopyInputStream* input,
                                       uint64_t size) {
  if (size > static_cast<uint64_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file is ", size,
        " bytes; a model with inline weights cannot exceed 2 GiB"));
  }
  return Scanner(input, size).Run();
}

absl::StatusOr<ScannedModel> ScanModel(absl::Span<const uint8_t> bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return ScanModel(nullptr, bytes.size());
  }
  ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  return ScanModel(&stream, bytes.size());
}

}  // namespace onnx_reinit
