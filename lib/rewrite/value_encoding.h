// How a rewritten tensor's new values are stored: in the same field and
// encoding the input used, so that the output differs from the input only in
// value bytes.
//
//   FLOAT     raw_data (4-byte LE)  or float_data  (packed fixed32: same bytes)
//   DOUBLE    raw_data (8-byte LE)  or double_data (packed fixed64: same bytes)
//   FLOAT16,  raw_data (2-byte LE)  or int32_data  (one varint per value
//   BFLOAT16                                        holding the bit pattern)
//
// When the input holds the values in one length-delimited field of fixed
// width, only that field's payload is overwritten (same length). Otherwise —
// varints, an unpacked repeated field, values split over several occurrences
// — the first occurrence is replaced by one packed field of the same number,
// the others are dropped, and the enclosing length prefixes are re-encoded.
#ifndef ONNX_REINIT_REWRITE_VALUE_ENCODING_H_
#define ONNX_REINIT_REWRITE_VALUE_ENCODING_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "io/input_file.h"
#include "io/wire_scan.h"
#include "plan/write_plan.h"

namespace onnx_reinit {

struct ValueEncoding {
  int field_number = kRawData;
  bool varint = false;    // int32_data for FLOAT16/BFLOAT16
  int fixed_width = 0;    // bytes per value when !varint
  bool in_place = false;  // only the payload bytes of values[0] change
};

// InvalidArgument naming the tensor when its stored values do not match its
// dtype and dims (wrong field, count mismatch, mixed fields, no values).
// Reads the input only to count the values of varint-encoded fields.
[[nodiscard]] absl::StatusOr<ValueEncoding> ChooseEncoding(
    const WritePlan& plan, size_t tensor, const TensorLocation& location,
    const InputFile& file);

// Bytes `EncodeValues` writes at most per value.
constexpr size_t kMaxEncodedValueBytes = 8;

// Rounds `values[0..n)` to the tensor's dtype (RNE), stores the rounded
// values back into `values` (for statistics), and writes their encoding to
// `out`. Returns the number of bytes written.
size_t EncodeValues(const ValueEncoding& encoding, int32_t dtype,
                    double* values, size_t n, uint8_t* out);

// The same for float32 values of a FLOAT, FLOAT16 or BFLOAT16 tensor: FLOAT
// values are stored as they are, 16-bit ones rounded from float32 (RNE) and
// the rounded values stored back into `values`.
size_t EncodeFloatValues(const ValueEncoding& encoding, int32_t dtype,
                         float* values, size_t n, uint8_t* out);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_VALUE_ENCODING_H_
