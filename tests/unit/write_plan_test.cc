// The write plan keeps what writing needs of each tensor's plan: the same
// facts as the full plan, one recipe for tensors planned alike, a path as the
// random stream's key only when two rewritten tensors share a name, and the
// external data and raw_data edits of --external_data.
#include "plan/write_plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/model_text.h"
#include "support/rules_for.h"

namespace onnx_reinit {
namespace {

using ::testing::ElementsAre;

constexpr char kTwoBranches[] = R"(
  <ir_version: 8, opset_import: ["" : 14]>
  g (bool cond, float[2, 4] x) => (float[2, 4] y)
  <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0},
   float[4] B = {0,0,0,0}, int64[2] S = {2, 4}>
  {
    h = MatMul (x, W)
    hb = Add (h, B)
    r = Reshape (hb, S)
    y = If (cond) <
      then_branch = t () => (float[2, 4] a)
        <float[4, 4] V = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}> { a = MatMul (r, V) },
      else_branch = e () => (float[2, 4] b)
        <float[4, 4] V = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}> { b = MatMul (r, V) }
    >
  }
)";

struct Planned {
  ModelLayout layout;
  std::vector<TensorPlan> full;
  WritePlan write;
};

// Planned as a run plans it: scanned, and the weightless form parsed.
Planned PlanBoth(const std::string& text) {
  const std::string bytes = testing::ParseModel(text).SerializeAsString();
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(scanned.ok()) << scanned.status();
  Planned planned;
  if (!scanned.ok()) return planned;
  planned.layout = std::move(scanned->layout);
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(scanned->weightless));
  PlanOptions options;
  options.rules = testing::RulesFor("he_normal", "zeros");
  absl::StatusOr<std::vector<TensorPlan>> full = BuildPlan(model, options);
  EXPECT_TRUE(full.ok()) << full.status();
  planned.full = full.value_or(std::vector<TensorPlan>{});
  absl::StatusOr<WritePlan> write =
      BuildWritePlan(model, planned.layout, options);
  EXPECT_TRUE(write.ok()) << write.status();
  if (write.ok()) planned.write = *std::move(write);
  return planned;
}

TEST(WritePlanTest, KeepsEachTensorsFactsAsPlanned) {
  const Planned p = PlanBoth(kTwoBranches);
  ASSERT_EQ(p.write.size(), p.full.size());
  size_t rewritten = 0;
  for (size_t i = 0; i < p.full.size(); ++i) {
    const TensorPlan& t = p.full[i];
    SCOPED_TRACE(t.path);
    EXPECT_EQ(p.write.name(i), t.name);
    EXPECT_EQ(p.write.dims(i), t.dims);
    EXPECT_EQ(p.write.element_count(i), t.element_count);
    EXPECT_EQ(p.write.dtype(i), t.dtype);
    EXPECT_EQ(p.write.rewrite(i), t.rewrite);
    ASSERT_GE(p.write.location(i), 0);
    EXPECT_EQ(TensorPath(p.layout, p.write.location(i)), t.path);
    EXPECT_TRUE(p.write.initializer(i));
    if (!t.rewrite) continue;
    ++rewritten;
    EXPECT_EQ(p.write.recipe(i).strategy, t.strategy);
    EXPECT_EQ(p.write.recipe(i).target_mean, t.target_mean);
    EXPECT_EQ(p.write.recipe(i).distribution.std, t.distribution.std);
  }
  EXPECT_EQ(p.write.rewritten(), rewritten);
}

TEST(WritePlanTest, TensorsPlannedAlikeShareOneRecipe) {
  const Planned p = PlanBoth(kTwoBranches);
  std::vector<const WritePlan::Recipe*> weights;
  for (size_t i = 0; i < p.write.size(); ++i) {
    if (p.write.rewrite(i) && p.full[i].role == Role::kWeight) {
      weights.push_back(&p.write.recipe(i));
    }
  }
  ASSERT_EQ(weights.size(), 3u);  // W and both V: fan_in 4, he_normal
  EXPECT_EQ(weights[0], weights[1]);
  EXPECT_EQ(weights[1], weights[2]);
}

TEST(WritePlanTest, APathKeysTheStreamOnlyWhenRewrittenTensorsShareAName) {
  const Planned p = PlanBoth(kTwoBranches);
  std::vector<std::string> keys;
  for (size_t i = 0; i < p.write.size(); ++i) {
    if (p.write.rewrite(i)) keys.emplace_back(p.write.key_name(i));
  }
  EXPECT_THAT(
      keys, ElementsAre("W", "B", "graph/node[3]/attribute[0]/g/initializer[0]",
                        "graph/node[3]/attribute[1]/g/initializer[0]"));
}

TEST(WritePlanTest, ExternalDataAndInlineFieldsAreSetAndCleared) {
  Planned p = PlanBoth(kTwoBranches);
  EXPECT_EQ(p.write.external(0), nullptr);
  p.write.set_external(0, WritePlan::External{"w.bin", 64, 16, true});
  ASSERT_NE(p.write.external(0), nullptr);
  EXPECT_EQ(p.write.external(0)->location, "w.bin");
  p.write.mutable_external(0)->length = 32;
  EXPECT_EQ(p.write.external(0)->length, 32u);
  p.write.set_inline_at(0, ByteRange{10, 2});
  p.write.clear_external(0);
  EXPECT_EQ(p.write.external(0), nullptr);
  ASSERT_NE(p.write.inline_at(0), nullptr);
  EXPECT_EQ(p.write.inline_at(0)->offset, 10u);
  EXPECT_EQ(p.write.inline_at(1), nullptr);
  EXPECT_EQ(p.write.key_name(0), "W");
}

}  // namespace
}  // namespace onnx_reinit
