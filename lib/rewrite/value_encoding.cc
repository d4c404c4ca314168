#include "rewrite/value_encoding.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dtype/dtype.h"
#include "dtype/float_convert.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "values are written as little-endian host memory");

std::string FieldName(int number) {
  switch (number) {
    case kFloatData:
      return "float_data";
    case kInt32Data:
      return "int32_data";
    case kInt64Data:
      return "int64_data";
    case kRawData:
      return "raw_data";
    case kDoubleData:
      return "double_data";
    case kUint64Data:
      return "uint64_data";
  }
  return absl::StrCat("field ", number);
}

// The typed field that may hold values of this dtype.
int TypedField(int32_t dtype) {
  switch (dtype) {
    case onnx::TensorProto::FLOAT:
      return kFloatData;
    case onnx::TensorProto::DOUBLE:
      return kDoubleData;
    default:
      return kInt32Data;  // FLOAT16, BFLOAT16
  }
}

absl::Status Bad(const WritePlan& plan, size_t tensor,
                 const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("initializer \"", plan.name(tensor), "\" (",
                   DTypeName(plan.dtype(tensor)), ", dims [",
                   absl::StrJoin(plan.dims(tensor), ", "), "]): ", what));
}

// The number of varints in a packed payload: bytes without the continuation
// bit. Read in bounded chunks.
absl::StatusOr<uint64_t> CountVarints(const InputFile& file, ByteRange range) {
  std::vector<uint8_t> buffer(std::min<uint64_t>(range.size, 1 << 20));
  uint64_t count = 0;
  for (uint64_t done = 0; done < range.size;) {
    const uint64_t n = std::min<uint64_t>(buffer.size(), range.size - done);
    absl::Status s = file.ReadAt(range.offset + done, n, buffer.data());
    if (!s.ok()) return s;
    for (uint64_t i = 0; i < n; ++i) count += (buffer[i] & 0x80) == 0;
    done += n;
  }
  return count;
}

size_t PutVarint(uint32_t v, uint8_t* out) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

}  // namespace

absl::StatusOr<ValueEncoding> ChooseEncoding(const WritePlan& plan,
                                             size_t tensor,
                                             const TensorLocation& location,
                                             const InputFile& file) {
  const int32_t dtype = plan.dtype(tensor);
  if (location.values.empty()) return Bad(plan, tensor, "holds no values");
  const int number = location.values.front().number;
  for (const ValueField& v : location.values) {
    if (v.number != number) {
      return Bad(plan, tensor,
                 absl::StrCat("holds values in both ", FieldName(number),
                              " and ", FieldName(v.number)));
    }
  }
  const int raw_width = RawElementSize(dtype);
  if (number != kRawData && number != TypedField(dtype)) {
    return Bad(plan, tensor,
               absl::StrCat("values are in ", FieldName(number),
                            ", which cannot hold this type"));
  }
  ValueEncoding encoding;
  encoding.field_number = number;
  encoding.varint = number == kInt32Data;
  encoding.fixed_width = encoding.varint ? 0 : raw_width;

  uint64_t stored = 0;
  for (const ValueField& v : location.values) {
    if (encoding.varint) {
      if (v.length_delimited) {
        absl::StatusOr<uint64_t> count = CountVarints(file, v.payload);
        if (!count.ok()) return count.status();
        stored += *count;
      } else {
        stored += 1;
      }
    } else if (v.length_delimited) {
      if (v.payload.size % raw_width != 0) {
        return Bad(plan, tensor,
                   absl::StrCat(FieldName(number), " holds ", v.payload.size,
                                " bytes, not a multiple of ", raw_width));
      }
      stored += v.payload.size / raw_width;
    } else {
      stored += 1;
    }
  }
  if (stored != plan.element_count(tensor)) {
    return Bad(
        plan, tensor,
        absl::StrCat(FieldName(number), " holds ", stored,
                     " values but the dims need ", plan.element_count(tensor)));
  }
  encoding.in_place = !encoding.varint && location.values.size() == 1 &&
                      location.values.front().length_delimited;
  return encoding;
}

namespace {

// Writes the 16-bit pattern of `f` (RNE) at *p as the encoding says and
// advances *p; returns the pattern.
uint16_t PutHalf(const ValueEncoding& encoding, bool half, float f,
                 uint8_t** p) {
  const uint16_t bits = half ? FloatToHalf(f) : FloatToBfloat16(f);
  if (encoding.varint) {
    *p += PutVarint(bits, *p);
  } else {
    (*p)[0] = static_cast<uint8_t>(bits);
    (*p)[1] = static_cast<uint8_t>(bits >> 8);
    *p += 2;
  }
  return bits;
}

}  // namespace

size_t EncodeFloatValues(const ValueEncoding& encoding, int32_t dtype,
                         float* values, size_t n, uint8_t* out) {
  if (dtype == onnx::TensorProto::FLOAT) {
    std::memcpy(out, values, n * sizeof(float));  // little-endian host
    return n * sizeof(float);
  }
  const bool half = dtype == onnx::TensorProto::FLOAT16;
  uint8_t* p = out;
  for (size_t i = 0; i < n; ++i) {
    const uint16_t bits = PutHalf(encoding, half, values[i], &p);
    values[i] = half ? HalfToFloat(bits) : Bfloat16ToFloat(bits);
  }
  return static_cast<size_t>(p - out);
}

size_t EncodeValues(const ValueEncoding& encoding, int32_t dtype,
                    double* values, size_t n, uint8_t* out) {
  uint8_t* p = out;
  switch (dtype) {
    case onnx::TensorProto::FLOAT:
      for (size_t i = 0; i < n; ++i) {
        float f = static_cast<float>(values[i]);
        values[i] = f;
        std::memcpy(p, &f, 4);  // little-endian host (x86-64, aarch64)
        p += 4;
      }
      break;
    case onnx::TensorProto::DOUBLE:
      std::memcpy(p, values, n * 8);
      p += n * 8;
      break;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16: {
      const bool half = dtype == onnx::TensorProto::FLOAT16;
      for (size_t i = 0; i < n; ++i) {
        uint16_t bits =
            PutHalf(encoding, half, static_cast<float>(values[i]), &p);
        values[i] = half ? HalfToFloat(bits) : Bfloat16ToFloat(bits);
      }
      break;
    }
    default:
      break;
  }
  return static_cast<size_t>(p - out);
}

}  // namespace onnx_reinit
