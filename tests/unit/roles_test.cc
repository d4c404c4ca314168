// Roles and fans of tensors in every place and behind every op that a
// weight can reach, on models written as ONNX text.
#include "graph/roles.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "graph/model_index.h"
#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Found {
  Role role = Role::kNotWeight;
  Fans fans;
  std::string why;
  std::string scope;
  std::string path;
  bool quantized = false;
  std::vector<std::string> consumers;
};

// The decision for the tensor named `name` (first site with that name).
Found Decide(const onnx::ModelProto& model, const std::string& name,
             FanConvention convention = FanConvention::kTorch) {
  ModelIndex index(model);
  for (const TensorSite& site : index.sites()) {
    if (site.name() != name) continue;
    absl::StatusOr<RoleDecision> d = DecideRole(index, site, convention);
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok()) return {};
    return {d->role,     d->fans,      d->why,      site.scope->scope,
            site.path(), d->quantized, d->consumers};
  }
  ADD_FAILURE() << "no tensor named " << name;
  return {};
}

Found Decide(const std::string& text, const std::string& name) {
  return Decide(testing::ParseModel(text), name);
}

TEST(RolesTest, WeightThroughTransposeTakesFansFromThePermutedDims) {
  // torch's pre-transposed Linear: W [out=16, in=8] -> Transpose -> MatMul.
  Found w = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 16] y)
    <float[16, 8] W = {0}>
    {
      wt = Transpose <perm = [1, 0]> (W)
      y = MatMul (x, wt)
    }
  )",
                   "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 8);
  EXPECT_EQ(w.fans.fan_out, 16);
  EXPECT_THAT(w.consumers,
              ElementsAre("Transpose node #0 -> MatMul node #1 input 1"));
}

TEST(RolesTest, WeightThroughCastReshapeSqueezeUnsqueezeKeepsItsFans) {
  Found w = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 6] x) => (float[2, 4] y)
    <float[24] W = {0}, int64[2] shape = {6, 4}, int64[1] axes = {0}>
    {
      a = Cast <to = 1> (W)
      b = Reshape (a, shape)
      c = Unsqueeze (b, axes)
      d = Squeeze (c, axes)
      e = Identity (d)
      y = MatMul (x, e)
    }
  )",
                   "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 6);
  EXPECT_EQ(w.fans.fan_out, 4);
}

TEST(RolesTest, GruAndRnnParametersHavePerGateFans) {
  const std::string gru = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[3, 1, 5] x) => (float[3, 2, 1, 7] y)
    <float[2, 21, 5] W = {0}, float[2, 21, 7] R = {0}, float[2, 42] B = {0}>
    {
      y = GRU <hidden_size = 7, direction = "bidirectional"> (x, W, R, B)
    }
  )";
  Found w = Decide(gru, "W");
  EXPECT_EQ(w.role, Role::kRecurrentInput);
  EXPECT_EQ(w.fans.fan_in, 5);
  EXPECT_EQ(w.fans.fan_out, 7);
  Found b = Decide(gru, "B");
  EXPECT_EQ(b.role, Role::kRecurrentBias);
  EXPECT_EQ(b.fans.fan_out, 7);
  Found r = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[3, 1, 5] x) => (float[3, 1, 1, 6] y)
    <float[1, 6, 5] W = {0}, float[1, 6, 6] R = {0}>
    {
      y = RNN <hidden_size = 6> (x, W, R)
    }
  )",
                   "R");
  EXPECT_EQ(r.role, Role::kRecurrentHidden);
  EXPECT_EQ(r.fans.fan_in, 6);
}

TEST(RolesTest, LstmPeepholeIsItsOwnRole) {
  Found p = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[3, 1, 2] x) => (float[3, 1, 1, 4] y)
    <float[1, 16, 2] W = {0}, float[1, 16, 4] R = {0}, float[1, 12] P = {0}>
    {
      y = LSTM <hidden_size = 4> (x, W, R, , , , , P)
    }
  )",
                   "P");
  EXPECT_EQ(p.role, Role::kRecurrentPeephole);
  EXPECT_EQ(p.fans.fan_out, 4);
}

TEST(RolesTest, GatherDataIsAnEmbeddingAndIndicesAreNot) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int64[3] ids) => (float[3, 4] y, float[3, 4] z)
    <float[10, 4] E = {0}, int64[3] fixed = {1, 2, 3}>
    {
      y = Gather (E, ids)
      z = Gather (E, fixed)
    }
  )";
  EXPECT_EQ(Decide(text, "E").role, Role::kEmbedding);
  Found ids = Decide(text, "fixed");
  EXPECT_EQ(ids.role, Role::kNotWeight);
  EXPECT_EQ(ids.why, "input 1 (indices) of Gather node #1: not a weight slot");
}

TEST(RolesTest, BatchNormalizationHasFourRoles) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 3, 4, 4] x) => (float[1, 3, 4, 4] y)
    <float[3] s = {1, 1, 1}, float[3] b = {0, 0, 0}, float[3] m = {0, 0, 0},
     float[3] v = {1, 1, 1}>
    {
      y = BatchNormalization (x, s, b, m, v)
    }
  )";
  EXPECT_EQ(Decide(text, "s").role, Role::kNormScale);
  EXPECT_EQ(Decide(text, "b").role, Role::kNormBias);
  EXPECT_EQ(Decide(text, "m").role, Role::kRunningMean);
  EXPECT_EQ(Decide(text, "v").role, Role::kRunningVar);
}

TEST(RolesTest, LayerInstanceAndGroupNormalizationScalesAndBiases) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 18]>
    g (float[1, 4, 6] x) => (float[1, 4, 6] y, float[1, 4, 6] z, float[1, 4, 6] w)
    <float[6] ls = {1,1,1,1,1,1}, float[6] lb = {0,0,0,0,0,0},
     float[4] is = {1,1,1,1}, float[4] ib = {0,0,0,0},
     float[2] gs = {1,1}, float[2] gb = {0,0}>
    {
      y = LayerNormalization (x, ls, lb)
      z = InstanceNormalization (x, is, ib)
      w = GroupNormalization <num_groups = 2> (x, gs, gb)
    }
  )";
  EXPECT_EQ(Decide(text, "ls").role, Role::kNormScale);
  EXPECT_EQ(Decide(text, "lb").role, Role::kNormBias);
  EXPECT_EQ(Decide(text, "is").role, Role::kNormScale);
  EXPECT_EQ(Decide(text, "ib").role, Role::kNormBias);
  EXPECT_EQ(Decide(text, "gs").role, Role::kNormScale);
  EXPECT_EQ(Decide(text, "gb").role, Role::kNormBias);
}

TEST(RolesTest, DecomposedLayerNormScaleAndBiasAreFoundByPattern) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 8] y)
    <float[8] scale = {0}, float[8] shift = {0}, float eps = {1e-5},
     float two = {2}>
    {
      mean = ReduceMean <axes = [-1]> (x)
      d = Sub (x, mean)
      sq = Pow (d, two)
      var = ReduceMean <axes = [-1]> (sq)
      ve = Add (var, eps)
      sd = Sqrt (ve)
      n = Div (d, sd)
      m = Mul (n, scale)
      y = Add (m, shift)
    }
  )";
  Found scale = Decide(text, "scale");
  EXPECT_EQ(scale.role, Role::kNormScale);
  EXPECT_THAT(scale.why, HasSubstr("scale of a normalization"));
  EXPECT_EQ(Decide(text, "shift").role, Role::kNormBias);
  EXPECT_EQ(Decide(text, "eps").role, Role::kNotWeight);
  EXPECT_EQ(Decide(text, "two").role, Role::kNotWeight);
}

TEST(RolesTest, AddAfterMatMulIsABiasWithTheMatMulWeightsFans) {
  Found b = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 5] y)
    <float[8, 5] W = {0}, float[5] b = {0}>
    {
      h = MatMul (x, W)
      y = Add (b, h)
    }
  )",
                   "b");
  EXPECT_EQ(b.role, Role::kBias);
  EXPECT_EQ(b.fans.fan_in, 8);
  EXPECT_EQ(b.fans.fan_out, 5);
  EXPECT_THAT(b.why, HasSubstr("added after MatMul node #0"));
}

TEST(RolesTest, ScalarAddedToAComputedValueIsNotAWeight) {
  Found c = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 8] x) => (float[2, 8] y)
    <float c = {3}>
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

TEST(RolesTest, PReluSlopeIsItsOwnRole) {
  EXPECT_EQ(Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 3] x) => (float[2, 3] y)
    <float[3] slope = {0.25, 0.25, 0.25}>
    {
      y = PRelu (x, slope)
    }
  )",
                   "slope")
                .role,
            Role::kPreluSlope);
}

TEST(RolesTest, PackedAttentionWeightHasPerBlockFans) {
  const std::string text = R"(
    <ir_version: 8, opset_import: ["" : 14, "com.microsoft" : 1]>
    g (float[1, 4, 8] x) => (float[1, 4, 8] y)
    <float[8, 24] W = {0}, float[24] B = {0}>
    {
      y = com.microsoft.Attention <num_heads = 2> (x, W, B)
    }
  )";
  Found w = Decide(text, "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 8);
  EXPECT_EQ(w.fans.fan_out, 8);
  Found b = Decide(text, "B");
  EXPECT_EQ(b.role, Role::kBias);
  EXPECT_EQ(b.fans.fan_in, 8);
}

TEST(RolesTest, EinsumOperandFansComeFromTheEquation) {
  // "bij,jk->bik": j is contracted (fan_in), k only in W and the output.
  Found w = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 3, 5] x) => (float[2, 3, 7] y)
    <float[5, 7] W = {0}>
    {
      y = Einsum <equation = "bij,jk->bik"> (x, W)
    }
  )",
                   "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 5);
  EXPECT_EQ(w.fans.fan_out, 7);
}

TEST(RolesTest, ConstantNodeValueIsTreatedLikeAnInitializer) {
  Found w = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 3] x) => (float[2, 4] y)
    {
      W = Constant <value = float[3, 4] {0,0,0,0, 0,0,0,0, 0,0,0,0}> ()
      y = MatMul (x, W)
    }
  )",
                   "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.path, "graph/node[0]/attribute[0]/t");
  EXPECT_EQ(w.fans.fan_in, 3);
}

TEST(RolesTest, InitializerInsideAnIfBranchHasSubgraphScope) {
  Found w = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[2, 2] x) => (float[2, 2] y)
    {
      y = If (cond) <
        then_branch = t () => (float[2, 2] a)
          <float[2, 2] Wt = {1, 2, 3, 4}> { a = MatMul (x, Wt) },
        else_branch = e () => (float[2, 2] b) { b = Identity (x) }
      >
    }
  )",
                   "Wt");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.scope, "subgraph");
  EXPECT_EQ(w.path, "graph/node[0]/attribute[0]/g/initializer[0]");
}

TEST(RolesTest, WeightPassedToALocalFunctionTakesItsRoleFromTheBody) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14, "local" : 1]>
    g (float[2, 3] x) => (float[2, 4] y)
    <float[3, 4] W = {0}>
    {
      y = local.Linear (x, W)
    }
  )");
  onnx::FunctionProto* f = model.add_functions();
  f->set_name("Linear");
  f->set_domain("local");
  f->add_input("fx");
  f->add_input("fw");
  f->add_output("fy");
  auto* opset = f->add_opset_import();
  opset->set_version(14);
  onnx::NodeProto* node = f->add_node();
  node->set_op_type("MatMul");
  node->add_input("fx");
  node->add_input("fw");
  node->add_output("fy");
  Found w = Decide(model, "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 3);
  EXPECT_EQ(w.fans.fan_out, 4);
}

TEST(RolesTest, TrainingInfoGraphInitializerHasTrainingScope) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 3] x) => (float[2, 4] y)
    <float[3, 4] W = {0}>
    {
      y = MatMul (x, W)
    }
  )");
  onnx::ModelProto helper = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    init (float[2, 3] a) => (float[2, 5] b)
    <float[3, 5] V = {0}>
    {
      b = MatMul (a, V)
    }
  )");
  *model.add_training_info()->mutable_initialization() = helper.graph();
  Found v = Decide(model, "V");
  EXPECT_EQ(v.role, Role::kWeight);
  EXPECT_EQ(v.scope, "training");
  EXPECT_EQ(v.path, "training_info[0]/initialization/initializer[0]");
}

TEST(RolesTest, TiedEmbeddingAndLmHeadIsAnEmbedding) {
  Found e = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int64[3] ids) => (float[3, 10] logits)
    <float[10, 4] E = {0}>
    {
      h = Gather (E, ids)
      et = Transpose (E)
      logits = MatMul (h, et)
    }
  )",
                   "E");
  EXPECT_EQ(e.role, Role::kEmbedding);
  EXPECT_THAT(e.consumers,
              ElementsAre("Gather node #0 input 0",
                          "Transpose node #1 -> MatMul node #2 input 1"));
}

TEST(RolesTest, QuantizedWeightIsMarked) {
  Found q = Decide(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 3] x) => (float[2, 4] y)
    <int8[3, 4] Wq = {0}, float scale = {0.1}, int8 zp = {0}>
    {
      w = DequantizeLinear (Wq, scale, zp)
      y = MatMul (x, w)
    }
  )",
                   "Wq");
  EXPECT_EQ(q.role, Role::kWeight);
  EXPECT_TRUE(q.quantized);
}

TEST(RolesTest, InitializerThatIsAlsoAGraphInputStillHasItsRole) {
  // IR 3 style (Debian's pytorch-converted test models): W is a graph input
  // with a default value.
  Found w = Decide(R"(
    <ir_version: 3, opset_import: ["" : 9]>
    g (float[2, 3] x, float[4, 3] W) => (float[2, 4] y)
    <float[4, 3] W = {0}>
    {
      y = Gemm <transB = 1> (x, W)
    }
  )",
                   "W");
  EXPECT_EQ(w.role, Role::kWeight);
  EXPECT_EQ(w.fans.fan_in, 3);
}

}  // namespace
}  // namespace onnx_reinit
