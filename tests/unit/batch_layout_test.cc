// batch/layout.h: where each model of a batch is written, what is refused
// before anything is read, how shards split a batch, and the derived seeds.
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "batch/layout.h"
#include "gtest/gtest.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {
namespace {

// Inputs as FindModels would list them: folders and files with canonical
// paths under /data.
FoundInputs Found(const std::vector<std::pair<std::string, bool>>& roots,
                  const std::vector<std::pair<int, std::string>>& models) {
  FoundInputs found;
  for (const auto& [path, is_folder] : roots) {
    InputRoot root;
    root.path = path;
    root.canonical = path;
    root.is_folder = is_folder;
    found.roots.push_back(root);
  }
  for (const auto& [root, relative] : models) {
    FoundModel m;
    m.root = root;
    const InputRoot& r = found.roots[root];
    m.relative = relative;
    m.path = r.is_folder ? r.path + "/" + relative : r.path;
    m.canonical = m.path;
    found.models.push_back(m);
  }
  return found;
}

LayoutOptions To(const std::string& out) {
  LayoutOptions options;
  options.out = out;
  options.out_canonical = out;
  return options;
}

std::vector<std::string> Outputs(const std::vector<BatchModel>& models) {
  std::vector<std::string> outputs;
  for (const BatchModel& m : models) outputs.push_back(m.output);
  return outputs;
}

TEST(BatchLayoutTest, FolderTreeMirrorsIntoOutSortedByRelativePath) {
  const FoundInputs found =
      Found({{"/data/in", true}},
            {{0, "b/model.onnx"}, {0, "a/x/model.onnx"}, {0, "top.onnx"}});
  absl::StatusOr<std::vector<BatchModel>> models =
      LayOutBatch(found, To("/out"));
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_EQ(Outputs(*models),
            (std::vector<std::string>{"/out/a/x/model.onnx",
                                      "/out/b/model.onnx", "/out/top.onnx"}));
  EXPECT_EQ((*models)[0].input, "/data/in/a/x/model.onnx");
  EXPECT_TRUE(IsBatch(found));
}

TEST(BatchLayoutTest, OneFileIsNotABatchButTwoFilesOrAFolderAre) {
  EXPECT_FALSE(IsBatch(Found({{"/data/m.onnx", false}}, {{0, "m.onnx"}})));
  EXPECT_TRUE(IsBatch(Found({{"/data/m.onnx", false}, {"/data/n.onnx", false}},
                            {{0, "m.onnx"}, {1, "n.onnx"}})));
  EXPECT_TRUE(IsBatch(Found({{"/data/d", true}}, {})));
}

TEST(BatchLayoutTest, OutInsideAnInputFolderIsRefused) {
  const FoundInputs found = Found({{"/data/in", true}}, {{0, "m.onnx"}});
  EXPECT_EQ(LayOutBatch(found, To("/data/in/out")).status(),
            absl::InvalidArgumentError(
                "-o \"/data/in/out\" lies inside the input folder "
                "\"/data/in\"; choose an output folder outside it"));
  EXPECT_EQ(LayOutBatch(found, To("/data/in")).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A sibling whose name starts with the input's is not inside it.
  EXPECT_TRUE(LayOutBatch(found, To("/data/in2")).ok());
}

TEST(BatchLayoutTest, InputFolderInsideOutIsRefused) {
  const FoundInputs found = Found({{"/data/out/in", true}}, {{0, "m.onnx"}});
  EXPECT_EQ(LayOutBatch(found, To("/data/out")).status(),
            absl::InvalidArgumentError(
                "the input folder \"/data/out/in\" lies inside -o "
                "\"/data/out\"; choose an output folder outside it"));
}

TEST(BatchLayoutTest, TwoInputsWrittenToOneOutputAreRefused) {
  const FoundInputs found = Found({{"/data/a", true}, {"/data/b", true}},
                                  {{0, "m.onnx"}, {1, "m.onnx"}});
  EXPECT_EQ(LayOutBatch(found, To("/out")).status(),
            absl::InvalidArgumentError(
                "\"/data/a/m.onnx\" and \"/data/b/m.onnx\" would both be "
                "written to \"/out/m.onnx\""));
  // In place, each is its own output.
  LayoutOptions in_place;
  in_place.in_place = true;
  absl::StatusOr<std::vector<BatchModel>> models = LayOutBatch(found, in_place);
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_EQ(Outputs(*models),
            (std::vector<std::string>{"/data/a/m.onnx", "/data/b/m.onnx"}));
}

TEST(BatchLayoutTest, AFileWrittenOverItselfNeedsInPlace) {
  const FoundInputs found =
      Found({{"/out/m.onnx", false}, {"/data/n.onnx", false}},
            {{0, "m.onnx"}, {1, "n.onnx"}});
  EXPECT_EQ(LayOutBatch(found, To("/out")).status(),
            absl::InvalidArgumentError("\"/out/m.onnx\" is the input model; "
                                       "pass --in_place to replace it"));
}

TEST(BatchLayoutTest, ShardsAreDisjointAndTogetherHoldEveryModel) {
  std::vector<std::pair<int, std::string>> listed;
  for (int i = 0; i < 23; ++i) {
    listed.push_back({0, "m" + std::to_string(100 + i) + ".onnx"});
  }
  const FoundInputs found = Found({{"/data/in", true}}, listed);
  std::multiset<std::string> seen;
  for (int index = 0; index < 4; ++index) {
    LayoutOptions options = To("/out");
    options.shard = {index, 4};
    absl::StatusOr<std::vector<BatchModel>> models =
        LayOutBatch(found, options);
    ASSERT_TRUE(models.ok()) << models.status();
    EXPECT_EQ(models->size(), index < 3 ? 6u : 5u) << "shard " << index;
    for (size_t k = 0; k < models->size(); ++k) {
      // Index in the sorted list is index + 4k.
      EXPECT_EQ((*models)[k].relative,
                "m" + std::to_string(100 + index + 4 * k) + ".onnx");
      seen.insert((*models)[k].relative);
    }
  }
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 23u);
}

TEST(BatchLayoutTest, SeedIsTheSameForEveryModelUnlessDerivedFromPath) {
  const FoundInputs found =
      Found({{"/data/in", true}}, {{0, "a.onnx"}, {0, "b/a.onnx"}});
  LayoutOptions options = To("/out");
  options.seed = 42;
  absl::StatusOr<std::vector<BatchModel>> same = LayOutBatch(found, options);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)[0].seed, 42u);
  EXPECT_EQ((*same)[1].seed, 42u);
  options.seed_from = SeedFrom::kPath;
  absl::StatusOr<std::vector<BatchModel>> derived = LayOutBatch(found, options);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ((*derived)[0].seed, SeedForPath(42, "a.onnx"));
  EXPECT_EQ((*derived)[1].seed, SeedForPath(42, "b/a.onnx"));
  EXPECT_NE((*derived)[0].seed, (*derived)[1].seed);
}

TEST(BatchLayoutTest, DerivedSeedIsTheDocumentedSha1Prefix) {
  // SHA-1("onnx-reinit seed_from=path\n0\na.onnx"), first 16 hex digits:
  // printf 'onnx-reinit seed_from=path\n0\na.onnx' | sha1sum
  EXPECT_EQ(SeedForPath(0, "a.onnx"), uint64_t{0x24cc3e7f547b82e8});
  EXPECT_NE(SeedForPath(1, "a.onnx"), SeedForPath(0, "a.onnx"));
}

TEST(BatchLayoutTest, ShardAndSeedFromTextAreChecked) {
  absl::StatusOr<Shard> shard = ParseShard("2/5");
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 5);
  for (const char* bad : {"5/5", "-1/3", "1", "1/0", "a/b", "1/2/3", "+1/2"}) {
    EXPECT_EQ(ParseShard(bad).status(),
              absl::InvalidArgumentError(
                  std::string("--shard takes I/N with whole numbers 0 <= I < "
                              "N, got \"") +
                  bad + "\""))
        << bad;
  }
  EXPECT_EQ(ParseSeedFrom("path").value(), SeedFrom::kPath);
  EXPECT_EQ(ParseSeedFrom("name").status(),
            absl::InvalidArgumentError(
                "--seed_from takes none or path, got \"name\""));
}

}  // namespace
}  // namespace onnx_reinit
