// Graph patterns give a role only on evidence: the structure AND the dims.
// Each pattern has positive cases and the look-alike constants of real
// exporters (hardswish's 3 and 6, an epsilon, a 0.5 factor, per-channel
// constants that follow no normalization) as negative ones; a rejected
// pattern says what did not fit.
#include "graph/patterns.h"

#include <string>

#include "gmock/gmock.h"
#include "graph/model_index.h"
#include "graph/residual.h"
#include "graph/roles.h"
#include "gtest/gtest.h"
#include "support/decide_role.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using ::testing::HasSubstr;

RoleDecision Decide(const std::string& text, const std::string& name) {
  return testing::DecideRoleOf(testing::ParseModel(text), name);
}

// paddle2onnx's hardswish after a BatchNormalization:
// Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(., 6).
constexpr char kHardswish[] = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  g (float[1, 4, 2, 2] x) => (float[1, 4, 2, 2] y)
  <float[4] s = {1, 1, 1, 1}, float[4] b = {0, 0, 0, 0},
   float[4] m = {0, 0, 0, 0}, float[4] v = {1, 1, 1, 1},
   float three = {3}, float zero = {0}, float six = {6}, float six2 = {6}>
  {
    bn = BatchNormalization (x, s, b, m, v)
    a = Add (bn, three)
    c = Clip (a, zero, six)
    p = Mul (bn, c)
    y = Div (p, six2)
  }
)";

TEST(PatternsTest, HardswishScalarAfterBatchNormIsNotANormBias) {
  const RoleDecision three = Decide(kHardswish, "three");
  EXPECT_EQ(three.role, Role::kNotWeight);
  EXPECT_EQ(three.why,
            "input 1 (B) of Add node #1: not a bias of BatchNormalization "
            "node #0: a single value broadcasts over every channel");
  EXPECT_EQ(Decide(kHardswish, "six").role, Role::kNotWeight);
  EXPECT_EQ(Decide(kHardswish, "zero").role, Role::kNotWeight);
  const RoleDecision six2 = Decide(kHardswish, "six2");
  EXPECT_EQ(six2.role, Role::kNotWeight);
  EXPECT_EQ(six2.why, "input 1 (B) of Div node #4: not a weight slot");
  EXPECT_EQ(Decide(kHardswish, "s").role, Role::kNormScale);
}

TEST(PatternsTest, EpsilonAddedAfterMatMulIsNotABias) {
  const RoleDecision eps = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 5] y)
    <float[8, 5] W = {0}, float eps = {1e-5}>
    {
      h = MatMul (x, W)
      y = Add (h, eps)
    }
  )",
                                  "eps");
  EXPECT_EQ(eps.role, Role::kNotWeight);
  EXPECT_EQ(eps.why,
            "input 1 (B) of Add node #1: not a bias of MatMul node #0: a "
            "single value broadcasts over its 5 output channels");
}

TEST(PatternsTest, AddOfTheWrongChannelCountAfterMatMulIsNotABias) {
  const RoleDecision b = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 5] y)
    <float[8, 5] W = {0}, float[2, 1] b = {0, 0}>
    {
      h = MatMul (x, W)
      y = Add (h, b)
    }
  )",
                                "b");
  EXPECT_EQ(b.role, Role::kNotWeight);
  EXPECT_THAT(b.why, HasSubstr("not a bias of MatMul node #0: dims [2, 1]"));
}

TEST(PatternsTest, ConvBiasAddNeedsOneValuePerOutputChannelAndSpatialOnes) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 3, 4, 4] x) => (float[1, 6, 4, 4] y, float[1, 6, 4, 4] z)
    <float[6, 3, 1, 1] W = {0}, float[6, 1, 1] b = {0}, float[6] wrong = {0}>
    {
      c = Conv (x, W)
      y = Add (c, b)
      z = Add (c, wrong)
    }
  )";
  const RoleDecision b = Decide(text, "b");
  EXPECT_EQ(b.role, Role::kBias);
  EXPECT_EQ(b.fans.fan_in, 3);
  EXPECT_EQ(b.fans.fan_out, 6);
  // [6] broadcasts along the last (width) axis, not the channels.
  EXPECT_EQ(Decide(text, "wrong").role, Role::kNotWeight);
}

TEST(PatternsTest, HalfTimesADecomposedLayerNormIsNotItsScale) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 8] y, float[2, 8] z)
    <float half = {0.5}, float[8, 1] rows = {0}, float eps = {1e-5},
     float two = {2}>
    {
      mean = ReduceMean <axes = [-1]> (x)
      d = Sub (x, mean)
      sq = Pow (d, two)
      var = ReduceMean <axes = [-1]> (sq)
      ve = Add (var, eps)
      sd = Sqrt (ve)
      n = Div (d, sd)
      y = Mul (n, half)
      z = Mul (n, rows)
    }
  )";
  const RoleDecision half = Decide(text, "half");
  EXPECT_EQ(half.role, Role::kNotWeight);
  EXPECT_THAT(half.why, HasSubstr("not a scale of the LayerNorm ending in "
                                  "Div node #6: a single value broadcasts"));
  const RoleDecision rows = Decide(text, "rows");
  EXPECT_EQ(rows.role, Role::kNotWeight);
  EXPECT_THAT(rows.why, HasSubstr("vary along axis -2, which is not "
                                  "normalized (axes [-1])"));
  EXPECT_EQ(Decide(text, "eps").role, Role::kNotWeight);
}

TEST(PatternsTest, PerChannelAddAfterNoNormalizationOrLinearOpIsNotAWeight) {
  const RoleDecision c = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 4, 2, 2] x) => (float[1, 4, 2, 2] y)
    <float[4, 1, 1] c = {1, 2, 3, 4}>
    {
      r = Relu (x)
      y = Add (r, c)
    }
  )",
                                "c");
  EXPECT_EQ(c.role, Role::kNotWeight);
  EXPECT_EQ(c.why,
            "input 1 (B) of Add node #1: not a weight (its other operand "
            "comes from no linear op, normalization or token sequence)");
}

TEST(PatternsTest, ScaledHardswishOutputIsNotANormalizedValue) {
  // Mul(bn, clip) multiplies the normalized value by a computed one: an
  // Add after it is not a norm bias, whatever its dims.
  const RoleDecision c = Decide(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1, 4, 2, 2] x, float[1, 4, 2, 2] k) => (float[1, 4, 2, 2] y)
    <float[4] s = {1, 1, 1, 1}, float[4] b = {0, 0, 0, 0},
     float[4] m = {0, 0, 0, 0}, float[4] v = {1, 1, 1, 1},
     float[4, 1, 1] c = {1, 2, 3, 4}>
    {
      bn = BatchNormalization (x, s, b, m, v)
      p = Mul (bn, k)
      y = Add (p, c)
    }
  )",
                                "c");
  EXPECT_EQ(c.role, Role::kNotWeight);
}

constexpr char kResidualBranch[] = R"(
  <ir_version: 8, opset_import: ["" : 14]>
  g (float[2, 3, 8] x) => (float[2, 3, 8] y, float[2, 3, 8] z)
  <float[8, 8] W = {0}, float[8] gamma = {0}, float half = {0.5},
   float[8] lonely = {0}>
  {
    h = MatMul (x, W)
    s = Mul (gamma, h)
    y = Add (s, x)
    t = Mul (h, half)
    u = Add (t, x)
    q = Mul (h, lonely)
    z = Relu (q)
  }
)";

TEST(PatternsTest, PerChannelScaleOfAResidualBranchIsALayerScale) {
  const RoleDecision gamma = Decide(kResidualBranch, "gamma");
  EXPECT_EQ(gamma.role, Role::kLayerScale);
  EXPECT_EQ(gamma.why,
            "input 0 (A) of Mul node #1: scales the residual branch ending in "
            "MatMul node #0");
}

TEST(PatternsTest, ScalarOrNonResidualMulIsNotALayerScale) {
  const RoleDecision half = Decide(kResidualBranch, "half");
  EXPECT_EQ(half.role, Role::kNotWeight);
  EXPECT_THAT(half.why, HasSubstr("not a layer scale after MatMul node #0"));
  // Same dims as gamma, but the product reaches no residual Add.
  EXPECT_EQ(Decide(kResidualBranch, "lonely").role, Role::kNotWeight);
}

constexpr char kVitEmbedding[] = R"(
  <ir_version: 8, opset_import: ["" : 14]>
  g (float[1, 3, 8, 8] x) => (float[1, 5, 16] y, float[1, 5, 16] z)
  <float[16, 3, 4, 4] W = {0}, float[1, 1, 16] cls = {0},
   float[1, 5, 16] pos = {0}, float[1, 5, 8] narrow = {0},
   int64[3] flat = {1, 16, 4}, int64[3] shape = {1, 1, 16}>
  {
    p = Conv <strides = [4, 4]> (x, W)
    f = Reshape (p, flat)
    t = Transpose <perm = [0, 2, 1]> (f)
    e = Expand (cls, shape)
    seq = Concat <axis = 1> (e, t)
    y = Add (seq, pos)
    z = Add (seq, narrow)
  }
)";

TEST(PatternsTest, VitClassTokenAndPositionalEmbeddingNeedTheSequenceWidth) {
  const RoleDecision cls = Decide(kVitEmbedding, "cls");
  EXPECT_EQ(cls.role, Role::kClassToken);
  EXPECT_THAT(cls.why, HasSubstr("token sequence of width 16"));
  EXPECT_EQ(Decide(kVitEmbedding, "pos").role, Role::kPositionalEmbedding);
  const RoleDecision narrow = Decide(kVitEmbedding, "narrow");
  EXPECT_EQ(narrow.role, Role::kNotWeight);
  EXPECT_THAT(narrow.why,
              HasSubstr("not a positional embedding: dims [1, 5, 8] are not "
                        "[L, 16]"));
}

TEST(PatternsTest, TableSlicedToTheSequenceIsNotAPositionalEmbedding) {
  // torch tutorials' sinusoidal PositionalEncoding buffer pe[:, :L]: a fixed
  // table, not a parameter.
  const RoleDecision pe = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int64[1, 4] ids) => (float[1, 4, 8] y)
    <float[10, 8] emb = {0}, float[1, 100, 8] pe = {0},
     int64[1] s = {0}, int64[1] e = {4}, int64[1] ax = {1}>
    {
      tok = Gather (emb, ids)
      p = Slice (pe, s, e, ax)
      y = Add (tok, p)
    }
  )",
                                 "pe");
  EXPECT_EQ(pe.role, Role::kNotWeight);
}

TEST(PatternsTest, ResidualAnalysisMarksOnlyTheBranchWeightNotItsConstants) {
  // A scalar added on a residual branch is walked past, never marked as the
  // branch's end or projection: only the Conv weight is.
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 4, 2, 2] x) => (float[1, 4, 2, 2] y)
    <float[4, 4, 1, 1] W = {0}, float three = {3}>
    {
      r = Relu (x)
      c = Conv (r, W)
      a = Add (c, three)
      y = Add (a, r)
    }
  )");
  ModelIndex index(model);
  const ResidualFacts facts = FindResiduals(index);
  EXPECT_EQ(facts.residual_adds, 1);
  ASSERT_EQ(facts.branch_ends.size(), 1u);
  ASSERT_EQ(facts.projections.size(), 1u);
  for (const TensorSite& site : index.sites()) {
    EXPECT_EQ(facts.branch_ends.contains(site.path()), site.name() == "W")
        << site.name();
    EXPECT_EQ(facts.projections.contains(site.path()), site.name() == "W")
        << site.name();
  }
  const RoleDecision three = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 4, 2, 2] x) => (float[1, 4, 2, 2] y)
    <float[4, 4, 1, 1] W = {0}, float three = {3}>
    {
      c = Conv (x, W)
      a = Add (c, three)
      y = Add (a, x)
    }
  )",
                                    "three");
  EXPECT_EQ(three.role, Role::kNotWeight);
}

}  // namespace
}  // namespace onnx_reinit
