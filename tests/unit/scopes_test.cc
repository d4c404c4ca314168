// Name resolution follows ONNX scoping: a name that a subgraph (an If
// branch, a Loop or Scan body) or a function body declares itself hides the
// same name of the enclosing graph. An outer tensor must not take a role from
// a node that reads the inner name, and must still take its role from the
// nodes that do see it.
//
// Most models give the outer tensor one visible use with a weak role (a PRelu
// slope) and put the shadowing use in a slot with a stronger one (a MatMul or
// Gather operand): were the inner use wrongly resolved to the outer tensor,
// the stronger role would win.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "graph/model_index.h"
#include "graph/roles.h"
#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

struct Found {
  Role role = Role::kNotWeight;
  Fans fans;
  std::string why;
  std::string scope;
  std::vector<std::string> consumers;
};

// The decision for the tensor stored at `path` (util/tensor_path.h).
Found DecideAt(const onnx::ModelProto& model, const std::string& path) {
  ModelIndex index(model);
  for (const TensorSite& site : index.sites()) {
    if (site.path() != path) continue;
    absl::StatusOr<RoleDecision> d =
        DecideRole(index, site, FanConvention::kTorch);
    EXPECT_TRUE(d.ok()) << path << ": " << d.status();
    if (!d.ok()) return {};
    return {d->role, d->fans, d->why, site.scope->scope, d->consumers};
  }
  ADD_FAILURE() << "no tensor at " << path;
  return {};
}

// The main graph's first initializer, which every model here names like the
// inner value it is shadowed by.
constexpr char kOuter[] = "graph/initializer[0]";

TEST(ScopesTest, IfBranchNodeOutputHidesTheOuterInitializer) {
  // The then branch computes its own W and multiplies by it; nothing reads
  // the outer W.
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[4, 4] x) => (float[4, 4] y)
    <float[4, 4] W = {0}>
    {
      y = If (cond) <
        then_branch = t () => (float[4, 4] a) {
          W = Identity (x)
          a = MatMul (x, W)
        },
        else_branch = e () => (float[4, 4] b) { b = Identity (x) }
      >
    }
  )");
  const Found w = DecideAt(model, kOuter);
  EXPECT_EQ(w.role, Role::kNotWeight)
      << "outer W took \"" << w.why << "\" from the branch's own W";
  EXPECT_THAT(w.consumers, Not(Contains(HasSubstr("MatMul"))));
}

TEST(ScopesTest, IfBranchReadingTheOuterInitializerMakesItAWeight) {
  // The else branch reads the outer W in a MatMul; the then branch shadows W
  // and gathers from its own (which, misresolved, would make the outer W an
  // embedding: the strongest role).
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[4, 4] x, int64[2] ids) => (float[4, 4] y)
    <float[4, 4] W = {0}>
    {
      y = If (cond) <
        then_branch = t () => (float[2, 4] a) {
          W = Identity (x)
          a = Gather (W, ids)
        },
        else_branch = e () => (float[4, 4] b) { b = MatMul (x, W) }
      >
    }
  )");
  const Found w = DecideAt(model, kOuter);
  EXPECT_EQ(w.role, Role::kWeight) << w.why;
  EXPECT_EQ(w.fans.fan_in, 4);
  EXPECT_EQ(w.fans.fan_out, 4);
  EXPECT_THAT(w.consumers, Contains(HasSubstr("MatMul")));
  EXPECT_THAT(w.consumers, Not(Contains(HasSubstr("Gather"))));
}

TEST(ScopesTest, IfBranchInitializerHidesTheOuterInitializerOfTheSameName) {
  // The outer W is a PRelu slope in the main graph; the then branch declares
  // its own initializer W and multiplies by it.
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[4, 4] x) => (float[4, 4] y, float[4, 4] z)
    <float[4, 4] W = {0}>
    {
      z = PRelu (x, W)
      y = If (cond) <
        then_branch = t () => (float[4, 4] a)
          <float[4, 4] W = {0}> { a = MatMul (x, W) },
        else_branch = e () => (float[4, 4] b) { b = Identity (x) }
      >
    }
  )");
  const Found outer = DecideAt(model, kOuter);
  EXPECT_EQ(outer.role, Role::kPreluSlope) << "outer W: " << outer.why;
  EXPECT_THAT(outer.consumers, Not(Contains(HasSubstr("MatMul"))));
  const Found inner =
      DecideAt(model, "graph/node[1]/attribute[0]/g/initializer[0]");
  EXPECT_EQ(inner.role, Role::kWeight) << "inner W: " << inner.why;
  EXPECT_EQ(inner.scope, "subgraph");
  EXPECT_EQ(inner.fans.fan_in, 4);
}

TEST(ScopesTest, LoopBodyInputHidesTheOuterInitializerOfTheSameName) {
  // Outer S is the Loop's initial state and a PRelu slope; the body's own
  // input S is what the body's MatMul reads. V is read through the body.
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int64 n, bool c, float[1, 4] x) => (float[1, 4] out, float[1, 4] z)
    <float[1, 4] S = {1, 2, 3, 4}, float[4, 4] V = {0}>
    {
      z = PRelu (x, S)
      out = Loop (n, c, S) <
        body = loop_body (int64 i, bool c_in, float[1, 4] S) => (bool c_out, float[1, 4] S_next) {
          c_out = Identity (c_in)
          S_next = MatMul (S, V)
        }
      >
    }
  )");
  const Found s = DecideAt(model, kOuter);
  EXPECT_EQ(s.role, Role::kPreluSlope) << "outer S: " << s.why;
  EXPECT_THAT(s.consumers, Not(Contains(HasSubstr("MatMul"))));
  const Found v = DecideAt(model, "graph/initializer[1]");
  EXPECT_EQ(v.role, Role::kWeight) << "V: " << v.why;
  EXPECT_EQ(v.fans.fan_in, 4);
  EXPECT_EQ(v.fans.fan_out, 4);
}

TEST(ScopesTest, ScanBodyInputHidesTheOuterInitializerOfTheSameName) {
  // The body's scan input is named W like the outer initializer; the body
  // multiplies it by the outer V.
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 4] h0, float[3, 1, 4] xs, float[1, 4] x) => (float[1, 4] h_last, float[3, 1, 4] ys, float[1, 4] z)
    <float[1, 4] W = {0}, float[4, 4] V = {0}>
    {
      z = PRelu (x, W)
      h_last, ys = Scan <num_scan_inputs = 1,
        body = scan_body (float[1, 4] h, float[1, 4] W) => (float[1, 4] h_next, float[1, 4] o) {
          o = MatMul (W, V)
          h_next = Add (h, o)
        }
      > (h0, xs)
    }
  )");
  const Found w = DecideAt(model, kOuter);
  EXPECT_EQ(w.role, Role::kPreluSlope) << "outer W: " << w.why;
  EXPECT_THAT(w.consumers, Not(Contains(HasSubstr("MatMul"))));
  const Found v = DecideAt(model, "graph/initializer[1]");
  EXPECT_EQ(v.role, Role::kWeight) << "V: " << v.why;
  EXPECT_EQ(v.fans.fan_in, 4);
}

// Adds the function local.<name>(formals...) -> fy to `model`: the nodes of
// `body`'s graph (computing m), then fy = PRelu(m, a).
void AddPReluFunction(onnx::ModelProto* model, const std::string& name,
                      const std::vector<std::string>& formals,
                      const onnx::ModelProto& body) {
  onnx::FunctionProto* f = model->add_functions();
  f->set_name(name);
  f->set_domain("local");
  for (const std::string& formal : formals) f->add_input(formal);
  f->add_output("fy");
  f->add_opset_import()->set_version(14);
  for (const onnx::NodeProto& node : body.graph().node()) *f->add_node() = node;
  onnx::NodeProto* prelu = f->add_node();
  prelu->set_op_type("PRelu");
  prelu->add_input("m");
  prelu->add_input("a");
  prelu->add_output("fy");
}

// The main graph's W, passed as the formal `a`, is a PRelu slope; K, passed
// as the formal `W`, is the [4, 4] weight of the body's MatMul.
void ExpectFormalsBoundToActuals(const onnx::ModelProto& model) {
  const Found w = DecideAt(model, kOuter);
  EXPECT_EQ(w.role, Role::kPreluSlope)
      << "main W, passed as the formal a: " << w.why;
  EXPECT_THAT(w.consumers, Not(Contains(HasSubstr("MatMul"))));
  const Found k = DecideAt(model, "graph/initializer[1]");
  EXPECT_EQ(k.role, Role::kWeight) << "K, passed as the formal W: " << k.why;
  EXPECT_EQ(k.fans.fan_in, 4);
  EXPECT_EQ(k.fans.fan_out, 4);
}

TEST(ScopesTest, FunctionFormalNamedLikeAnInitializerDoesNotReadIt) {
  // local.F(fx, W, a): fy = PRelu(MatMul(fx, W), a). The main graph passes
  // its initializer W as the actual of the formal `a` (a PRelu slope) and K
  // as the actual of the formal `W`. The body's MatMul reads the formal W:
  // that makes K a weight, not the main graph's W.
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14, "local" : 1]>
    g (float[4, 4] x) => (float[4, 4] y)
    <float[4, 4] W = {0}, float[4, 4] K = {0}>
    {
      y = local.F (x, K, W)
    }
  )");
  const onnx::ModelProto body = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    body (float[4, 4] fx, float[4, 4] W) => (float[4, 4] m)
    {
      m = MatMul (fx, W)
    }
  )");
  AddPReluFunction(&model, "F", {"fx", "W", "a"}, body);
  ExpectFormalsBoundToActuals(model);
}

TEST(ScopesTest, IfInsideAFunctionBodyReadsTheFormalNotTheInitializer) {
  // local.G(c, fx, W, a): fy = PRelu(If(c, then: MatMul(fx, W), else: fx),
  // a). The If branch inside the body reads the formal W (bound to K), not
  // the main graph's W (passed as the formal a).
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14, "local" : 1]>
    g (bool cond, float[4, 4] x) => (float[4, 4] y)
    <float[4, 4] W = {0}, float[4, 4] K = {0}>
    {
      y = local.G (cond, x, K, W)
    }
  )");
  const onnx::ModelProto body = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    body (bool c, float[4, 4] fx, float[4, 4] W) => (float[4, 4] m)
    {
      m = If (c) <
        then_branch = t () => (float[4, 4] p) { p = MatMul (fx, W) },
        else_branch = e () => (float[4, 4] q) { q = Identity (fx) }
      >
    }
  )");
  AddPReluFunction(&model, "G", {"c", "fx", "W", "a"}, body);
  ExpectFormalsBoundToActuals(model);
}

TEST(ScopesTest, IfInsideLoopBodyReadsTheBodysShadowingInput) {
  // The Loop body's input S hides the outer S; an If inside the body reads
  // S (the body's) and V (the main graph's, two levels up).
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (int64 n, bool c, float[1, 4] x) => (float[1, 4] out, float[1, 4] z)
    <float[1, 4] S = {1, 2, 3, 4}, float[4, 4] V = {0}>
    {
      z = PRelu (x, S)
      out = Loop (n, c, S) <
        body = loop_body (int64 i, bool c_in, float[1, 4] S) => (bool c_out, float[1, 4] S_next) {
          c_out = Identity (c_in)
          S_next = If (c_in) <
            then_branch = t () => (float[1, 4] a) { a = MatMul (S, V) },
            else_branch = e () => (float[1, 4] b) { b = Identity (S) }
          >
        }
      >
    }
  )");
  const Found s = DecideAt(model, kOuter);
  EXPECT_EQ(s.role, Role::kPreluSlope) << "outer S: " << s.why;
  EXPECT_THAT(s.consumers, Not(Contains(HasSubstr("MatMul"))));
  const Found v = DecideAt(model, "graph/initializer[1]");
  EXPECT_EQ(v.role, Role::kWeight) << "V: " << v.why;
  EXPECT_EQ(v.fans.fan_in, 4);
  EXPECT_EQ(v.fans.fan_out, 4);
}

}  // namespace
}  // namespace onnx_reinit
