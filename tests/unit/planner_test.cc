// Roles, fans and reasons the planner gives each initializer, on models
// written as ONNX text.
#include "plan/planner.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/model_text.h"
#include "support/rules_for.h"

namespace onnx_reinit {
namespace {

PlanOptions Options(const std::string& weight = "he_normal",
                    const std::string& bias = "zeros") {
  PlanOptions options;
  options.rules = testing::RulesFor(weight, bias);
  return options;
}

std::vector<TensorPlan> Plan(const std::string& text,
                             const PlanOptions& options = Options()) {
  onnx::ModelProto model = testing::ParseModel(text);
  // Name nodes after their output so messages are readable.
  for (auto& node : *model.mutable_graph()->mutable_node()) {
    node.set_name(node.output(0) + "_node");
  }
  absl::StatusOr<std::vector<TensorPlan>> plan = BuildPlan(model, options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.value_or(std::vector<TensorPlan>{});
}

const TensorPlan& Find(const std::vector<TensorPlan>& plan,
                       const std::string& name) {
  for (const TensorPlan& p : plan) {
    if (p.name == name) return p;
  }
  static TensorPlan none;
  ADD_FAILURE() << "no plan entry for " << name;
  return none;
}

TEST(PlannerTest, GemmWeightAndBiasTakeTheWeightsFans) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 4] y)
    <float[4, 8] W = {0}, float[4] B = {0}>
    {
      y = Gemm <transB = 1> (x, W, B)
    }
  )");
  const TensorPlan& w = Find(plan, "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 8);
  EXPECT_EQ(w.fans.fan_out, 4);
  EXPECT_TRUE(w.rewrite);
  EXPECT_EQ(w.strategy,
            "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)");
  EXPECT_DOUBLE_EQ(w.distribution.TargetStd(), std::sqrt(2.0 / 8));
  const TensorPlan& b = Find(plan, "B");
  EXPECT_EQ(b.role, Role::kBias);
  EXPECT_EQ(b.fans.fan_in, 8);
  EXPECT_EQ(b.strategy, "zeros");
  EXPECT_TRUE(b.rewrite);
}

TEST(PlannerTest, ShapeInputIsNotAWeightAndSaysWhy) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[4, 4] y)
    <int64[2] shape = {4, 4}>
    {
      y = Reshape (x, shape)
    }
  )");
  const TensorPlan& s = Find(plan, "shape");
  EXPECT_EQ(s.role, Role::kNotWeight);
  EXPECT_FALSE(s.rewrite);
  EXPECT_EQ(s.reason,
            "input 1 (shape) of Reshape node \"y_node\": not a weight slot");
}

TEST(PlannerTest, UnconsumedInitializerIsKeptWithNoConsumer) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2] x) => (float[2] y)
    <float[3] orphan = {1, 2, 3}>
    {
      y = Relu (x)
    }
  )");
  EXPECT_EQ(Find(plan, "orphan").reason, "no consumer");
  EXPECT_FALSE(Find(plan, "orphan").rewrite);
}

TEST(PlannerTest, OuterInitializerUsedInASubgraphTakesItsRoleThere) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[2, 2] x) => (float[2, 2] y)
    <float[2, 2] W = {1, 2, 3, 4}>
    {
      y = If (cond) <
        then_branch = t () => (float[2, 2] a) { a = MatMul (x, W) },
        else_branch = e () => (float[2, 2] b) { b = Identity (x) }
      >
    }
  )");
  const TensorPlan& w = Find(plan, "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 2);
  EXPECT_TRUE(w.rewrite);
  EXPECT_EQ(w.scope, "main");
  EXPECT_THAT(w.consumers, ::testing::ElementsAre("MatMul node #0 input 1"));
}

TEST(PlannerTest, TiedTensorTakesItsStrongestRoleAndListsEveryConsumer) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 8] y)
    <float[8, 8] W = {0}>
    {
      a = Add (x, W)
      y = MatMul (a, W)
    }
  )");
  const TensorPlan& w = Find(plan, "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.op_type, "MatMul");
  EXPECT_THAT(w.consumers,
              ::testing::ElementsAre("Add node \"a_node\" input 1",
                                     "MatMul node \"y_node\" input 1"));
}

TEST(PlannerTest, LstmParametersHavePerGateFans) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[3, 1, 2] x) => (float[3, 1, 1, 4] y)
    <float[1, 16, 2] W = {0}, float[1, 16, 4] R = {0}>
    {
      y = LSTM <hidden_size = 4> (x, W, R)
    }
  )");
  const TensorPlan& w = Find(plan, "W");
  EXPECT_EQ(w.role, Role::kRecurrentInput);
  EXPECT_EQ(w.fans.fan_in, 2);   // input size
  EXPECT_EQ(w.fans.fan_out, 4);  // hidden size, per gate
  EXPECT_TRUE(w.rewrite);
  const TensorPlan& r = Find(plan, "R");
  EXPECT_EQ(r.role, Role::kRecurrentHidden);
  EXPECT_EQ(r.fans.fan_in, 4);
  EXPECT_EQ(r.fans.fan_out, 4);
}

TEST(PlannerTest, FanBasedBiasOfDynamicWeightIsKeptWithReason) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 2, 5, 5] x, float[4, 2, 3, 3] w) => (float[1, 4, 3, 3] y)
    <float[4] B = {0, 0, 0, 0}>
    {
      y = Conv (x, w, B)
    }
  )",
                   Options("he_normal", "fan_in_uniform"));
  const TensorPlan& b = Find(plan, "B");
  EXPECT_EQ(b.role, Role::kBias);
  EXPECT_FALSE(b.rewrite);
  EXPECT_THAT(b.reason, ::testing::HasSubstr("needs fan_in"));
}

TEST(PlannerTest, ConvTransposeConventionIsSelectable) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 8, 4, 4] x) => (float[1, 6, 5, 5] y)
    <float[8, 3, 2, 2] W = {0}>
    {
      y = ConvTranspose <group = 2> (x, W)
    }
  )";
  PlanOptions semantic = Options();
  semantic.fan_convention = FanConvention::kSemantic;
  EXPECT_EQ(Find(Plan(text), "W").fans.fan_in, 3 * 4);
  EXPECT_EQ(Find(Plan(text, semantic), "W").fans.fan_in, 4 * 4);
}

TEST(PlannerTest, IntegerWeightIsKeptBecauseOfItsDtype) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int32[2, 2] x) => (int32[2, 2] y)
    <int32[2, 2] W = {1, 2, 3, 4}>
    {
      y = MatMul (x, W)
    }
  )");
  EXPECT_EQ(Find(plan, "W").role, Role::kWeight);
  EXPECT_EQ(Find(plan, "W").reason, "dtype INT32 is not a floating-point type");
}

TEST(PlannerTest, SparseInitializerIsReportedAndLeftAlone) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 4] x) => (float[2, 4] y)
    {
      y = MatMul (x, S)
    }
  )");
  onnx::SparseTensorProto* sparse =
      model.mutable_graph()->add_sparse_initializer();
  sparse->add_dims(4);
  sparse->add_dims(4);
  sparse->mutable_values()->set_name("S");
  sparse->mutable_values()->set_data_type(onnx::TensorProto::FLOAT);
  sparse->mutable_values()->add_dims(2);
  sparse->mutable_values()->add_float_data(1);
  sparse->mutable_values()->add_float_data(2);
  sparse->mutable_indices()->set_data_type(onnx::TensorProto::INT64);
  sparse->mutable_indices()->add_dims(2);
  sparse->mutable_indices()->add_int64_data(0);
  sparse->mutable_indices()->add_int64_data(5);
  PlanOptions options = Options();
  absl::StatusOr<std::vector<TensorPlan>> plan = BuildPlan(model, options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const TensorPlan& s = Find(*plan, "S");
  EXPECT_EQ(s.path, "graph/sparse_initializer[0]");
  EXPECT_FALSE(s.rewrite);
  EXPECT_EQ(s.reason, "sparse_initializer: left alone");
}

TEST(PlannerTest, StructuredStrategyThatDoesNotFitTheShapeKeepsTheTensor) {
  auto plan = Plan(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 2, 5, 5] x) => (float[1, 4, 3, 3] y)
    <float[4, 2, 3, 3] W = {0}>
    {
      y = Conv (x, W)
    }
  )",
                   Options("sparse", "zeros"));
  const TensorPlan& w = Find(plan, "W");
  EXPECT_FALSE(w.rewrite);
  EXPECT_EQ(w.reason,
            "sparse(sparsity=0.1, std=0.01): sparse needs rank 2, got rank 4");
}

}  // namespace
}  // namespace onnx_reinit
