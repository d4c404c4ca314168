// --profile=torch on the corpus, through the library's public entry point:
// what torch's own reset_parameters would write, per layer.
//   * LSTM/GRU W, R, B: U(±1/√hidden_size), hidden_size read from the node;
//   * embeddings: N(0, 1);
//   * Linear/Conv/ConvTranspose weights and their biases: U(±1/√fan_in) of
//     the weight, fan_in as torch computes it (dims[1]·∏k for Conv and for
//     ConvTranspose alike; Gemm's K; MatMul's K), found here from the graph
//     without the library's op table;
//   * norm scales and running variances exactly 1, norm biases and running
//     means exactly 0 (BatchNormalization, and LayerNorm decomposed into
//     Mul/Add).
// Statistics are checked within 6 standard errors (for the std of a sample,
// the standard error is at most sigma·√(1/2)/√n for the uniform and normal
// distributions), bounds exactly (a value drawn inside ±b rounds to a float
// inside ±float(b)).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "reinit.h"
#include "rules/rules.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using testing::ComputeMoments;
using testing::CorpusPath;
using testing::DecodeValues;

const RuleSet* TorchRules() {
  static const RuleSet* rules = [] {
    RuleOptions options;
    options.profile = Profile::kTorch;
    absl::StatusOr<RuleSet> built = RuleSet::Build(options);
    if (!built.ok()) {
      ADD_FAILURE() << "RuleSet::Build(profile torch): " << built.status();
      built = RuleSet::Build(RuleOptions());
    }
    return new RuleSet(*std::move(built));
  }();
  return rules;
}

struct TorchRun {
  Report report;
  onnx::ModelProto in;   // the input model
  onnx::ModelProto out;  // what was written
};

// Re-initializes a corpus model with --profile=torch; fails the test (and
// returns an empty run) on error.
TorchRun RunTorchProfile(const std::string& name, uint64_t seed = 3) {
  TorchRun run;
  ReinitOptions options;
  options.plan.rules = TorchRules();
  options.rewrite.seed = seed;
  const std::string output = testing::MakeTempDir() + "/" + name + ".onnx";
  absl::StatusOr<Report> report =
      ReinitializeFile(CorpusPath(name), output, options);
  if (!report.ok()) {
    ADD_FAILURE() << name << ": " << report.status();
    return run;
  }
  run.report = *std::move(report);
  run.in = testing::ReadModel(CorpusPath(name));
  run.out = testing::ReadModel(output);
  std::remove(output.c_str());
  return run;
}

uint64_t ElementCount(const TensorRecord& r) {
  uint64_t n = 1;
  for (int64_t d : r.dims()) n *= static_cast<uint64_t>(d);
  return n;
}

// The written values of a record, checked to be all of them.
std::vector<double> WrittenValues(const TorchRun& run, const TensorRecord& r) {
  const onnx::TensorProto* t = testing::TensorAtPath(run.out, r.path());
  if (t == nullptr) {
    ADD_FAILURE() << r.name() << ": no tensor at " << r.path();
    return {};
  }
  std::vector<double> values = DecodeValues(*t);
  EXPECT_EQ(values.size(), ElementCount(r)) << r.name();
  return values;
}

// U(±bound): every value inside ±float(bound), mean 0 and std bound/√3
// within 6 standard errors.
void ExpectUniformWithin(const std::vector<double>& values, double bound,
                         const std::string& what) {
  ASSERT_FALSE(values.empty()) << what;
  const double n = static_cast<double>(values.size());
  const double sigma = bound / std::sqrt(3.0);
  const double float_bound = static_cast<float>(bound);
  size_t outside = 0;
  for (double v : values) outside += std::abs(v) > float_bound;
  EXPECT_EQ(outside, 0u) << what << ": values outside ±" << float_bound;
  const testing::Moments m = ComputeMoments(values);
  EXPECT_LE(std::abs(m.max), float_bound) << what;
  EXPECT_LE(std::abs(m.min), float_bound) << what;
  EXPECT_NEAR(m.mean, 0.0, 6 * sigma / std::sqrt(n)) << what;
  EXPECT_NEAR(m.std, sigma, 6 * sigma * std::sqrt(0.5) / std::sqrt(n)) << what;
}

std::map<std::string, const onnx::TensorProto*> Initializers(
    const onnx::ModelProto& model) {
  std::map<std::string, const onnx::TensorProto*> by_name;
  for (const auto& t : model.graph().initializer()) by_name[t.name()] = &t;
  return by_name;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name,
                     int64_t fallback) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return fallback;
}

// ---------------------------------------------------------------------------
// Recurrent layers: U(±1/√hidden_size) for W, R and B.

struct RecurrentCase {
  std::string model;
  std::string op_type;
  int64_t hidden_size;
  int layers;  // nodes of op_type in the model
};

// Test names and CTest labels show the model (not the struct's bytes).
void PrintTo(const RecurrentCase& c, std::ostream* os) { *os << c.model; }

class TorchProfileRecurrentTest
    : public ::testing::TestWithParam<RecurrentCase> {};

TEST_P(TorchProfileRecurrentTest, WeightsAndBiasesAreUniformOverHiddenSize) {
  const RecurrentCase& c = GetParam();
  const TorchRun run = RunTorchProfile(c.model);
  ASSERT_GT(run.report.tensors_size(), 0);
  const auto initializers = Initializers(run.in);

  // Which tensors must have which role, from the graph: W, R, B of every
  // recurrent node.
  std::map<std::string, std::string> expected_role;
  int nodes = 0;
  for (const auto& node : run.in.graph().node()) {
    if (node.op_type() != c.op_type) continue;
    ++nodes;
    EXPECT_EQ(IntAttribute(node, "hidden_size", 0), c.hidden_size)
        << node.name();
    const char* roles[] = {"recurrent_input", "recurrent_hidden",
                           "recurrent_bias"};
    for (int slot = 1; slot <= 3; ++slot) {
      if (slot < node.input_size() && initializers.count(node.input(slot))) {
        expected_role[node.input(slot)] = roles[slot - 1];
      }
    }
  }
  EXPECT_EQ(nodes, c.layers);
  EXPECT_EQ(expected_role.size(), static_cast<size_t>(3 * c.layers));

  // torch: stdv = 1.0 / math.sqrt(self.hidden_size)
  const double bound = 1.0 / std::sqrt(static_cast<double>(c.hidden_size));
  std::set<std::string> seen;
  for (const TensorRecord& r : run.report.tensors()) {
    const bool recurrent = r.role() == "recurrent_input" ||
                           r.role() == "recurrent_hidden" ||
                           r.role() == "recurrent_bias";
    auto it = expected_role.find(r.name());
    if (it != expected_role.end()) {
      EXPECT_EQ(r.role(), it->second) << r.name();
    }
    if (!recurrent) continue;
    seen.insert(r.name());
    SCOPED_TRACE(absl::StrCat(c.model, " ", r.name(), " (", r.role(), ")"));
    EXPECT_EQ(r.action(), "rewrite") << r.reason();
    EXPECT_EQ(r.rule(), absl::StrCat("profile torch (role=", r.role(), ")"));
    EXPECT_TRUE(absl::StartsWith(r.strategy(), "fan_out_uniform"))
        << r.strategy();
    EXPECT_EQ(r.fan_out(), c.hidden_size);
    EXPECT_EQ(r.target_bound(), bound);
    EXPECT_DOUBLE_EQ(r.target_std(), bound / std::sqrt(3.0));
    EXPECT_EQ(r.target_mean(), 0.0);
    ExpectUniformWithin(WrittenValues(run, r), bound, r.name());
  }
  for (const auto& [name, role] : expected_role) {
    EXPECT_TRUE(seen.count(name)) << name << " (" << role << ") has no "
                                  << "recurrent record";
  }
}

INSTANTIATE_TEST_SUITE_P(
    TorchProfile, TorchProfileRecurrentTest,
    ::testing::Values(RecurrentCase{"lstm_lm", "LSTM", 512, 2},
                      RecurrentCase{"gru_bidir", "GRU", 128, 1}),
    [](const ::testing::TestParamInfo<RecurrentCase>& info) {
      return info.param.model;
    });

TEST(TorchProfileTest, LstmBoundIsOneOverSqrt512) {
  const TorchRun run = RunTorchProfile("lstm_lm");
  int recurrent = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (!absl::StartsWith(r.role(), "recurrent_")) continue;
    ++recurrent;
    // 1/√512 as torch computes it, and the decimal value within 4 ulps.
    EXPECT_EQ(r.target_bound(), 1.0 / std::sqrt(512.0)) << r.name();
    EXPECT_DOUBLE_EQ(r.target_bound(), 0.04419417382415922) << r.name();
    EXPECT_DOUBLE_EQ(r.target_std(), 0.02551551815399144) << r.name();
  }
  EXPECT_EQ(recurrent, 6);
}

// ---------------------------------------------------------------------------
// Embeddings: N(0, 1).

class TorchProfileEmbeddingTest : public ::testing::TestWithParam<std::string> {
};

TEST_P(TorchProfileEmbeddingTest, EmbeddingIsStandardNormal) {
  const TorchRun run = RunTorchProfile(GetParam());
  // From the graph: initializers read as Gather data.
  const auto initializers = Initializers(run.in);
  std::set<std::string> expected;
  for (const auto& node : run.in.graph().node()) {
    if (node.op_type() == "Gather" && node.input_size() > 0 &&
        initializers.count(node.input(0)) &&
        initializers.at(node.input(0))->data_type() ==
            onnx::TensorProto::FLOAT) {
      expected.insert(node.input(0));
    }
  }
  EXPECT_EQ(expected.size(), 1u);
  int embeddings = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (expected.count(r.name())) {
      EXPECT_EQ(r.role(), "embedding") << r.name();
    }
    if (r.role() != "embedding") continue;
    ++embeddings;
    SCOPED_TRACE(absl::StrCat(GetParam(), " ", r.name()));
    EXPECT_EQ(r.action(), "rewrite") << r.reason();
    EXPECT_EQ(r.rule(), "profile torch (role=embedding)");
    EXPECT_EQ(r.target_mean(), 0.0);
    EXPECT_EQ(r.target_std(), 1.0);
    EXPECT_EQ(r.target_bound(), 0.0);
    const std::vector<double> values = WrittenValues(run, r);
    ASSERT_FALSE(values.empty());
    const double n = static_cast<double>(values.size());
    const testing::Moments m = ComputeMoments(values);
    EXPECT_NEAR(m.mean, 0.0, 6 / std::sqrt(n));
    EXPECT_NEAR(m.std, 1.0, 6 * std::sqrt(0.5) / std::sqrt(n));
    const double d = testing::KolmogorovSmirnovStatistic(
        values, [](double x) { return testing::NormalCdf(x, 0, 1); });
    EXPECT_LT(d, testing::KolmogorovSmirnovCriticalValue(values.size(), 1e-3));
    EXPECT_NEAR(r.mean(), m.mean, 1e-9);
    EXPECT_NEAR(r.std(), m.std, 1e-9);
  }
  EXPECT_EQ(embeddings, 1);
}

INSTANTIATE_TEST_SUITE_P(TorchProfile, TorchProfileEmbeddingTest,
                         ::testing::Values("lstm_lm", "transformer_encoder"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// ---------------------------------------------------------------------------
// Linear/Conv/ConvTranspose weights and biases: U(±1/√fan_in) of the weight.

// torch's fan_in of the weight read at `slot` of `node`
// (_calculate_fan_in_and_fan_out on the tensor torch holds), or -1.
int64_t TorchWeightFanIn(const onnx::NodeProto& node, int slot,
                         const onnx::TensorProto& w) {
  const auto& d = w.dims();
  const std::string& op = node.op_type();
  if ((op == "Conv" || op == "ConvTranspose") && slot == 1 && d.size() >= 3) {
    int64_t fan = d[1];
    for (int i = 2; i < d.size(); ++i) fan *= d[i];
    return fan;
  }
  if (op == "Gemm" && d.size() == 2) {
    if (slot == 1) return IntAttribute(node, "transB", 0) ? d[1] : d[0];
    if (slot == 0) return IntAttribute(node, "transA", 0) ? d[0] : d[1];
  }
  if (op == "MatMul" && d.size() >= 2) {
    if (slot == 1) return d[d.size() - 2];
    if (slot == 0) return d[d.size() - 1];
  }
  return -1;
}

struct ExpectedFan {
  std::string role;  // weight or bias
  int64_t fan_in = -1;
};

// Weights and biases of the model and their fan_in, from the graph:
// Gemm A/B and MatMul operands and Conv/ConvTranspose W are weights; Gemm C,
// Conv/ConvTranspose B, and an initializer added to the output of a MatMul
// or Gemm whose weight is an initializer are biases, with that weight's
// fan_in.
std::map<std::string, ExpectedFan> ExpectedWeightsAndBiases(
    const onnx::ModelProto& model) {
  const auto initializers = Initializers(model);
  std::map<std::string, ExpectedFan> expected;
  std::map<std::string, int64_t> fan_of_output;  // MatMul/Gemm output -> fan
  for (const auto& node : model.graph().node()) {
    const std::string& op = node.op_type();
    std::vector<int> weight_slots;
    if (op == "Gemm" || op == "MatMul") weight_slots = {0, 1};
    if (op == "Conv" || op == "ConvTranspose") weight_slots = {1};
    int64_t node_fan = -1;
    for (int s : weight_slots) {
      if (s >= node.input_size()) continue;
      auto it = initializers.find(node.input(s));
      if (it == initializers.end()) continue;
      const int64_t fan = TorchWeightFanIn(node, s, *it->second);
      expected[node.input(s)] = {"weight", fan};
      if (s == 1 || op == "Conv" || op == "ConvTranspose") node_fan = fan;
    }
    if (node_fan < 0) continue;
    if ((op == "Gemm" || op == "Conv" || op == "ConvTranspose") &&
        node.input_size() > 2 && initializers.count(node.input(2))) {
      expected[node.input(2)] = {"bias", node_fan};
    }
    if ((op == "MatMul" || op == "Gemm") && node.output_size() > 0) {
      fan_of_output[node.output(0)] = node_fan;
    }
  }
  for (const auto& node : model.graph().node()) {
    if (node.op_type() != "Add" || node.input_size() != 2) continue;
    for (int s = 0; s < 2; ++s) {
      auto fan = fan_of_output.find(node.input(1 - s));
      if (fan != fan_of_output.end() && initializers.count(node.input(s)) &&
          !expected.count(node.input(s))) {
        expected[node.input(s)] = {"bias", fan->second};
      }
    }
  }
  return expected;
}

class TorchProfileLinearConvTest
    : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchProfileLinearConvTest, WeightsAndBiasesAreUniformOverFanIn) {
  const std::string& model = GetParam();
  const TorchRun run = RunTorchProfile(model);
  const std::map<std::string, ExpectedFan> expected =
      ExpectedWeightsAndBiases(run.in);
  ASSERT_FALSE(expected.empty());
  std::set<std::string> seen;
  for (const TensorRecord& r : run.report.tensors()) {
    auto it = expected.find(r.name());
    if (it == expected.end()) {
      EXPECT_TRUE(r.role() != "weight" && r.role() != "bias")
          << r.name() << ": role " << r.role()
          << " but not a Gemm/MatMul/Conv/ConvTranspose weight or bias";
      continue;
    }
    seen.insert(r.name());
    SCOPED_TRACE(absl::StrCat(model, " ", r.name(), " (", r.op_type(), ")"));
    EXPECT_EQ(r.role(), it->second.role);
    EXPECT_EQ(r.action(), "rewrite") << r.reason();
    EXPECT_EQ(r.rule(),
              absl::StrCat("profile torch (role=", it->second.role, ")"));
    EXPECT_TRUE(absl::StartsWith(r.strategy(), "fan_in_uniform"))
        << r.strategy();
    ASSERT_GT(it->second.fan_in, 0);
    EXPECT_EQ(r.fan_in(), it->second.fan_in);
    // torch: bound = 1 / math.sqrt(fan_in)
    const double bound =
        1.0 / std::sqrt(static_cast<double>(it->second.fan_in));
    EXPECT_EQ(r.target_bound(), bound);
    EXPECT_DOUBLE_EQ(r.target_std(), bound / std::sqrt(3.0));
    EXPECT_EQ(r.target_mean(), 0.0);
    ExpectUniformWithin(WrittenValues(run, r), bound, r.name());
  }
  for (const auto& [name, fan] : expected) {
    EXPECT_TRUE(seen.count(name))
        << name << " (" << fan.role << ") has no record";
  }
}

INSTANTIATE_TEST_SUITE_P(TorchProfile, TorchProfileLinearConvTest,
                         ::testing::Values("mlp", "resnet18", "squeezenet1_1",
                                           "dcgan_generator", "lstm_lm",
                                           "transformer_encoder",
                                           "resnet18_train", "mobilenet_v2",
                                           "conv1d_conv3d_groupnorm"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// Fans and bounds with known values, one per kind of layer.
TEST(TorchProfileTest, KnownFansAndBounds) {
  struct Known {
    std::string model, tensor;
    int64_t fan_in;
    double bound;
  };
  const std::vector<Known> known = {
      {"mlp", "net.0.weight", 784, 0.03571428571428571},  // Linear 784->512
      {"mlp", "net.0.bias", 784, 0.03571428571428571},
      {"mlp", "net.4.weight", 256, 0.0625},
      {"resnet18_train", "conv1.weight", 147, 0.08247860988423225},  // 3·7·7
      {"resnet18", "fc.bias", 512, 0.044194173824159216},
      {"squeezenet1_1", "features.0.weight", 27, 0.19245008972987526},
      // depthwise [32,1,3,3]: torch ignores groups
      {"mobilenet_v2", "features.1.conv.0.0.weight", 9, 0.3333333333333333},
      {"dcgan_generator", "main.0.weight", 8192,
       0.011048543456039804},  // ConvT [100,512,4,4]: 512·4·4
      {"dcgan_generator", "main.3.weight", 4096, 0.015625},  // [512,256,4,4]
      {"lstm_lm", "out.bias", 512, 0.044194173824159216},
  };
  std::map<std::string, TorchRun> runs;
  for (const Known& k : known) {
    if (!runs.count(k.model)) runs[k.model] = RunTorchProfile(k.model);
    const Report& report = runs[k.model].report;
    const TensorRecord* found = nullptr;
    for (const TensorRecord& r : report.tensors()) {
      if (r.name() == k.tensor) found = &r;
    }
    ASSERT_NE(found, nullptr) << k.model << " " << k.tensor;
    EXPECT_EQ(found->fan_in(), k.fan_in) << k.model << " " << k.tensor;
    EXPECT_EQ(found->target_bound(), k.bound) << k.model << " " << k.tensor;
  }
}

// ---------------------------------------------------------------------------
// Normalization: scale and running variance 1, bias and running mean 0.

struct NormCase {
  std::string model;
  int per_role;     // tensors of each norm role
  bool batch_norm;  // BatchNormalization (else decomposed LayerNorm)
};

void PrintTo(const NormCase& c, std::ostream* os) { *os << c.model; }

class TorchProfileNormTest : public ::testing::TestWithParam<NormCase> {};

TEST_P(TorchProfileNormTest, ScalesOneBiasesZeroRunningStatsReset) {
  const NormCase& c = GetParam();
  const TorchRun run = RunTorchProfile(c.model);
  const auto initializers = Initializers(run.in);

  // From the graph (BatchNormalization inputs) or from the names
  // (torch's "*.norm1.weight" of a decomposed LayerNorm).
  std::map<std::string, std::string> expected_role;
  if (c.batch_norm) {
    const char* roles[] = {"norm_scale", "norm_bias", "running_mean",
                           "running_var"};
    for (const auto& node : run.in.graph().node()) {
      if (node.op_type() != "BatchNormalization") continue;
      for (int slot = 1; slot <= 4 && slot < node.input_size(); ++slot) {
        if (initializers.count(node.input(slot))) {
          expected_role[node.input(slot)] = roles[slot - 1];
        }
      }
    }
  } else {
    for (const auto& [name, t] : initializers) {
      if (!absl::StrContains(name, ".norm")) continue;
      if (absl::EndsWith(name, ".weight")) expected_role[name] = "norm_scale";
      if (absl::EndsWith(name, ".bias")) expected_role[name] = "norm_bias";
    }
  }
  EXPECT_EQ(expected_role.size(),
            static_cast<size_t>(c.per_role * (c.batch_norm ? 4 : 2)));

  std::map<std::string, int> per_role;
  for (const TensorRecord& r : run.report.tensors()) {
    auto it = expected_role.find(r.name());
    if (it != expected_role.end()) {
      EXPECT_EQ(r.role(), it->second) << r.name();
    }
    double want;
    if (r.role() == "norm_scale" || r.role() == "running_var") {
      want = 1;
    } else if (r.role() == "norm_bias" || r.role() == "running_mean") {
      want = 0;
    } else {
      continue;
    }
    ++per_role[r.role()];
    SCOPED_TRACE(absl::StrCat(c.model, " ", r.name(), " (", r.role(), ")"));
    EXPECT_TRUE(it != expected_role.end())
        << "not expected to be a norm tensor";
    EXPECT_EQ(r.action(), "rewrite") << r.reason();
    EXPECT_EQ(r.rule(), absl::StrCat("profile torch (role=", r.role(), ")"));
    EXPECT_EQ(r.target_mean(), want);
    EXPECT_EQ(r.target_std(), 0.0);
    const std::vector<double> values = WrittenValues(run, r);
    ASSERT_FALSE(values.empty());
    size_t wrong = 0;
    double first_wrong = want;
    for (double v : values) {
      if (v != want) {
        if (wrong++ == 0) first_wrong = v;
      }
    }
    EXPECT_EQ(wrong, 0u) << "values other than " << want << ", e.g. "
                         << first_wrong;
  }
  if (c.batch_norm) {
    EXPECT_EQ(per_role["running_mean"], c.per_role);
    EXPECT_EQ(per_role["running_var"], c.per_role);
  }
  EXPECT_EQ(per_role["norm_scale"], c.per_role);
  EXPECT_EQ(per_role["norm_bias"], c.per_role);
}

INSTANTIATE_TEST_SUITE_P(TorchProfile, TorchProfileNormTest,
                         ::testing::Values(NormCase{"resnet18_train", 20, true},
                                           NormCase{"transformer_encoder", 8,
                                                    false},
                                           NormCase{"dcgan_generator", 3, true},
                                           NormCase{"mobilenet_v2", 52, true}),
                         [](const ::testing::TestParamInfo<NormCase>& info) {
                           return info.param.model;
                         });

}  // namespace
}  // namespace onnx_reinit
