// Issue 11: every element-wise strategy writes the same bytes at every SIMD
// level (avx512, avx2, baseline) and every thread count (1, 2, 8), on the
// corpus (FLOAT) and on models of FLOAT16 (raw and int32_data), BFLOAT16 and
// DOUBLE weights. A level this CPU lacks is skipped, and the test says so.
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "reinit.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "util/simd_level.h"

namespace onnx_reinit {
namespace {

// Weight and bias strategies, two per run: together every element-wise
// kind (uniform, normal, random sign, truncated normal, constant) and the
// strategies built on them.
const std::vector<std::pair<std::string, std::string>>& StrategyPairs() {
  static const std::vector<std::pair<std::string, std::string>> pairs = {
      {"he_normal", "uniform(a=-0.3, b=0.1)"},
      {"xavier_uniform", "normal(mean=0.5, std=0.02)"},
      {"truncated_normal(std=0.02)", "random_sign"},
      {"variance_scaling(mode=fan_avg)", "constant(value=0.25)"},
      {"he_normal(flavor=keras)", "truncated_normal(a=5, b=6)"},
  };
  return pairs;
}

struct Config {
  SimdLevel level;
  int threads;
};

std::vector<Config> Configs() {
  std::vector<Config> configs;
  for (SimdLevel level :
       {SimdLevel::kBaseline, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (!CpuSupports(level)) {
      std::printf("[ SKIPPED  ] --simd=%s: this CPU lacks it\n",
                  std::string(SimdLevelName(level)).c_str());
      continue;
    }
    for (int threads : {1, 2, 8}) configs.push_back({level, threads});
  }
  return configs;
}

// Writes `input` once per configuration and expects the same bytes.
void ExpectSameBytesEverywhere(const std::string& input) {
  const std::string dir = testing::MakeTempDir();
  const std::vector<Config> configs = Configs();
  for (const auto& [weights, biases] : StrategyPairs()) {
    std::string reference;
    for (const Config& config : configs) {
      ReinitOptions options;
      options.plan.rules = testing::RulesFor(weights, biases);
      options.rewrite.seed = 11;
      options.rewrite.simd = config.level;
      options.rewrite.threads = config.threads;
      const std::string output = dir + "/out.onnx";
      absl::StatusOr<Report> report = ReinitializeFile(input, output, options);
      ASSERT_TRUE(report.ok()) << report.status();
      const std::string bytes = testing::ReadFile(output);
      if (reference.empty()) {
        reference = bytes;
        continue;
      }
      ASSERT_TRUE(bytes == reference)
          << input << " with " << weights << " / " << biases
          << " differs at --simd=" << SimdLevelName(config.level)
          << " --threads=" << config.threads << " from --simd=baseline "
          << "--threads=1";
    }
  }
}

class CorpusSimdTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusSimdTest, EveryLevelAndThreadCountWritesTheSameBytes) {
  ExpectSameBytesEverywhere(testing::CorpusPath(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusSimdTest,
                         ::testing::ValuesIn(testing::CorpusModels()));

// A MatMul + Gemm model whose four initializers are given `dtype`: sizes
// that are not whole groups of 64 (60000, 200, 5800, 29 elements). With
// `varint_bias`, the first bias is stored in int32_data (FLOAT16/BFLOAT16's
// typed field) instead of raw_data.
std::string WriteTypedModel(int32_t dtype, bool varint_bias) {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[8, 300] x) => (float[8, 29] y)
    <float[1] w1 = {0}, float[1] b1 = {0}, float[1] w2 = {0},
     float[1] b2 = {0}>
    {
      h = MatMul(x, w1)
      a = Add(h, b1)
      r = Relu(a)
      y = Gemm(r, w2, b2) <transB = 1>
    }
  )");
  const std::vector<std::vector<int64_t>> dims = {
      {300, 200}, {200}, {29, 200}, {29}};
  const size_t width = dtype == onnx::TensorProto::DOUBLE  ? 8
                       : dtype == onnx::TensorProto::FLOAT ? 4
                                                           : 2;
  for (int i = 0; i < model.graph().initializer_size(); ++i) {
    onnx::TensorProto* t = model.mutable_graph()->mutable_initializer(i);
    t->set_data_type(dtype);
    t->clear_dims();
    t->clear_float_data();
    int64_t count = 1;
    for (int64_t d : dims[i]) {
      t->add_dims(d);
      count *= d;
    }
    if (varint_bias && i == 1) {
      for (int64_t k = 0; k < count; ++k) t->add_int32_data(0);
    } else {
      t->set_raw_data(std::string(static_cast<size_t>(count) * width, '\0'));
    }
  }
  for (auto* value : {model.mutable_graph()->mutable_input(0),
                      model.mutable_graph()->mutable_output(0)}) {
    value->mutable_type()->mutable_tensor_type()->set_elem_type(dtype);
  }
  const std::string path =
      absl::StrCat(testing::MakeTempDir(), "/typed_", dtype,
                   varint_bias ? "_varint" : "", ".onnx");
  testing::WriteModel(model, path);
  return path;
}

class TypedSimdTest
    : public ::testing::TestWithParam<std::tuple<int32_t, bool>> {};

TEST_P(TypedSimdTest, EveryLevelAndThreadCountWritesTheSameBytes) {
  const auto& [dtype, varint_bias] = GetParam();
  ExpectSameBytesEverywhere(WriteTypedModel(dtype, varint_bias));
}

INSTANTIATE_TEST_SUITE_P(
    Dtypes, TypedSimdTest,
    ::testing::Values(std::make_tuple(onnx::TensorProto::FLOAT16, false),
                      std::make_tuple(onnx::TensorProto::FLOAT16, true),
                      std::make_tuple(onnx::TensorProto::BFLOAT16, false),
                      std::make_tuple(onnx::TensorProto::BFLOAT16, true),
                      std::make_tuple(onnx::TensorProto::DOUBLE, false),
                      std::make_tuple(onnx::TensorProto::FLOAT, false)));

}  // namespace
}  // namespace onnx_reinit
