// DTypeName (dtype/dtype.h) spells out onnx's TensorProto.DataType names
// instead of asking protobuf's descriptors for them: the same strings.
#include "dtype/dtype.h"

#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {
namespace {

TEST(DTypeNameTest, SameAsTheProtoEnumsNames) {
  for (int32_t value = -2; value <= 64; ++value) {
    if (!onnx::TensorProto_DataType_IsValid(value)) continue;
    EXPECT_EQ(DTypeName(value),
              onnx::TensorProto_DataType_Name(
                  static_cast<onnx::TensorProto_DataType>(value)))
        << value;
  }
}

TEST(DTypeNameTest, UnnamedValuesAreNumbered) {
  EXPECT_EQ(DTypeName(1), "FLOAT");
  EXPECT_EQ(DTypeName(16), "BFLOAT16");
  EXPECT_EQ(DTypeName(17), "TYPE_17");
  EXPECT_EQ(DTypeName(-1), "TYPE_-1");
}

}  // namespace
}  // namespace onnx_reinit
