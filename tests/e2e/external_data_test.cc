// Models whose weights live in external data files: the output is the model
// plus its data files at the same relative locations in the output folder,
// weights rewritten in the copies, every other byte copied, checksums
// recomputed, and hostile locations refused with nothing left behind.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/sha1.h"
#include "reinit.h"
#include "rules/rules.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/run_cli.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::WriteFile;

// y = Gemm(x, W, B) with W [64, 32] and B [32] stored in `location` after a
// 16-byte header and with a 12-byte trailer that are not tensor values; a
// shape tensor (not a weight) stored there too.
struct ExternalModel {
  onnx::ModelProto model;
  std::string data;  // the data file's bytes
  uint64_t w_offset = 16, b_offset = 0, s_offset = 0;
};

ExternalModel MakeModel(const std::string& location, bool with_checksum) {
  ExternalModel m;
  m.model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[2, 64] x) => (float[2, 32] y)
    <float[64, 32] W = {0}, float[32] B = {0}>
    {
      y = Gemm (x, W, B)
    }
  )");
  m.data = std::string(16, 'H');             // header
  m.data += std::string(64 * 32 * 4, '\0');  // W
  m.b_offset = m.data.size();
  m.data += std::string(32 * 4, '\0');  // B
  m.data += "trailer-bytes";
  auto externalize = [&](onnx::TensorProto* t, uint64_t offset,
                         uint64_t length) {
    t->clear_float_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [t](const std::string& k, const std::string& v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
    if (with_checksum) add("checksum", std::string(40, '0'));
  };
  externalize(m.model.mutable_graph()->mutable_initializer(0), m.w_offset,
              64 * 32 * 4);
  externalize(m.model.mutable_graph()->mutable_initializer(1), m.b_offset,
              32 * 4);
  return m;
}

void WriteExternalModel(const ExternalModel& m, const std::string& dir,
                        const std::string& location) {
  const std::string folder =
      dir + "/" + location.substr(0, location.rfind('/'));
  if (location.find('/') != std::string::npos) ::mkdir(folder.c_str(), 0755);
  testing::WriteModel(m.model, dir + "/model.onnx");
  WriteFile(dir + "/" + location, m.data);
}

std::vector<float> Floats(const std::string& bytes, uint64_t offset, size_t n) {
  std::vector<float> v(n);
  std::memcpy(v.data(), bytes.data() + offset, n * 4);
  return v;
}

ReinitOptions Options() {
  ReinitOptions options;
  options.plan.rules = testing::RulesFor("xavier_uniform", "fan_in_uniform");
  options.rewrite.seed = 3;
  return options;
}

TEST(ExternalDataTest, RewritesWeightsInACopyOfTheDataFileAndKeepsOtherBytes) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  const ExternalModel m = MakeModel("weights/data.bin", /*with_checksum=*/true);
  WriteExternalModel(m, in, "weights/data.bin");
  absl::StatusOr<Report> report =
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ListDir(out), (std::vector<std::string>{"model.onnx", "weights"}));
  EXPECT_EQ(ListDir(out + "/weights"), std::vector<std::string>{"data.bin"});
  // The input is untouched.
  EXPECT_EQ(ReadFile(in + "/weights/data.bin"), m.data);

  const std::string data = ReadFile(out + "/weights/data.bin");
  ASSERT_EQ(data.size(), m.data.size());
  EXPECT_EQ(data.substr(0, 16), m.data.substr(0, 16));
  EXPECT_EQ(data.substr(m.b_offset + 128), m.data.substr(m.b_offset + 128));
  // W: xavier_uniform, bound √(6/96); B: U(±1/√64).
  const double bound = std::sqrt(6.0 / 96);
  const std::vector<float> w = Floats(data, m.w_offset, 64 * 32);
  std::vector<double> wd(w.begin(), w.end());
  const testing::Moments mw = testing::ComputeMoments(wd);
  EXPECT_LE(mw.max, bound);
  EXPECT_GE(mw.min, -bound);
  EXPECT_NEAR(mw.std, bound / std::sqrt(3.0),
              6 * bound / std::sqrt(3.0) * std::sqrt(0.2) / std::sqrt(2048.0));
  for (float b : Floats(data, m.b_offset, 32)) EXPECT_LE(std::abs(b), 0.125f);

  // Every checksum entry holds the new file's SHA-1.
  const onnx::ModelProto written = testing::ReadModel(out + "/model.onnx");
  Sha1 sha;
  sha.Update(data.data(), data.size());
  for (const auto& t : written.graph().initializer()) {
    bool found = false;
    for (const auto& e : t.external_data()) {
      if (e.key() == "checksum") {
        EXPECT_EQ(e.value(), sha.HexDigest()) << t.name();
        found = true;
      }
    }
    EXPECT_TRUE(found) << t.name();
  }
  // Apart from the checksums, the model is the input model.
  onnx::ModelProto restored = written;
  for (auto& t : *restored.mutable_graph()->mutable_initializer()) {
    for (auto& e : *t.mutable_external_data()) {
      if (e.key() == "checksum") e.set_value(std::string(40, '0'));
    }
  }
  EXPECT_EQ(restored.SerializeAsString(), m.model.SerializeAsString());
}

TEST(ExternalDataTest, WritingNextToTheInputIsRefusedUnlessInPlace) {
  const std::string in = MakeTempDir();
  const ExternalModel m = MakeModel("data.bin", /*with_checksum=*/false);
  WriteExternalModel(m, in, "data.bin");
  absl::StatusOr<Report> next_to =
      ReinitializeFile(in + "/model.onnx", in + "/other.onnx", Options());
  ASSERT_FALSE(next_to.ok());
  EXPECT_EQ(next_to.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ListDir(in), (std::vector<std::string>{"data.bin", "model.onnx"}));
  EXPECT_EQ(ReadFile(in + "/data.bin"), m.data);

  absl::StatusOr<Report> in_place =
      ReinitializeFile(in + "/model.onnx", in + "/model.onnx", Options());
  ASSERT_TRUE(in_place.ok()) << in_place.status();
  EXPECT_EQ(ListDir(in), (std::vector<std::string>{"data.bin", "model.onnx"}));
  EXPECT_NE(ReadFile(in + "/data.bin"), m.data);
  EXPECT_EQ(ReadFile(in + "/data.bin").size(), m.data.size());
}

TEST(ExternalDataTest, HostileLocationsAreRefusedAndNothingIsWritten) {
  struct Case {
    std::string location;
    std::string message_part;
  };
  for (const Case& c : std::vector<Case>{
           {"../escape.bin", "leaves the model folder"},
           {"/etc/passwd", "absolute"},
           {"#marker", "is an in-memory marker, not a file"},
       }) {
    SCOPED_TRACE(c.location);
    const std::string in = MakeTempDir(), out = MakeTempDir();
    ExternalModel m = MakeModel(c.location, false);
    testing::WriteModel(m.model, in + "/model.onnx");
    absl::StatusOr<Report> r =
        ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << r.status();
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << r.status();
    EXPECT_TRUE(ListDir(out).empty());
  }
}

TEST(ExternalDataTest, SymlinkedDataFileIsRefused) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  const ExternalModel m = MakeModel("data.bin", false);
  testing::WriteModel(m.model, in + "/model.onnx");
  WriteFile(in + "/real.bin", m.data);
  ASSERT_EQ(::symlink((in + "/real.bin").c_str(), (in + "/data.bin").c_str()),
            0);
  auto r = testing::RunCli({in + "/model.onnx", "-o", out + "/model.onnx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("data.bin"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_TRUE(ListDir(out).empty());
}

TEST(ExternalDataTest, LengthThatDisagreesWithDimsIsRefused) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  ExternalModel m = MakeModel("data.bin", false);
  m.model.mutable_graph()
      ->mutable_initializer(1)
      ->mutable_external_data(2)
      ->set_value("100");
  WriteExternalModel(m, in, "data.bin");
  absl::StatusOr<Report> r =
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"B\""), std::string::npos)
      << r.status();
  EXPECT_TRUE(ListDir(out).empty());
}

TEST(ExternalDataTest, TwoSpellingsOfOneLocationAreOneFile) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  ExternalModel m = MakeModel("data.bin", /*with_checksum=*/true);
  m.model.mutable_graph()
      ->mutable_initializer(1)
      ->mutable_external_data(0)
      ->set_value("./sub/../data.bin");
  WriteExternalModel(m, in, "data.bin");
  absl::StatusOr<Report> r =
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ListDir(out), (std::vector<std::string>{"data.bin", "model.onnx"}));
  const std::string data = ReadFile(out + "/data.bin");
  Sha1 sha;
  sha.Update(data.data(), data.size());
  const onnx::ModelProto written = testing::ReadModel(out + "/model.onnx");
  for (const auto& t : written.graph().initializer()) {
    EXPECT_EQ(t.external_data(3).key(), "checksum");
    EXPECT_EQ(t.external_data(3).value(), sha.HexDigest()) << t.name();
  }
  // Both tensors were rewritten in the one file.
  EXPECT_NE(data.substr(m.b_offset, 128), m.data.substr(m.b_offset, 128));
  EXPECT_NE(data.substr(m.w_offset, 64), m.data.substr(m.w_offset, 64));
}

TEST(ExternalDataTest, InlineModelMovesLargeInitializersToOneDataFile) {
  const std::string out = MakeTempDir();
  ReinitOptions options = Options();
  RuleOptions rules;
  rules.cli_rules = {"role=bias:keep"};
  absl::StatusOr<RuleSet> set = RuleSet::Build(rules);
  ASSERT_TRUE(set.ok());
  options.plan.rules = &*set;
  options.storage.mode = StorageOptions::Mode::kExternal;
  options.storage.threshold = 1024;
  const std::string input = testing::CorpusPath("mlp");
  absl::StatusOr<Report> report =
      ReinitializeFile(input, out + "/m.onnx", options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(ListDir(out), (std::vector<std::string>{"m.onnx", "m.onnx.data"}));
  const std::string data = ReadFile(out + "/m.onnx.data");
  const onnx::ModelProto in_model = testing::ReadModel(input);
  const onnx::ModelProto written = testing::ReadModel(out + "/m.onnx");
  ASSERT_EQ(written.graph().initializer_size(),
            in_model.graph().initializer_size());
  for (int i = 0; i < written.graph().initializer_size(); ++i) {
    const onnx::TensorProto& t = written.graph().initializer(i);
    const onnx::TensorProto& original = in_model.graph().initializer(i);
    if (original.raw_data().size() < 1024) {
      EXPECT_EQ(t.data_location(), onnx::TensorProto::DEFAULT) << t.name();
      continue;
    }
    ASSERT_EQ(t.data_location(), onnx::TensorProto::EXTERNAL) << t.name();
    EXPECT_TRUE(t.raw_data().empty());
    uint64_t offset = 0, length = 0;
    for (const auto& e : t.external_data()) {
      if (e.key() == "offset") offset = std::stoull(e.value());
      if (e.key() == "length") length = std::stoull(e.value());
      if (e.key() == "location") {
        EXPECT_EQ(e.value(), "m.onnx.data");
      }
    }
    ASSERT_EQ(length, original.raw_data().size());
    if (length >= (1 << 20)) {
      EXPECT_EQ(offset % 65536, 0u) << t.name();
    }
    const std::string bytes = data.substr(offset, length);
    if (t.name().find("bias") != std::string::npos) {
      EXPECT_EQ(bytes, original.raw_data()) << t.name();  // kept: copied
    } else {
      std::vector<double> v;
      for (float f : Floats(bytes, 0, length / 4)) v.push_back(f);
      const testing::Moments m = testing::ComputeMoments(v);
      EXPECT_GT(m.std, 0) << t.name();  // rewritten in the data file
    }
    // Everything but the value storage is as it was.
    onnx::TensorProto stripped = t, expected = original;
    stripped.clear_external_data();
    stripped.clear_data_location();
    expected.clear_raw_data();
    EXPECT_EQ(stripped.SerializeAsString(), expected.SerializeAsString());
  }
}

TEST(ExternalDataTest, ExternalModelComesBackInlineByteForByte) {
  // mlp -> external (everything kept) -> inline (everything kept) gives the
  // original file back, byte for byte; with the weights rewritten on the way
  // back, only their values differ.
  RuleOptions keep_all;
  keep_all.cli_rules = {"role=weight|bias:keep"};
  absl::StatusOr<RuleSet> keep = RuleSet::Build(keep_all);
  ASSERT_TRUE(keep.ok());
  const std::string mid = MakeTempDir(), back = MakeTempDir(),
                    fresh = MakeTempDir();
  ReinitOptions options;
  options.plan.rules = &*keep;
  options.storage.mode = StorageOptions::Mode::kExternal;
  const std::string input = testing::CorpusPath("mlp");
  ASSERT_TRUE(ReinitializeFile(input, mid + "/m.onnx", options).ok());
  options.storage.mode = StorageOptions::Mode::kInline;
  absl::StatusOr<Report> r =
      ReinitializeFile(mid + "/m.onnx", back + "/m.onnx", options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ListDir(back), std::vector<std::string>{"m.onnx"});
  EXPECT_EQ(ReadFile(back + "/m.onnx"), ReadFile(input));

  ReinitOptions rewrite = Options();
  rewrite.storage.mode = StorageOptions::Mode::kInline;
  r = ReinitializeFile(mid + "/m.onnx", fresh + "/m.onnx", rewrite);
  ASSERT_TRUE(r.ok()) << r.status();
  const onnx::ModelProto in_model = testing::ReadModel(input);
  onnx::ModelProto written = testing::ReadModel(fresh + "/m.onnx");
  for (int i = 0; i < written.graph().initializer_size(); ++i) {
    onnx::TensorProto* t = written.mutable_graph()->mutable_initializer(i);
    EXPECT_EQ(t->data_location(), onnx::TensorProto::DEFAULT);
    EXPECT_EQ(t->raw_data().size(),
              in_model.graph().initializer(i).raw_data().size());
    t->set_raw_data(in_model.graph().initializer(i).raw_data());
  }
  EXPECT_EQ(written.SerializeAsString(), in_model.SerializeAsString());
}

TEST(ExternalDataTest, AFailedModelCommitPutsThePreviousDataFilesBack) {
  const std::string in = MakeTempDir(), out = MakeTempDir();
  const ExternalModel m = MakeModel("weights/data.bin", /*with_checksum=*/true);
  WriteExternalModel(m, in, "weights/data.bin");
  // A previous output's data file, and a folder where the model goes: the
  // model's rename fails after the data files are in place.
  ASSERT_EQ(::mkdir((out + "/weights").c_str(), 0755), 0);
  WriteFile(out + "/weights/data.bin", "previous");
  ASSERT_EQ(::mkdir((out + "/model.onnx").c_str(), 0755), 0);
  absl::StatusOr<Report> report =
      ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(ListDir(out), (std::vector<std::string>{"model.onnx", "weights"}));
  EXPECT_EQ(ListDir(out + "/weights"), std::vector<std::string>{"data.bin"});
  EXPECT_EQ(ReadFile(out + "/weights/data.bin"), "previous");
  EXPECT_EQ(ListDir(out + "/model.onnx"), std::vector<std::string>{});

  // Without a previous file, the new one is removed.
  ASSERT_EQ(::unlink((out + "/weights/data.bin").c_str()), 0);
  report = ReinitializeFile(in + "/model.onnx", out + "/model.onnx", Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(ListDir(out + "/weights"), std::vector<std::string>{});
}

}  // namespace
}  // namespace onnx_reinit
