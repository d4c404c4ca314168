#include "dtype/dtype.h"

#include "absl/strings/str_cat.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

std::string DTypeName(int32_t data_type) {
  // Spelled out: onnx::TensorProto_DataType_Name builds the descriptors of
  // all of onnx.proto on first use, about 1 ms of every run. Without a
  // default, -Wswitch names an enumerator a newer onnx adds.
  if (onnx::TensorProto_DataType_IsValid(data_type)) {
    switch (static_cast<onnx::TensorProto_DataType>(data_type)) {
      case onnx::TensorProto::UNDEFINED:
        return "UNDEFINED";
      case onnx::TensorProto::FLOAT:
        return "FLOAT";
      case onnx::TensorProto::UINT8:
        return "UINT8";
      case onnx::TensorProto::INT8:
        return "INT8";
      case onnx::TensorProto::UINT16:
        return "UINT16";
      case onnx::TensorProto::INT16:
        return "INT16";
      case onnx::TensorProto::INT32:
        return "INT32";
      case onnx::TensorProto::INT64:
        return "INT64";
      case onnx::TensorProto::STRING:
        return "STRING";
      case onnx::TensorProto::BOOL:
        return "BOOL";
      case onnx::TensorProto::FLOAT16:
        return "FLOAT16";
      case onnx::TensorProto::DOUBLE:
        return "DOUBLE";
      case onnx::TensorProto::UINT32:
        return "UINT32";
      case onnx::TensorProto::UINT64:
        return "UINT64";
      case onnx::TensorProto::COMPLEX64:
        return "COMPLEX64";
      case onnx::TensorProto::COMPLEX128:
        return "COMPLEX128";
      case onnx::TensorProto::BFLOAT16:
        return "BFLOAT16";
    }
  }
  return absl::StrCat("TYPE_", data_type);
}

bool IsRewritableDType(int32_t data_type) {
  return RawElementSize(data_type) != 0;
}

int RawElementSize(int32_t data_type) {
  switch (data_type) {
    case onnx::TensorProto::FLOAT:
      return 4;
    case onnx::TensorProto::DOUBLE:
      return 8;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      return 2;
    default:
      return 0;
  }
}

}  // namespace onnx_reinit
