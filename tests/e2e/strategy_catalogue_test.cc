// The structured and graph-aware strategies on the corpus, from rules as a
// user writes them: orthogonal per gate block and direction, identity,
// dirac and forget_bias exact, sparse's exact zero count per column, gpt2's
// scaled residual projections, zero_residual_branch's zeroed block ends, and
// the keras profile.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reinit.h"
#include "rules/rules.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

struct Written {
  Report report;
  onnx::ModelProto model;
};

Written Reinit(const std::string& name, RuleOptions rules_options) {
  absl::StatusOr<RuleSet> rules = RuleSet::Build(rules_options);
  EXPECT_TRUE(rules.ok()) << rules.status();
  ReinitOptions options;
  options.plan.rules = &*rules;
  options.rewrite.seed = 5;
  const std::string out = testing::MakeTempDir() + "/out.onnx";
  absl::StatusOr<Report> report =
      ReinitializeFile(testing::CorpusPath(name), out, options);
  EXPECT_TRUE(report.ok()) << report.status();
  Written written{report.value_or(Report{}), testing::ReadModel(out)};
  std::filesystem::remove_all(out.substr(0, out.rfind('/')));
  return written;
}

RuleOptions WithRules(std::vector<std::string> rules) {
  RuleOptions options;
  options.cli_rules = std::move(rules);
  return options;
}

std::vector<double> Values(const Written& run, const TensorRecord& r) {
  const onnx::TensorProto* t = testing::TensorAtPath(run.model, r.path());
  EXPECT_NE(t, nullptr) << r.path();
  return t ? testing::DecodeValues(*t) : std::vector<double>{};
}

// max |BᵀB - gain²·I| (or BBᵀ for wide blocks) over a rows x cols block.
double OrthogonalityError(const std::vector<double>& v, size_t offset,
                          int64_t rows, int64_t cols, double gain) {
  const bool wide = rows < cols;
  const int64_t n = wide ? rows : cols;
  const int64_t k = wide ? cols : rows;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t t = 0; t < k; ++t) {
        const double a =
            wide ? v[offset + i * cols + t] : v[offset + t * cols + i];
        const double b =
            wide ? v[offset + j * cols + t] : v[offset + t * cols + j];
        dot += a * b;
      }
      worst = std::max(worst, std::abs(dot - (i == j ? gain * gain : 0)));
    }
  }
  return worst;
}

TEST(StrategyCatalogueTest, OrthogonalIsPerGateBlockAndDirection) {
  const Written run = Reinit(
      "gru_bidir", WithRules({"role=recurrent_hidden:orthogonal(gain=2)"}));
  int checked = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "recurrent_hidden") continue;
    ASSERT_EQ(r.action(), "rewrite");
    const std::vector<double> v = Values(run, r);
    const int64_t d = r.dims(0), h = r.dims(2);
    const int64_t gates = r.dims(1) / h;  // GRU: 3
    EXPECT_EQ(gates, 3);
    for (int64_t b = 0; b < d * gates; ++b) {
      EXPECT_LE(OrthogonalityError(v, b * h * h, h, h, 2.0), 1e-4) << b;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);  // 2 directions x 3 gates
}

// A large weight (lstm_lm's MatMul [512, 5000], above the size filled with
// all threads and several WY blocks): rows = dim 0 are orthonormal, and the
// entries of a Haar matrix with orthonormal rows of length 5000 have mean 0
// and std 1/sqrt(5000) (tolerance: 4 standard errors of the 2.56M entries,
// and 1% of the std).
TEST(StrategyCatalogueTest, OrthogonalOnALargeWideWeightHasOrthonormalRows) {
  const Written run =
      Reinit("lstm_lm", WithRules({"role=weight:orthogonal(gain=1.5)"}));
  int checked = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "weight") continue;
    ASSERT_EQ(r.action(), "rewrite");
    ASSERT_EQ(r.dims_size(), 2);
    const int64_t rows = r.dims(0), cols = r.dims(1);
    EXPECT_EQ(rows, 512);
    EXPECT_EQ(cols, 5000);
    const std::vector<double> v = Values(run, r);
    EXPECT_LE(OrthogonalityError(v, 0, rows, cols, 1.5), 1e-4);
    const testing::Moments m = testing::ComputeMoments(v);
    const double std = 1.5 / std::sqrt(static_cast<double>(cols));
    EXPECT_NEAR(m.mean, 0.0,
                4 * std / std::sqrt(static_cast<double>(v.size())));
    EXPECT_NEAR(m.std, std, 0.01 * std);
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

TEST(StrategyCatalogueTest, IdentityAndForgetBiasAreExact) {
  const Written run =
      Reinit("lstm_lm", WithRules({"role=weight:identity(gain=0.5)",
                                   "role=recurrent_bias:forget_bias"}));
  int biases = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    const std::vector<double> v =
        r.action() == "rewrite" ? Values(run, r) : std::vector<double>{};
    if (r.role() == "weight") {  // MatMul [512, 5000]
      const int64_t cols = r.dims(1);
      for (size_t i = 0; i < v.size(); ++i) {
        ASSERT_EQ(v[i], (int64_t(i) / cols == int64_t(i) % cols) ? 0.5 : 0.0)
            << i;
      }
    }
    if (r.role() == "recurrent_bias") {  // [1, 8H]
      const int64_t h = r.dims(1) / 8;
      for (size_t i = 0; i < v.size(); ++i) {
        const int64_t j = int64_t(i) % (8 * h);
        ASSERT_EQ(v[i], (j >= 2 * h && j < 3 * h) ? 1.0 : 0.0) << i;
      }
      ++biases;
    }
  }
  EXPECT_EQ(biases, 2);
}

TEST(StrategyCatalogueTest, DiracPassesEachChannelThroughTheCentreTap) {
  const Written run =
      Reinit("squeezenet1_1", WithRules({"op=Conv,role=weight:dirac"}));
  int convs = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "weight") continue;
    const std::vector<double> v = Values(run, r);
    const int64_t out = r.dims(0), in = r.dims(1), kh = r.dims(2),
                  kw = r.dims(3);
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t c = 0; c < in; ++c) {
        for (int64_t y = 0; y < kh; ++y) {
          for (int64_t x = 0; x < kw; ++x) {
            const double want = (o == c && y == kh / 2 && x == kw / 2) ? 1 : 0;
            ASSERT_EQ(v[((o * in + c) * kh + y) * kw + x], want) << r.name();
          }
        }
      }
    }
    ++convs;
  }
  EXPECT_EQ(convs, 26);
}

TEST(StrategyCatalogueTest, SparseZeroesExactlyCeilSparsityRowsPerColumn) {
  const Written run =
      Reinit("mlp", WithRules({"role=weight:sparse(sparsity=0.3, std=0.05)"}));
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "weight") continue;
    const std::vector<double> v = Values(run, r);
    const int64_t rows = r.dims(0), cols = r.dims(1);
    const int64_t k = static_cast<int64_t>(std::ceil(0.3 * rows));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t zeros = 0;
      for (int64_t row = 0; row < rows; ++row) zeros += v[row * cols + c] == 0;
      ASSERT_EQ(zeros, k) << r.name() << " column " << c;
    }
  }
}

TEST(StrategyCatalogueTest, Gpt2ScalesTheEightResidualProjectionsOfTheEncoder) {
  const Written run =
      Reinit("transformer_encoder", WithRules({"role=weight:gpt2"}));
  int scaled = 0, plain = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "weight") continue;
    const std::vector<double> v = Values(run, r);
    const testing::Moments m = testing::ComputeMoments(v);
    const bool projection =
        std::abs(r.target_std() - 0.02 / std::sqrt(8.0)) < 1e-12;
    EXPECT_TRUE(projection || std::abs(r.target_std() - 0.02) < 1e-12)
        << r.name();
    EXPECT_NEAR(
        m.std, r.target_std(),
        6 * r.target_std() * std::sqrt(0.5) / std::sqrt(double(v.size())));
    (projection ? scaled : plain) += 1;
  }
  EXPECT_EQ(scaled, 8);  // out_proj and linear2 of 4 layers
  EXPECT_EQ(plain, 9);   // in_proj and linear1 of 4 layers, the output head
}

TEST(StrategyCatalogueTest, ZeroResidualBranchZeroesEachBlocksSecondBatchNorm) {
  RuleOptions options;
  options.config.add_rule()->mutable_select()->add_role("norm_scale");
  options.config.mutable_rule(0)->set_strategy("zero_residual_branch");
  const Written run = Reinit("resnet18_train", options);
  int zeroed = 0, ones = 0;
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() != "norm_scale") continue;
    const testing::Moments m = testing::ComputeMoments(Values(run, r));
    if (r.name().find(".bn2.") != std::string::npos) {
      EXPECT_EQ(m.min, 0) << r.name();
      EXPECT_EQ(m.max, 0) << r.name();
      ++zeroed;
    } else {
      EXPECT_EQ(m.min, 1) << r.name();
      EXPECT_EQ(m.max, 1) << r.name();
      EXPECT_THAT(r.rule(), ::testing::HasSubstr("not a branch end"));
      ++ones;
    }
  }
  EXPECT_EQ(zeroed, 8);
  EXPECT_EQ(ones, 12);  // bn1, 8 block bn1s, 3 downsample bns
}

// The plan's target for a structured strategy is what the written tensor
// has: identity, dirac and forget_bias exactly (up to float rounding);
// orthogonal's std exactly but for its small random mean; sparse within 6
// standard errors of the sample (as for element-wise strategies). Every
// value lies within target_mean ± target_bound.
TEST(StrategyCatalogueTest, StructuredFillsHaveTheTargetsThePlanShows) {
  struct Case {
    std::string model;
    std::vector<std::string> rules;
  };
  const std::vector<Case> cases = {
      {"mlp", {"role=weight:orthogonal(gain=2)"}},
      {"gru_bidir", {"role=recurrent_hidden|recurrent_input:orthogonal"}},
      {"lstm_lm",
       {"role=weight:identity(gain=0.5)", "role=recurrent_bias:forget_bias"}},
      {"resnet18", {"role=weight:dirac"}},
      {"mlp", {"role=weight:sparse(sparsity=0.3, std=0.05)"}},
  };
  int checked = 0;
  for (const Case& c : cases) {
    const Written run = Reinit(c.model, WithRules(c.rules));
    for (const TensorRecord& r : run.report.tensors()) {
      if (r.action() != "rewrite" || r.rule().rfind("--rule", 0) != 0) {
        continue;
      }
      SCOPED_TRACE(c.model + " " + r.name() + " " + r.strategy());
      const std::vector<double> v = Values(run, r);
      const testing::Moments m = testing::ComputeMoments(v);
      const double n = static_cast<double>(v.size());
      const double sigma = r.target_std();
      EXPECT_GT(sigma, 0);
      const double eps = 1e-6 * (std::abs(r.target_mean()) + sigma);
      EXPECT_NEAR(m.mean, r.target_mean(), 6 * sigma / std::sqrt(n) + eps);
      EXPECT_NEAR(m.std, sigma, 6 * sigma * std::sqrt(0.5 / n) + eps);
      if (r.target_bound() > 0) {
        EXPECT_GE(m.min, r.target_mean() - r.target_bound() - eps);
        EXPECT_LE(m.max, r.target_mean() + r.target_bound() + eps);
      }
      ++checked;
    }
  }
  // mlp 3 weights; gru_bidir W and R; lstm_lm its MatMul weight and 2 LSTM
  // B; resnet18's 20 Conv weights (dirac keeps the 2-D fc weight); mlp 3.
  EXPECT_EQ(checked, 3 + 2 + 3 + 20 + 3);
}

TEST(StrategyCatalogueTest, KerasProfileGivesOrthogonalRecurrentKernels) {
  RuleOptions options;
  options.profile = Profile::kKeras;
  const Written run = Reinit("lstm_lm", options);
  for (const TensorRecord& r : run.report.tensors()) {
    if (r.role() == "recurrent_hidden") {
      const std::vector<double> v = Values(run, r);
      const int64_t h = r.dims(2);
      for (int64_t b = 0; b < 4; ++b) {
        EXPECT_LE(OrthogonalityError(v, b * h * h, h, h, 1.0), 1e-4);
      }
    }
    if (r.role() == "embedding") {
      const testing::Moments m = testing::ComputeMoments(Values(run, r));
      EXPECT_GE(m.min, -0.05);
      EXPECT_LE(m.max, 0.05);
    }
  }
}

}  // namespace
}  // namespace onnx_reinit
