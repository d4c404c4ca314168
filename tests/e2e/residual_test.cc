// Residual branches found in the corpus: the tensors GPT-2's scheme scales
// and torchvision's zero_init_residual zeroes.
#include "graph/residual.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/corpus.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

std::set<std::string> Names(const ModelIndex& index,
                            const absl::flat_hash_set<std::string>& paths) {
  std::set<std::string> names;
  for (const TensorSite& site : index.sites()) {
    if (paths.contains(site.path())) names.insert(site.name());
  }
  return names;
}

TEST(ResidualTest, TransformerEncoderHasTwoOutputProjectionsPerLayer) {
  const onnx::ModelProto model =
      testing::ReadModel(testing::CorpusPath("transformer_encoder"));
  const ModelIndex index(model);
  const ResidualFacts facts = FindResiduals(index);
  EXPECT_EQ(facts.residual_adds, 8);
  EXPECT_EQ(facts.NumLayers(), 4);
  const std::set<std::string> projections = Names(index, facts.projections);
  EXPECT_EQ(projections.size(), 8u);
  for (int layer = 0; layer < 4; ++layer) {
    EXPECT_TRUE(projections.count("enc.layers." + std::to_string(layer) +
                                  ".self_attn.out_proj.weight"))
        << layer;
  }
  // The MLP's second Linear is exported as MatMul with an [in, out] tensor;
  // its name is the exporter's, so check it by what reads it.
  int mlp = 0;
  for (const std::string& name : projections)
    mlp += name.rfind("onnx::MatMul_", 0) == 0;
  EXPECT_EQ(mlp, 4);
}

TEST(ResidualTest, ResNetTrainingExportEndsEachBlockWithItsSecondBatchNorm) {
  const onnx::ModelProto model =
      testing::ReadModel(testing::CorpusPath("resnet18_train"));
  const ModelIndex index(model);
  const ResidualFacts facts = FindResiduals(index);
  EXPECT_EQ(facts.residual_adds, 8);
  const std::set<std::string> ends = Names(index, facts.branch_ends);
  EXPECT_THAT(ends, ::testing::ElementsAre(
                        "layer1.0.bn2.weight", "layer1.1.bn2.weight",
                        "layer2.0.bn2.weight", "layer2.1.bn2.weight",
                        "layer3.0.bn2.weight", "layer3.1.bn2.weight",
                        "layer4.0.bn2.weight", "layer4.1.bn2.weight"));
}

TEST(ResidualTest, FoldedResNetEndsEachBlockWithItsSecondConv) {
  const onnx::ModelProto model =
      testing::ReadModel(testing::CorpusPath("resnet18"));
  const ModelIndex index(model);
  const ResidualFacts facts = FindResiduals(index);
  EXPECT_EQ(facts.residual_adds, 8);
  EXPECT_EQ(facts.branch_ends.size(), 8u);
  EXPECT_EQ(facts.branch_ends, facts.projections);
}

TEST(ResidualTest, MobileNetInvertedResidualsEndWithTheirLastBatchNorm) {
  const onnx::ModelProto model =
      testing::ReadModel(testing::CorpusPath("mobilenet_v2"));
  const ModelIndex index(model);
  const ResidualFacts facts = FindResiduals(index);
  EXPECT_EQ(facts.residual_adds, 10);
  EXPECT_EQ(facts.branch_ends.size(), 10u);
  for (const std::string& name : Names(index, facts.branch_ends)) {
    EXPECT_THAT(name, ::testing::EndsWith(".weight"));
  }
}

TEST(ResidualTest, PlainChainHasNoResiduals) {
  const onnx::ModelProto model = testing::ReadModel(testing::CorpusPath("mlp"));
  const ModelIndex index(model);
  EXPECT_EQ(FindResiduals(index).residual_adds, 0);
}

}  // namespace
}  // namespace onnx_reinit
