// Following parameters through the ops that move data (Slice, Split, Concat,
// Transpose, reshapes): dims, the place of every element, the roles of the
// parts, and the plan's placement of structured fills.
#include "graph/element_trace.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "graph/model_index.h"
#include "graph/roles.h"
#include "gtest/gtest.h"
#include "plan/planner.h"
#include "rules/rules.h"
#include "support/decide_role.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// W = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]] (offsets = values).
constexpr char kMoves[] = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  g (float[3] x) => (float[2, 3] a, float[4, 3] b, float[3, 4] c,
                      float[2, 3] d, float[2, 3] e, float[8, 3] f)
  <float[4, 3] W = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
   float[4, 3] V = {0}, int64[1] s = {-1}, int64[1] en = {-5},
   int64[1] ax = {0}, int64[1] st = {-2}, int64[2] sizes = {2, 2}>
  {
    a = Slice (W, s, en, ax, st)
    b = Concat <axis = 0> (a, a)
    c = Transpose <perm = [1, 0]> (W)
    d, e = Split <axis = 0> (W, sizes)
    f = Concat <axis = 0> (W, V)
  }
)";

TEST(ElementTraceTest, SliceWithNegativeStepTakesRowsBackwards) {
  const onnx::ModelProto model = testing::ParseModel(kMoves);
  ModelIndex index(model);
  const Scope* main = index.sites().front().scope;
  EXPECT_EQ(index.ViewDims("a", main), (std::vector<int64_t>{2, 3}));
  std::optional<ElementSources> a = TraceElements(index, "a", main, 1 << 20);
  ASSERT_TRUE(a.has_value());
  EXPECT_THAT(a->offset, ElementsAre(9, 10, 11, 3, 4, 5));
}

TEST(ElementTraceTest, TransposeSplitAndConcatPlaceEveryElement) {
  const onnx::ModelProto model = testing::ParseModel(kMoves);
  ModelIndex index(model);
  const Scope* main = index.sites().front().scope;
  std::optional<ElementSources> c = TraceElements(index, "c", main, 1 << 20);
  ASSERT_TRUE(c.has_value());
  EXPECT_THAT(c->offset, ElementsAre(0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11));
  std::optional<ElementSources> e = TraceElements(index, "e", main, 1 << 20);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(e->offset, ElementsAre(6, 7, 8, 9, 10, 11));
  std::optional<ElementSources> f = TraceElements(index, "f", main, 1 << 20);
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->sites.size(), 2u);
  EXPECT_EQ(f->sites[f->site[0]]->name(), "W");
  EXPECT_EQ(f->sites[f->site[12]]->name(), "V");
  EXPECT_EQ(f->offset[12], 0u);
  EXPECT_EQ(index.ViewDims("b", main), (std::vector<int64_t>{4, 3}));
}

TEST(ElementTraceTest, TooManyElementsOrAComputedPartIsNotTraced) {
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1, 3] x) => (float[5, 3] y)
    <float[4, 3] W = {0}>
    {
      y = Concat <axis = 0> (W, x)
    }
  )");
  ModelIndex index(model);
  const Scope* main = index.sites().front().scope;
  EXPECT_FALSE(TraceElements(index, "y", main, 1 << 20).has_value());
  EXPECT_FALSE(TraceElements(index, "W", main, 11).has_value());
  EXPECT_TRUE(TraceElements(index, "W", main, 12).has_value());
}

TEST(ElementTraceTest, ChainOfConcatsThatReuseTheirInputIsWalkedOnce) {
  // c_k = Concat(c_{k-1}, c_{k-1}), 60 deep: 2^60 paths if every path were
  // walked, a hang on a hostile file. Each value is visited once.
  std::string nodes = "c0 = Identity (W)\n";
  for (int k = 1; k <= 60; ++k) {
    absl::StrAppend(&nodes, "c", k, " = Concat <axis = 0> (c", k - 1, ", c",
                    k - 1, ")\n");
  }
  const onnx::ModelProto model = testing::ParseModel(absl::StrCat(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1] x) => (float[1] y)
    <float[1] W = {0}, float[1] v = {0}>
    {
  )",
                                                                  nodes, R"(
      s = ReduceSum (c60)
      y = PRelu (x, v)
    }
  )"));
  ModelIndex index(model);
  const Scope* main = index.sites().front().scope;
  EXPECT_EQ(index.ViewDims("c60", main),
            (std::vector<int64_t>{int64_t{1} << 60}));
  const RoleDecision w = testing::DecideRoleOf(model, "W");
  EXPECT_EQ(w.role, Role::kNotWeight);
  EXPECT_EQ(w.consumers.size(), 1u);
}

TEST(ElementTraceTest, PackedWeightSplitIntoThreeMatMulsIsOneWeight) {
  const RoleDecision qkv = testing::DecideRoleOf(testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 8] x) => (float[2, 8] q, float[2, 8] k, float[2, 8] v)
    <float[24, 8] in_proj = {0}, int64[3] sizes = {8, 8, 8}>
    {
      wq, wk, wv = Split <axis = 0> (in_proj, sizes)
      tq = Transpose <perm = [1, 0]> (wq)
      tk = Transpose <perm = [1, 0]> (wk)
      tv = Transpose <perm = [1, 0]> (wv)
      q = MatMul (x, tq)
      k = MatMul (x, tk)
      v = MatMul (x, tv)
    }
  )"),
                                                 "in_proj");
  EXPECT_EQ(qkv.role, Role::kWeight);
  EXPECT_EQ(qkv.fans.fan_in, 8);
  EXPECT_EQ(qkv.fans.fan_out, 8);
  EXPECT_TRUE(qkv.partial);
  EXPECT_EQ(qkv.consumers.size(), 3u);
}

TEST(ElementTraceTest, PartsPlayingTwoRolesAreKeptWithBothConsumersNamed) {
  const RoleDecision mixed = testing::DecideRoleOf(testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 4] x) => (float[2, 4] y)
    <float[5, 4] packed = {0}, int64[2] sizes = {4, 1}, int64[1] flat = {4}>
    {
      w, b = Split <axis = 0> (packed, sizes)
      bf = Reshape (b, flat)
      y = Gemm (x, w, bf)
    }
  )"),
                                                   "packed");
  EXPECT_EQ(mixed.role, Role::kNotWeight);
  EXPECT_THAT(mixed.why, HasSubstr("its parts play weight and bias"));
  EXPECT_THAT(mixed.why, HasSubstr("input 1 (B) of Gemm node #2"));
  EXPECT_THAT(mixed.why, HasSubstr("input 2 (C) of Gemm node #2"));
}

// torch's LSTM export: W rebuilt in ONNX gate order from torch's order.
constexpr char kReorderedLstm[] = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  g (float[5, 1, 3] x) => (float[5, 1, 1, 2] y)
  <float[8, 3] w_ih = {0}, float[8, 2] w_hh = {0},
   int64[1] z = {0}, int64[1] h1 = {2}, int64[1] h2 = {4}, int64[1] h3 = {6},
   int64[1] h4 = {8}, int64[1] h5 = {1}>
  {
    i = Slice (w_ih, z, h1, z)
    o = Slice (w_ih, h3, h4, z)
    fg = Slice (w_ih, h1, h3, z)
    w = Concat <axis = 0> (i, o, fg)
    W = Unsqueeze (w, z)
    ri = Slice (w_hh, z, h1, z)
    ro = Slice (w_hh, h3, h4, z)
    rf = Slice (w_hh, h1, h2, z)
    r = Concat <axis = 0> (ri, ro, rf, rf)
    R = Unsqueeze (r, z)
    y, yh, yc = LSTM <hidden_size = 2> (x, W, R)
  }
)";

std::vector<TensorPlan> Plan(const std::string& text, const std::string& rule) {
  RuleOptions options;
  options.cli_rules = {rule};
  absl::StatusOr<RuleSet> rules = RuleSet::Build(options);
  EXPECT_TRUE(rules.ok()) << rules.status();
  PlanOptions plan_options;
  plan_options.rules = &*rules;
  absl::StatusOr<std::vector<TensorPlan>> plan =
      BuildPlan(testing::ParseModel(text), plan_options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : std::vector<TensorPlan>{};
}

const TensorPlan* Find(const std::vector<TensorPlan>& plans,
                       const std::string& name) {
  for (const TensorPlan& p : plans) {
    if (p.name == name) return &p;
  }
  ADD_FAILURE() << "no plan for " << name;
  return nullptr;
}

TEST(ElementTraceTest, StructuredFillOfAReorderedWeightIsPlacedPerGate) {
  const std::vector<TensorPlan> plans =
      Plan(kReorderedLstm, "role=recurrent_input:orthogonal");
  const TensorPlan* w = Find(plans, "w_ih");
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->rewrite) << w->reason;
  ASSERT_TRUE(w->placement.has_value());
  EXPECT_EQ(w->placement->dims, (std::vector<int64_t>{1, 8, 3}));
  EXPECT_EQ(w->gate_blocks, 4);
  // torch gate o (rows 6, 7 of w_ih) is ONNX gate 1 (rows 2, 3 of W).
  EXPECT_EQ(w->placement->index[6 * 3], 2u * 3);
  EXPECT_EQ(w->placement->index[2 * 3], 4u * 3);
}

TEST(ElementTraceTest,
     StructuredFillOfATensorThatReachesItsConsumerTwiceIsKept) {
  // Rows 2 and 3 of w_hh are used twice, and rows 4 and 5 never.
  const std::vector<TensorPlan> plans =
      Plan(kReorderedLstm, "role=recurrent_hidden:orthogonal");
  const TensorPlan* r = Find(plans, "w_hh");
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->rewrite);
  EXPECT_EQ(r->reason,
            "orthogonal(gain=1): an element of it reaches its consumer twice");
  // Element-wise strategies need no placement: the same tensor is rewritten.
  const std::vector<TensorPlan> element_wise =
      Plan(kReorderedLstm, "role=recurrent_hidden:he_normal");
  const TensorPlan* r2 = Find(element_wise, "w_hh");
  ASSERT_NE(r2, nullptr);
  EXPECT_TRUE(r2->rewrite) << r2->reason;
  EXPECT_FALSE(r2->placement.has_value());
}

}  // namespace
}  // namespace onnx_reinit
