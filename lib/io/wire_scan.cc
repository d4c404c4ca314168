#include "io/wire_scan.h"

#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

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

void AppendLengthDelimited(uint32_t tag, const std::string& body,
                           std::string* out) {
  uint8_t header[10];
  uint8_t* end = CodedOutputStream::WriteVarint32ToArray(tag, header);
  end = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(body.size()), end);
  out->append(reinterpret_cast<const char*>(header), end - header);
  out->append(body);
}

class Scanner {
 public:
  explicit Scanner(absl::Span<const uint8_t> bytes)
      : bytes_(bytes), in_(bytes.data(), static_cast<int>(bytes.size())) {
    in_.SetTotalBytesLimit(INT_MAX);
  }

  absl::StatusOr<ScannedModel> Run() {
    ScannedModel result;
    result.layout.file_size = bytes_.size();
    layout_ = &result.layout;
    RETURN_IF_ERROR(ScanModel(&result.weightless));
    return result;
  }

 private:
  absl::Status Malformed(uint64_t at, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed or truncated protobuf at byte ", at, ": ", what));
  }

  uint64_t Pos() const { return static_cast<uint64_t>(in_.CurrentPosition()); }

  void CopyThrough(uint64_t from, std::string* out) const {
    out->append(reinterpret_cast<const char*>(bytes_.data()) + from,
                Pos() - from);
  }

  // Reads the next tag; 0 at the end of the current limit.
  absl::StatusOr<uint32_t> NextTag() {
    if (in_.BytesUntilLimit() == 0 ||
        (in_.BytesUntilLimit() < 0 && Pos() == bytes_.size())) {
      return 0u;
    }
    uint64_t at = Pos();
    uint32_t tag = in_.ReadTagNoLastTag();
    if (tag == 0 || WireFormatLite::GetTagFieldNumber(tag) == 0) {
      return Malformed(at, "invalid field tag");
    }
    return tag;
  }

  absl::Status SkipField(uint64_t at, uint32_t tag) {
    if (!WireFormatLite::SkipField(&in_, tag)) {
      return Malformed(at, absl::StrCat("field ",
                                        WireFormatLite::GetTagFieldNumber(tag),
                                        " runs past the end of its message"));
    }
    return absl::OkStatus();
  }

  // Reads a length prefix and pushes it as a limit; returns the payload range.
  absl::StatusOr<ByteRange> EnterMessage(uint64_t at,
                                         CodedInputStream::Limit* limit) {
    uint32_t length = 0;
    if (!in_.ReadVarint32(&length)) return Malformed(at, "bad length");
    ByteRange payload{Pos(), length};
    if (static_cast<int64_t>(length) >
        static_cast<int64_t>(bytes_.size() - payload.offset)) {
      return Malformed(at, absl::StrCat("a message of ", length,
                                        " bytes runs past the end of the "
                                        "file"));
    }
    *limit = in_.PushLimit(static_cast<int>(length));
    return payload;
  }

  absl::Status ScanModel(std::string* out) {
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
        ASSIGN_OR_RETURN(ByteRange payload, EnterMessage(at, &limit));
        std::string graph;
        RETURN_IF_ERROR(ScanGraph(&graph));
        in_.PopLimit(limit);
        layout_->graph_field = {at, Pos() - at};
        layout_->graph_message = payload;
        AppendLengthDelimited(tag, graph, out);
        continue;
      }
      RETURN_IF_ERROR(SkipField(at, tag));
      CopyThrough(at, out);
    }
    return absl::OkStatus();
  }

  absl::Status ScanGraph(std::string* out) {
    while (true) {
      uint64_t at = Pos();
      ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      if (tag == WireFormatLite::MakeTag(
                     kGraphInitializer,
                     WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        CodedInputStream::Limit limit;
        ASSIGN_OR_RETURN(ByteRange payload, EnterMessage(at, &limit));
        TensorLocation tensor;
        tensor.message = payload;
        std::string body;
        RETURN_IF_ERROR(ScanTensor(&tensor, &body));
        in_.PopLimit(limit);
        tensor.field = {at, Pos() - at};
        layout_->initializers.push_back(std::move(tensor));
        AppendLengthDelimited(tag, body, out);
        continue;
      }
      RETURN_IF_ERROR(SkipField(at, tag));
      CopyThrough(at, out);
    }
    return absl::OkStatus();
  }

  absl::Status ScanTensor(TensorLocation* tensor, std::string* out) {
    while (true) {
      uint64_t at = Pos();
      ASSIGN_OR_RETURN(uint32_t tag, NextTag());
      if (tag == 0) break;
      int number = WireFormatLite::GetTagFieldNumber(tag);
      if (!IsValueField(number)) {
        RETURN_IF_ERROR(SkipField(at, tag));
        CopyThrough(at, out);
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
        if (!in_.Skip(static_cast<int>(length))) {
          return Malformed(at, absl::StrCat("value field ", number,
                                            " runs past the end of its "
                                            "tensor"));
        }
      } else {
        RETURN_IF_ERROR(SkipField(at, tag));
        value.payload = {after_tag, Pos() - after_tag};
      }
      value.field = {at, Pos() - at};
      tensor->values.push_back(value);
    }
    return absl::OkStatus();
  }

  absl::Span<const uint8_t> bytes_;
  CodedInputStream in_;
  ModelLayout* layout_ = nullptr;
};

}  // namespace

absl::StatusOr<ScannedModel> ScanModel(absl::Span<const uint8_t> bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file is ", bytes.size(),
        " bytes; a model with inline weights cannot exceed 2 GiB"));
  }
  return Scanner(bytes).Run();
}

}  // namespace onnx_reinit
