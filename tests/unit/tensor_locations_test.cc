// The scan's tensors are joined with the parsed model's without paths: each
// site of the index is found at the scanned tensor whose path (TensorPath,
// from its envelopes) is the site's path, in the main graph, Constant
// values, nested subgraphs and training graphs; and the scan keeps only the
// envelopes on the way to a tensor.
#include "io/tensor_locations.h"

#include <string>

#include "absl/types/span.h"
#include "graph/model_index.h"
#include "gtest/gtest.h"
#include "io/wire_scan.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

struct Scanned {
  ModelLayout layout;
  onnx::ModelProto weightless;
};

Scanned Scan(const onnx::ModelProto& model) {
  const std::string bytes = model.SerializeAsString();
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(scanned.ok()) << scanned.status();
  Scanned out;
  if (!scanned.ok()) return out;
  out.layout = std::move(scanned->layout);
  EXPECT_TRUE(out.weightless.ParseFromString(scanned->weightless));
  return out;
}

TEST(TensorLocationsTest, EverySiteIsFoundAtTheTensorWithItsPath) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (bool cond, float[2, 4] x) => (float[2, 4] y)
    <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}>
    {
      C = Constant <value = float[4, 4] {0}> ()
      h = MatMul (x, W)
      k = MatMul (h, C)
      y = If (cond) <
        then_branch = t () => (float[2, 4] a)
          <float[4, 4] V = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}> { a = MatMul (k, V) },
        else_branch = e () => (float[2, 4] b) {
          D = Constant <value = float[4, 4] {0}> ()
          b = MatMul (k, D)
        }
      >
    }
  )");
  *model.add_training_info()->mutable_initialization() = model.graph();
  const Scanned scanned = Scan(model);
  const TensorLocations locations(scanned.weightless, scanned.layout);
  const ModelIndex index(scanned.weightless);
  ASSERT_EQ(index.sites().size(), 8u);
  ASSERT_EQ(scanned.layout.tensors.size(), 8u);
  for (const TensorSite& site : index.sites()) {
    SCOPED_TRACE(site.path());
    const int found = locations.Find(site.tensor);
    ASSERT_GE(found, 0);
    EXPECT_EQ(TensorPath(scanned.layout, found), site.path());
  }
  EXPECT_EQ(locations.Find(&model.graph().initializer(0)), -1);  // not its
}

TEST(TensorLocationsTest, OnlyEnvelopesOnTheWayToATensorAreKept) {
  const onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 4] x) => (float[2, 4] y)
    <float[4, 4] W = {0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0}>
    {
      r = Relu (x)
      h = MatMul (r, W)
      y = Relu (h)
    }
  )");
  const Scanned scanned = Scan(model);
  ASSERT_EQ(scanned.layout.tensors.size(), 1u);
  ASSERT_EQ(scanned.layout.envelopes.size(), 2u);  // the graph, W
  EXPECT_EQ(scanned.layout.envelopes[1].parent, 0);
  EXPECT_EQ(scanned.layout.envelopes[1].index, 0);
  EXPECT_EQ(scanned.layout.envelopes[0].index, -1);
  EXPECT_EQ(TensorPath(scanned.layout, 0), "graph/initializer[0]");
}

}  // namespace
}  // namespace onnx_reinit
