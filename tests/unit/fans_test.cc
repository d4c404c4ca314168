#include "graph/fans.h"

#include <vector>

#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

onnx::NodeProto NodeWith(const std::string& op,
                         std::vector<std::pair<std::string, int64_t>> attrs) {
  onnx::NodeProto node;
  node.set_op_type(op);
  for (const auto& [name, value] : attrs) {
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  return node;
}

Fans FansOf(FanRule rule, const onnx::NodeProto& node,
            std::vector<int64_t> dims,
            FanConvention convention = FanConvention::kTorch) {
  absl::StatusOr<Fans> fans = ComputeFans(rule, node, dims, convention);
  EXPECT_TRUE(fans.ok()) << fans.status();
  return fans.value_or(Fans{});
}

TEST(FansTest, GemmTransBZeroReadsKFromFirstDim) {
  Fans f = FansOf(FanRule::kGemmB, NodeWith("Gemm", {}), {300, 200});
  EXPECT_EQ(f.fan_in, 300);
  EXPECT_EQ(f.fan_out, 200);
}

TEST(FansTest, GemmTransBOneReadsKFromSecondDim) {
  Fans f =
      FansOf(FanRule::kGemmB, NodeWith("Gemm", {{"transB", 1}}), {200, 300});
  EXPECT_EQ(f.fan_in, 300);
  EXPECT_EQ(f.fan_out, 200);
}

TEST(FansTest, GemmAInitializerHonoursTransA) {
  Fans plain = FansOf(FanRule::kGemmA, NodeWith("Gemm", {}), {10, 20});
  EXPECT_EQ(plain.fan_in, 20);
  EXPECT_EQ(plain.fan_out, 10);
  Fans trans =
      FansOf(FanRule::kGemmA, NodeWith("Gemm", {{"transA", 1}}), {20, 10});
  EXPECT_EQ(trans.fan_in, 20);
  EXPECT_EQ(trans.fan_out, 10);
}

TEST(FansTest, MatMulInput1UsesLastTwoDims) {
  Fans f = FansOf(FanRule::kMatMulInput1, NodeWith("MatMul", {}), {512, 2048});
  EXPECT_EQ(f.fan_in, 512);
  EXPECT_EQ(f.fan_out, 2048);
}

TEST(FansTest, BatchedMatMulIgnoresLeadingBatchDims) {
  Fans f =
      FansOf(FanRule::kMatMulInput1, NodeWith("MatMul", {}), {8, 3, 64, 32});
  EXPECT_EQ(f.fan_in, 64);
  EXPECT_EQ(f.fan_out, 32);
  Fans a =
      FansOf(FanRule::kMatMulInput0, NodeWith("MatMul", {}), {8, 3, 32, 64});
  EXPECT_EQ(a.fan_in, 64);
  EXPECT_EQ(a.fan_out, 32);
}

TEST(FansTest, MatMulVectorOperandHasFanOutOne) {
  Fans f = FansOf(FanRule::kMatMulInput1, NodeWith("MatMul", {}), {16});
  EXPECT_EQ(f.fan_in, 16);
  EXPECT_EQ(f.fan_out, 1);
}

TEST(FansTest, ConvUsesChannelsPerGroupTimesKernel) {
  // [M=64, C/g=32, 3, 3] with group 2.
  onnx::NodeProto conv = NodeWith("Conv", {{"group", 2}});
  Fans torch = FansOf(FanRule::kConv, conv, {64, 32, 3, 3});
  EXPECT_EQ(torch.fan_in, 32 * 9);
  EXPECT_EQ(torch.fan_out, 64 * 9);
  Fans semantic =
      FansOf(FanRule::kConv, conv, {64, 32, 3, 3}, FanConvention::kSemantic);
  EXPECT_EQ(semantic.fan_in, 32 * 9);
  EXPECT_EQ(semantic.fan_out, 32 * 9);
}

TEST(FansTest, DepthwiseConvHasFanInOfKernelOnly) {
  Fans f =
      FansOf(FanRule::kConv, NodeWith("Conv", {{"group", 32}}), {32, 1, 3, 3});
  EXPECT_EQ(f.fan_in, 9);
  EXPECT_EQ(f.fan_out, 32 * 9);
}

TEST(FansTest, ConvTransposeTorchConventionReadsDim1AsInput) {
  // W [C=512, M/g=256, 4, 4]: torch takes fi = 256*16, fo = 512*16.
  onnx::NodeProto node = NodeWith("ConvTranspose", {});
  Fans f = FansOf(FanRule::kConvTranspose, node, {512, 256, 4, 4});
  EXPECT_EQ(f.fan_in, 256 * 16);
  EXPECT_EQ(f.fan_out, 512 * 16);
}

TEST(FansTest, ConvTransposeSemanticConventionCountsInputChannelsPerGroup) {
  // W [C=8, M/g=3, 2, 2] with group 2: fi = (C/g)*k = 4*4, fo = (M/g)*k = 3*4.
  onnx::NodeProto node = NodeWith("ConvTranspose", {{"group", 2}});
  Fans semantic = FansOf(FanRule::kConvTranspose, node, {8, 3, 2, 2},
                         FanConvention::kSemantic);
  EXPECT_EQ(semantic.fan_in, 16);
  EXPECT_EQ(semantic.fan_out, 12);
  Fans torch = FansOf(FanRule::kConvTranspose, node, {8, 3, 2, 2});
  EXPECT_EQ(torch.fan_in, 12);
  EXPECT_EQ(torch.fan_out, 32);
}

TEST(FansTest, ConvWeightOfRankTwoIsRejected) {
  absl::StatusOr<Fans> f =
      ComputeFans(FanRule::kConv, NodeWith("Conv", {}),
                  std::vector<int64_t>{4, 4}, FanConvention::kTorch);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().message(), "expected rank >= 3, got 2");
}

TEST(FansTest, GroupThatDoesNotDivideChannelsIsRejected) {
  absl::StatusOr<Fans> f =
      ComputeFans(FanRule::kConv, NodeWith("Conv", {{"group", 3}}),
                  std::vector<int64_t>{64, 8, 3, 3}, FanConvention::kTorch);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "group 3 does not divide the 64 output channels");
}

TEST(FansTest, DimsWhoseProductOverflowsInt64AreRejected) {
  // A kernel of 2^21 · 2^21 · 2^21 with 2^4 channels: fan_in would wrap to
  // a negative number (UBSan: signed overflow in the kernel size).
  const int64_t big = int64_t{1} << 21;
  for (FanConvention convention :
       {FanConvention::kTorch, FanConvention::kSemantic}) {
    for (FanRule rule : {FanRule::kConv, FanRule::kConvTranspose}) {
      absl::StatusOr<Fans> fans = ComputeFans(
          rule, NodeWith("Conv", {}), {16, 16, big, big, big}, convention);
      ASSERT_FALSE(fans.ok());
      EXPECT_EQ(fans.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(fans.status().message(),
                "the dims hold more than 2^63 - 1 elements");
    }
  }
  // A large product that fits is fine.
  Fans f = FansOf(FanRule::kConv, NodeWith("Conv", {}), {1, 1, big, big, 4});
  EXPECT_EQ(f.fan_in, big * big * 4);
}

TEST(FansTest, FanConventionParsesBothNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseFanConvention("torch"), FanConvention::kTorch);
  EXPECT_EQ(*ParseFanConvention("semantic"), FanConvention::kSemantic);
  absl::StatusOr<FanConvention> bad = ParseFanConvention("keras");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown fan convention \"keras\"; known: torch, semantic");
}

}  // namespace
}  // namespace onnx_reinit
