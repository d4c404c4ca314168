#include "io/wire_format.h"

#include "google/protobuf/io/coded_stream.h"

namespace onnx_reinit {

std::string Varint(uint64_t value) {
  uint8_t buffer[10];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(
      value, buffer);
  return std::string(reinterpret_cast<const char*>(buffer), end - buffer);
}

std::string LengthDelimitedHeader(int field, uint64_t length) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(length);
}

std::string LengthDelimitedField(int field, absl::string_view payload) {
  std::string out = LengthDelimitedHeader(field, payload.size());
  out.append(payload.data(), payload.size());
  return out;
}

std::string VarintField(int field, uint64_t value) {
  return Varint(static_cast<uint64_t>(field) << 3) + Varint(value);
}

}  // namespace onnx_reinit
