// Walks the protobuf wire format of a serialized ModelProto and separates the
// weights from everything else, without copying a single weight byte:
//
//   * `weightless` is the model re-serialized with the value fields
//     (float_data, int32_data, int64_data, raw_data, double_data, uint64_data)
//     of every tensor that can hold a weight left out — except payloads of at
//     most kInlineValueBytes, which stay (shape constants are read by the
//     analysis). It parses as an ordinary ModelProto; its tensors keep name,
//     dims, data_type, doc_string, external_data and any unknown field.
//   * `layout` records where, in the input bytes, each such tensor and each of
//     its value fields sit, and the length-prefixed messages that enclose it,
//     so the output can be produced as the input bytes with exactly those
//     ranges replaced (rewrite/splice.h).
//
// Tensors that can hold a weight, wherever they are (util/tensor_path.h):
// GraphProto.initializer, the `t` attribute of a node (Constant's value), in
// the main graph, in every graph attribute (If/Loop/Scan bodies, nested to any
// depth) and in training_info's initialization and algorithm graphs. Every
// other field is copied through, so unknown fields and order are preserved.
#ifndef ONNX_REINIT_IO_WIRE_SCAN_H_
#define ONNX_REINIT_IO_WIRE_SCAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace onnx_reinit {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t end() const { return offset + size; }
};

// TensorProto field numbers that hold values.
enum TensorValueField : int {
  kFloatData = 4,
  kInt32Data = 5,
  kInt64Data = 7,
  kRawData = 9,
  kDoubleData = 10,
  kUint64Data = 11,
};

// One occurrence of a value field inside a TensorProto. Repeated numeric
// fields may be packed (one length-delimited field) or not (one field per
// value); a message may even hold several occurrences.
struct ValueField {
  int number = 0;
  bool length_delimited = false;  // raw_data, or a packed repeated field
  ByteRange field;                // from the tag to the end of the field
  ByteRange payload;              // the bytes after the tag (and length)
};

// A length-delimited message on the way down to a tensor (the graph, a node,
// an attribute, a subgraph, the TensorProto itself). When a tensor's
// encoding changes length, every enclosing envelope's length prefix changes.
// Only messages that hold a tensor are kept.
struct Envelope {
  int field_number = 0;
  // Its place among the occurrences of a repeated field in its parent
  // (graph/node[index]), -1 for a singular field.
  int index = -1;
  ByteRange field;    // tag, length prefix and message
  ByteRange message;  // the message bytes
  int parent = -1;    // index of the enclosing envelope, -1 at the top level
};

// One external_data key/value entry of a tensor (data_location EXTERNAL).
struct ExternalEntry {
  std::string key;
  std::string value;
  ByteRange value_field;  // tag, length and bytes of the value string
  int envelope = -1;      // the entry message's envelope
};

// What few tensors have: external_data entries, a data_location field.
struct TensorExternalData {
  std::vector<ExternalEntry> entries;
  ByteRange data_location_field;  // size 0: none
};

// Kept small: one per tensor of the model. Its path: TensorPath; its
// external data: ModelLayout::ExternalData.
struct TensorLocation {
  int envelope = 0;   // this TensorProto's own envelope
  int external = -1;  // index into ModelLayout::external_data, -1: none
  absl::InlinedVector<ValueField, 1> values;
};

struct ModelLayout {
  uint64_t file_size = 0;
  // Parents come before their children.
  std::vector<Envelope> envelopes;
  // In the order they appear in the file.
  std::vector<TensorLocation> tensors;
  // Of the tensors that have external_data entries or a data_location field.
  std::vector<TensorExternalData> external_data;

  // A tensor's external_data entries and data_location field (empty and
  // size 0 for most).
  const TensorExternalData& ExternalData(const TensorLocation& tensor) const {
    static const TensorExternalData* const kNone = new TensorExternalData;
    return tensor.external < 0 ? *kNone : external_data[tensor.external];
  }
};

// Where tensor `tensor` sits (util/tensor_path.h), from its envelopes.
std::string TensorPath(const ModelLayout& layout, size_t tensor);

// Value payloads up to this size stay in the weightless model.
inline constexpr uint64_t kInlineValueBytes = 256;

struct ScannedModel {
  std::string weightless;
  ModelLayout layout;
};

// Scans `size` bytes read from `input` (a file stream: the value payloads are
// skipped, never read). InvalidArgument ("malformed or truncated protobuf at
// byte N: ...") when the bytes are not a well-formed message of this shape,
// or the input is over 2 GiB (protobuf's limit for one message).
[[nodiscard]] absl::StatusOr<ScannedModel> ScanModel(
    google::protobuf::io::ZeroCopyInputStream* input, uint64_t size);

// The same over bytes in memory.
[[nodiscard]] absl::StatusOr<ScannedModel> ScanModel(
    absl::Span<const uint8_t> bytes);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_WIRE_SCAN_H_
