// Weights that live inside nodes and nested graphs (a Constant's value, an If
// branch's initializer, a training_info graph) are rewritten where they are;
// when an encoding changes length, every enclosing length prefix follows.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reinit.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

// The If node's then-branch initializer Wt.
onnx::TensorProto* BranchWeight(onnx::ModelProto* model) {
  return model->mutable_graph()
      ->mutable_node(2)
      ->mutable_attribute(0)
      ->mutable_g()
      ->mutable_initializer(0);
}

onnx::ModelProto NestedModel() {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[2, 16] x) => (float[2, 16] y)
    {
      Wc = Constant <value = float[16, 16] {0}> ()
      h = MatMul (x, Wc)
      y = If (cond) <
        then_branch = t () => (float[2, 16] a)
          <float[16, 16] Wt = {0}> { a = MatMul (h, Wt) },
        else_branch = e () => (float[2, 16] b) { b = Identity (h) }
      >
    }
  )");
  // Fill the values so that the tensors really have 256 elements each.
  onnx::TensorProto* wc =
      model.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_t();
  wc->clear_float_data();
  for (int i = 0; i < 256; ++i) wc->add_float_data(0);
  onnx::TensorProto* wt = BranchWeight(&model);
  wt->clear_float_data();
  for (int i = 0; i < 256; ++i) wt->add_float_data(0);
  return model;
}

Report Reinit(const onnx::ModelProto& model, const std::string& dir,
              onnx::ModelProto* written) {
  testing::WriteModel(model, dir + "/in.onnx");
  ReinitOptions options;
  options.plan.rules = testing::RulesFor("normal(std=0.5)", "zeros");
  absl::StatusOr<Report> report =
      ReinitializeFile(dir + "/in.onnx", dir + "/out.onnx", options);
  EXPECT_TRUE(report.ok()) << report.status();
  *written = testing::ReadModel(dir + "/out.onnx");
  return report.value_or(Report{});
}

void ExpectNormalValues(const onnx::TensorProto& t, double std) {
  const std::vector<double> values = testing::DecodeValues(t);
  ASSERT_EQ(values.size(), 256u);
  const testing::Moments m = testing::ComputeMoments(values);
  EXPECT_NEAR(m.mean, 0, 6 * std / 16);
  EXPECT_NEAR(m.std, std, 6 * std * std::sqrt(0.5) / 16);
}

TEST(NestedStorageTest, ConstantValueAndBranchInitializerAreRewrittenInPlace) {
  const std::string dir = testing::MakeTempDir();
  const onnx::ModelProto model = NestedModel();
  onnx::ModelProto written;
  const Report report = Reinit(model, dir, &written);
  int rewritten = 0;
  for (const TensorRecord& r : report.tensors())
    rewritten += r.action() == "rewrite";
  EXPECT_EQ(rewritten, 2);
  ExpectNormalValues(
      *testing::TensorAtPath(written, "graph/node[0]/attribute[0]/t"), 0.5);
  ExpectNormalValues(
      *testing::TensorAtPath(written,
                             "graph/node[2]/attribute[0]/g/initializer[0]"),
      0.5);
  // Same length; putting the old values back gives the input.
  EXPECT_EQ(testing::ReadFile(dir + "/out.onnx").size(),
            testing::ReadFile(dir + "/in.onnx").size());
  for (const char* path : {"graph/node[0]/attribute[0]/t",
                           "graph/node[2]/attribute[0]/g/initializer[0]"}) {
    *testing::TensorAtPath(&written, path)->mutable_float_data() =
        testing::TensorAtPath(model, path)->float_data();
  }
  EXPECT_EQ(written.SerializeAsString(), model.SerializeAsString());
}

TEST(NestedStorageTest,
     Float16VarintsInsideABranchRewriteEveryEnclosingLength) {
  onnx::ModelProto model = NestedModel();
  onnx::TensorProto* wt = BranchWeight(&model);
  wt->clear_float_data();
  wt->set_data_type(onnx::TensorProto::FLOAT16);
  for (int i = 0; i < 256; ++i) wt->add_int32_data(0);  // 1-byte varints
  wt->set_doc_string("kept");
  model.set_doc_string("model doc after the graph");
  const std::string dir = testing::MakeTempDir();
  onnx::ModelProto written;
  Reinit(model, dir, &written);
  // The file grew (2-3 byte varints), and it still parses into the same
  // structure: the node, attribute, subgraph and graph lengths all moved.
  EXPECT_GT(testing::ReadFile(dir + "/out.onnx").size(),
            testing::ReadFile(dir + "/in.onnx").size());
  const onnx::TensorProto* out = testing::TensorAtPath(
      written, "graph/node[2]/attribute[0]/g/initializer[0]");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->doc_string(), "kept");
  ExpectNormalValues(*out, 0.5);
  EXPECT_EQ(written.doc_string(), "model doc after the graph");
  onnx::ModelProto restored = written;
  *testing::TensorAtPath(&restored,
                         "graph/node[2]/attribute[0]/g/initializer[0]")
       ->mutable_int32_data() = wt->int32_data();
  *testing::TensorAtPath(&restored, "graph/node[0]/attribute[0]/t")
       ->mutable_float_data() =
      testing::TensorAtPath(model, "graph/node[0]/attribute[0]/t")
          ->float_data();
  EXPECT_EQ(restored.SerializeAsString(), model.SerializeAsString());
}

TEST(NestedStorageTest, SameNameInTwoBranchesGetsDifferentValues) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[2, 4] x) => (float[2, 4] y)
    {
      y = If (cond) <
        then_branch = t () => (float[2, 4] a)
          <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}> { a = MatMul (x, W) },
        else_branch = e () => (float[2, 4] b)
          <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}> { b = MatMul (x, W) }
      >
    }
  )");
  const std::string dir = testing::MakeTempDir();
  onnx::ModelProto written;
  Reinit(model, dir, &written);
  const auto a = testing::DecodeValues(*testing::TensorAtPath(
      written, "graph/node[0]/attribute[0]/g/initializer[0]"));
  const auto b = testing::DecodeValues(*testing::TensorAtPath(
      written, "graph/node[0]/attribute[1]/g/initializer[0]"));
  ASSERT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace onnx_reinit
