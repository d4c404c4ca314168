// Walks the protobuf wire format of a serialized ModelProto and separates the
// weights from everything else, without copying a single weight byte:
//
//   * `weightless` is the model re-serialized with the value fields of every
//     main-graph initializer (float_data, int32_data, int64_data, raw_data,
//     double_data, uint64_data) left out. It parses as an ordinary ModelProto
//     for analysis; its initializers keep name, dims, data_type, doc_string,
//     external_data, data_location and any unknown field.
//   * `layout` records where, in the input bytes, each initializer message and
//     each of its value fields sit, so the output can be produced as the input
//     bytes with exactly those ranges replaced (io/splice_writer.h).
//
// Only the structure ModelProto.graph(7) -> GraphProto.initializer(5) is
// descended into; every other field is copied through as raw bytes, so
// fields unknown to onnx 1.12 and the original field order are preserved.
#ifndef ONNX_REINIT_IO_WIRE_SCAN_H_
#define ONNX_REINIT_IO_WIRE_SCAN_H_

#include <cstdint>
#include <string>
#include <vector>

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

struct TensorLocation {
  ByteRange field;    // GraphProto.initializer field: tag, length, message
  ByteRange message;  // the TensorProto's bytes
  std::vector<ValueField> values;
};

struct ModelLayout {
  uint64_t file_size = 0;
  ByteRange graph_field;    // ModelProto.graph: tag, length, message
  ByteRange graph_message;  // the GraphProto's bytes
  // Main-graph initializers in the order they appear (= GraphProto order).
  std::vector<TensorLocation> initializers;
};

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
