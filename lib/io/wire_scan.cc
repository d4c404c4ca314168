#include "io/wire_scan.h"

#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::ArrayInputStream;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;
using google::protobuf::io::ZeroCopyInputStream;

constexpr int kModelGraph = 7;
constexpr int kGraphInitializer = 5;

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
      RETURN_IF_ERROR(ScanModel(&out));
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
  absl::StatusOr<uint32_t> NextTag() {
    if (in_.BytesUntilLimit() == 0) return 0u;
    uint64_t at = Pos();
    uint32_t tag = in_.ReadTagNoLastTag();
    if (tag == 0 || WireFormatLite::GetTagFieldNumber(tag) == 0) {
      return Malformed(at, "invalid field tag");
    }
    return tag;
  }

  // Skips the field whose tag was just read, copying it (tag included) to
  // `out` unless `out` is null.
  absl::Status SkipField(uint64_t at, uint32_t tag, CodedOutputStream* out) {
    const bool ok = out ? WireFormatLite::SkipField(&in_, tag, out)
                        : WireFormatLite::SkipField(&in_, tag);
    if (!ok) {
      return Malformed(
          at, absl::StrCat("field ", WireFormatLite::GetTagFieldNumber(tag),
                           " runs past the end of its message"));
    }
    return absl::OkStatus();
  }

  // Reads a length prefix and pushes it as a limit; returns the payload range.
  absl::StatusOr<ByteRange> EnterMessage(uint64_t at, const char* parent,
                                         CodedInputStream::Limit* limit) {
    uint32_t length = 0;
    if (!in_.ReadVarint32(&length)) return Malformed(at, "bad length");
    ByteRange payload{Pos(), length};
    if (static_cast<int64_t>(length) > in_.BytesUntilLimit()) {
      return Malformed(at,
                       absl::StrCat("a message of ", length,
                                    " bytes runs past the end of ", parent));
    }
    *limit = in_.PushLimit(static_cast<int>(length));
    return payload;
  }

  absl::Status ScanModel(CodedOutputStream* out) {
    bool seen_graph = false;
    while (true) {
      uint64_t at = Pos();
      ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      if (tag == WireFormatLite::MakeTag(
                     kModelGraph, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        if (seen_graph) return Malformed(at, "the model has two graph fields");
        seen_graph = true;
        CodedInputStream::Limit limit;
        ASSIGN_OR_RETURN(ByteRange payload,
                         EnterMessage(at, "the file", &limit));
        layout_->graph_message = payload;
        std::string graph;
        {
          StringOutputStream stream(&graph);
          CodedOutputStream graph_out(&stream);
          RETURN_IF_ERROR(ScanGraph(&graph_out));
        }
        in_.PopLimit(limit);
        layout_->graph_field = {at, Pos() - at};
        WriteLengthDelimited(tag, graph, out);
        continue;
      }
      RETURN_IF_ERROR(SkipField(at, tag, out));
    }
    return absl::OkStatus();
  }

  absl::Status ScanGraph(CodedOutputStream* out) {
    while (true) {
      uint64_t at = Pos();
      ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      if (tag ==
          WireFormatLite::MakeTag(kGraphInitializer,
                                  WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        CodedInputStream::Limit limit;
        ASSIGN_OR_RETURN(ByteRange payload,
                         EnterMessage(at, "the graph", &limit));
        TensorLocation tensor;
        tensor.message = payload;
        std::string body;
        {
          StringOutputStream stream(&body);
          CodedOutputStream body_out(&stream);
          RETURN_IF_ERROR(ScanTensor(&tensor, &body_out));
        }
        in_.PopLimit(limit);
        tensor.field = {at, Pos() - at};
        layout_->initializers.push_back(std::move(tensor));
        WriteLengthDelimited(tag, body, out);
        continue;
      }
      RETURN_IF_ERROR(SkipField(at, tag, out));
    }
    return absl::OkStatus();
  }

  absl::Status ScanTensor(TensorLocation* tensor, CodedOutputStream* out) {
    while (true) {
      uint64_t at = Pos();
      ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      int number = WireFormatLite::GetTagFieldNumber(tag);
      if (!IsValueField(number)) {
        RETURN_IF_ERROR(SkipField(at, tag, out));
        continue;
      }
      ValueField value;
      value.number = number;
      uint64_t after_tag = Pos();
      value.length_delimited = WireFormatLite::GetTagWireType(tag) ==
                               WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
      if (value.length_delimited) {
        uint32_t length = 0;
        if (!in_.ReadVarint32(&length)) return Malformed(at, "bad length");
        value.payload = {Pos(), length};
        if (static_cast<int64_t>(length) > in_.BytesUntilLimit() ||
            !in_.Skip(static_cast<int>(length))) {
          return Malformed(at, absl::StrCat("value field ", number,
                                            " runs past the end of its "
                                            "tensor"));
        }
      } else {
        RETURN_IF_ERROR(SkipField(at, tag, nullptr));
        value.payload = {after_tag, Pos() - after_tag};
      }
      value.field = {at, Pos() - at};
      tensor->values.push_back(value);
    }
    return absl::OkStatus();
  }

  uint64_t size_;
  CodedInputStream in_;
  ModelLayout* layout_ = nullptr;
};

}  // namespace

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
