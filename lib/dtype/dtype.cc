#include "dtype/dtype.h"

#include "absl/strings/str_cat.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

std::string DTypeName(int32_t data_type) {
  if (onnx::TensorProto_DataType_IsValid(data_type)) {
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(data_type));
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
