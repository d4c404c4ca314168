// Encoding protobuf fields by hand, for the bytes the splice writes into a
// model (re-encoded length prefixes, external_data entries, a raw_data field
// coming back inline). The one place these encodings are written.
#ifndef ONNX_REINIT_IO_WIRE_FORMAT_H_
#define ONNX_REINIT_IO_WIRE_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace onnx_reinit {

// The varint encoding of `value`.
std::string Varint(uint64_t value);

// Tag (wire type 2) and length prefix of a length-delimited field whose
// payload is `length` bytes; the payload follows.
std::string LengthDelimitedHeader(int field, uint64_t length);

// A whole length-delimited field: header and `payload`.
std::string LengthDelimitedField(int field, absl::string_view payload);

// A whole varint field (wire type 0).
std::string VarintField(int field, uint64_t value);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_WIRE_FORMAT_H_
