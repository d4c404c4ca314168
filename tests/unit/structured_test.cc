#include "strategy/structured.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "random/philox.h"
#include "strategy/distribution.h"
#include "strategy/sampler.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using ::onnx_reinit::testing::ComputeMoments;
using ::onnx_reinit::testing::Moments;

constexpr uint64_t kSeed = 20240611;

PhiloxKey Key(const std::string& name) { return TensorKey(kSeed, name); }

std::vector<double> Normals(PhiloxKey key, size_t n, double std = 1.0) {
  std::vector<double> v(n);
  SampleValues(Distribution::Normal(0, std), key, 0, n, v.data());
  return v;
}

// ---- TorchFlattening (orthogonal itself: orthogonal_test.cc) ----------

TEST(StructuredTorchFlatteningTest, RowsAreDim0AndColsTheRest) {
  const int64_t dims[] = {16, 3, 3, 5};
  absl::StatusOr<MatrixBlocks> m = TorchFlattening(dims);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->blocks, 1);
  EXPECT_EQ(m->rows, 16);
  EXPECT_EQ(m->cols, 45);
}

TEST(StructuredTorchFlatteningTest, RefusesRankBelowTwoAndBadDims) {
  const int64_t vector[] = {8};
  EXPECT_EQ(TorchFlattening(vector).status().message(),
            "orthogonal needs rank >= 2, got rank 1");
  const int64_t negative[] = {4, -2};
  EXPECT_EQ(TorchFlattening(negative).status().message(),
            "dims must be non-negative, got -2");
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 30};
  EXPECT_EQ(TorchFlattening(huge).status().message(),
            "tensor has more than 2^62 elements");
}

// ---- Identity -------------------------------------------------------------

std::vector<double> Identity(int64_t rows, int64_t cols, double gain) {
  std::vector<double> out(static_cast<size_t>(rows * cols), -1.0);
  const int64_t dims[] = {rows, cols};
  const absl::Status status = FillIdentity(dims, gain, out.data());
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(StructuredIdentityTest, EveryElementIsGainOnTheDiagonalElseZero) {
  for (const auto& [rows, cols] :
       std::vector<std::pair<int64_t, int64_t>>{{4, 4}, {3, 5}, {6, 2}}) {
    const std::vector<double> out = Identity(rows, cols, 2.5);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        EXPECT_EQ(out[r * cols + c], r == c ? 2.5 : 0.0)
            << rows << "x" << cols << " (" << r << ", " << c << ")";
      }
    }
  }
}

TEST(StructuredIdentityTest, RefusesOtherRanksBadDimsAndNonFiniteGain) {
  double out[8] = {};
  const int64_t rank3[] = {2, 2, 2};
  EXPECT_EQ(FillIdentity(rank3, 1.0, out).message(),
            "identity needs rank 2, got rank 3");
  const int64_t negative[] = {-1, 2};
  EXPECT_EQ(FillIdentity(negative, 1.0, out).message(),
            "dims must be non-negative, got -1");
  const int64_t square[] = {2, 2};
  EXPECT_EQ(FillIdentity(square, -std::numeric_limits<double>::infinity(), out)
                .message(),
            "gain must be finite, got -inf");
}

// ---- Dirac ----------------------------------------------------------------

// Element [o, i, k...] is 1 exactly when i < in, o = g * out_per_group + i for
// some group g with i < out_per_group, and every k is the centre tap dim / 2:
// checked by decoding each flat index independently of the implementation.
void ExpectDirac(const std::vector<int64_t>& dims, int64_t groups) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  std::vector<double> out(static_cast<size_t>(count), -1.0);
  const absl::Status status = FillDirac(dims, groups, out.data());
  ASSERT_TRUE(status.ok()) << status;
  const int64_t out_per_group = dims[0] / groups;
  int64_t ones = 0;
  for (int64_t flat = 0; flat < count; ++flat) {
    std::vector<int64_t> index(dims.size());
    int64_t rest = flat;
    for (size_t a = dims.size(); a-- > 0;) {
      index[a] = rest % dims[a];
      rest /= dims[a];
    }
    const int64_t o = index[0];
    const int64_t i = index[1];
    bool one = o % out_per_group == i;
    for (size_t a = 2; a < dims.size(); ++a) one &= index[a] == dims[a] / 2;
    EXPECT_EQ(out[flat], one ? 1.0 : 0.0) << "flat index " << flat;
    ones += one;
  }
  EXPECT_EQ(ones, groups * std::min(out_per_group, dims[1]));
}

TEST(StructuredDiracTest, OneAtTheCentreTapOfEachMatchingChannel) {
  ExpectDirac({4, 2, 3}, 1);        // more outputs than inputs
  ExpectDirac({2, 5, 4}, 1);        // fewer outputs; even kernel: tap 2
  ExpectDirac({3, 3, 3, 3}, 1);     // conv2d identity
  ExpectDirac({2, 3, 2, 4, 5}, 1);  // 3-D kernel, taps (1, 2, 2)
}

TEST(StructuredDiracTest, EachGroupGetsItsOwnIdentity) {
  ExpectDirac({6, 2, 3, 3}, 3);  // out_per_group 2 = in
  ExpectDirac({8, 3, 1}, 2);     // out_per_group 4 > in 3
  ExpectDirac({4, 4, 2, 2}, 4);  // out_per_group 1 < in 4 (depthwise-like)
}

TEST(StructuredDiracTest, EmptyTensorIsValid) {
  const int64_t dims[] = {4, 4, 0};
  double sentinel = 7;
  EXPECT_TRUE(FillDirac(dims, 2, &sentinel).ok());
  EXPECT_EQ(sentinel, 7);
}

TEST(StructuredDiracTest, RefusesBadRanksGroupsAndDims) {
  double out[64] = {};
  const int64_t rank2[] = {4, 4};
  EXPECT_EQ(FillDirac(rank2, 1, out).message(),
            "dirac needs rank 3, 4 or 5, got rank 2");
  const int64_t rank6[] = {1, 1, 1, 1, 1, 1};
  EXPECT_EQ(FillDirac(rank6, 1, out).message(),
            "dirac needs rank 3, 4 or 5, got rank 6");
  const int64_t negative[] = {4, -4, 3};
  EXPECT_EQ(FillDirac(negative, 1, out).message(),
            "dims must be non-negative, got -4");
  const int64_t dims[] = {4, 4, 3};
  EXPECT_EQ(FillDirac(dims, 0, out).message(),
            "groups must be positive, got 0");
  EXPECT_EQ(FillDirac(dims, 3, out).message(),
            "groups 3 does not divide dim 0 (4)");
  for (double v : out) EXPECT_EQ(v, 0.0);  // nothing written on error
}

// ---- Sparse ---------------------------------------------------------------

std::vector<double> Sparse(int64_t rows, int64_t cols, double sparsity,
                           double std, PhiloxKey key) {
  std::vector<double> out(static_cast<size_t>(rows * cols));
  const int64_t dims[] = {rows, cols};
  const absl::Status status = FillSparse(dims, sparsity, std, key, out.data());
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::vector<int64_t> ZeroRows(const std::vector<double>& v, int64_t rows,
                              int64_t cols, int64_t c) {
  std::vector<int64_t> zero_rows;
  for (int64_t r = 0; r < rows; ++r) {
    if (v[r * cols + c] == 0.0) zero_rows.push_back(r);
  }
  return zero_rows;
}

TEST(StructuredSparseTest, EachColumnHasExactlyCeilSparsityTimesRowsZeros) {
  // ceil: 0.15 * 10 = 1.5 -> 2; 0.1 * 10 = 1 exactly -> 1; 0 -> none; 1 ->
  // all.
  const struct {
    int64_t rows;
    double sparsity;
    int64_t zeros;
  } cases[] = {{10, 0.15, 2}, {10, 0.1, 1}, {10, 0.0, 0},
               {10, 1.0, 10}, {1, 0.01, 1}, {1000, 0.9, 900}};
  for (const auto& c : cases) {
    const std::vector<double> v =
        Sparse(c.rows, 37, c.sparsity, 0.01, Key("sparse"));
    for (int64_t col = 0; col < 37; ++col) {
      EXPECT_EQ(static_cast<int64_t>(ZeroRows(v, c.rows, 37, col).size()),
                c.zeros)
          << "rows " << c.rows << " sparsity " << c.sparsity << " column "
          << col;
    }
  }
}

TEST(StructuredSparseTest, OtherElementsAreTheKeyedNormalsTimesStd) {
  const PhiloxKey key = Key("sparse.values");
  const std::vector<double> v = Sparse(50, 20, 0.3, 0.02, key);
  const std::vector<double> z = Normals(key, v.size(), 0.02);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != 0.0) {
      EXPECT_EQ(v[i], z[i]) << i;
    }
  }
}

// Non-zero values are N(0, std²): 5 standard errors on the mean
// (std / sqrt(n)) and on the sample std (std / sqrt(2 n) for a normal).
TEST(StructuredSparseTest, NonZeroValuesAreNormalWithTheGivenStd) {
  const double std = 0.01;
  const std::vector<double> v = Sparse(1000, 60, 0.1, std, Key("stats"));
  std::vector<double> nonzero;
  for (double x : v) {
    if (x != 0.0) nonzero.push_back(x);
  }
  ASSERT_EQ(nonzero.size(), 900u * 60u);
  const double n = static_cast<double>(nonzero.size());
  const Moments m = ComputeMoments(nonzero);
  EXPECT_NEAR(m.mean, 0.0, 5 * std / std::sqrt(n));
  EXPECT_NEAR(m.std, std, 5 * std / std::sqrt(2 * n) + 12.5 * std / n);
}

// One zero per column of 10 rows: over 20000 columns each row is chosen about
// 2000 times. Chi-squared with 9 degrees of freedom, rejected at p = 0.001
// (27.88).
TEST(StructuredSparseTest, ZeroedRowsAreUniformlyChosen) {
  const int64_t rows = 10;
  const int64_t cols = 20000;
  const std::vector<double> v = Sparse(rows, cols, 0.1, 1.0, Key("uniform"));
  std::vector<double> hits(rows, 0);
  for (int64_t c = 0; c < cols; ++c) {
    const std::vector<int64_t> zero_rows = ZeroRows(v, rows, cols, c);
    ASSERT_EQ(zero_rows.size(), 1u);
    hits[zero_rows[0]] += 1;
  }
  const double expected = static_cast<double>(cols) / rows;
  double chi2 = 0;
  for (double h : hits) chi2 += (h - expected) * (h - expected) / expected;
  EXPECT_LT(chi2, 27.88);
}

TEST(StructuredSparseTest, ZeroedRowsDependOnlyOnKeyAndColumn) {
  const PhiloxKey key = Key("pattern");
  const std::vector<double> a = Sparse(30, 8, 0.25, 1.0, key);
  const std::vector<double> b = Sparse(30, 8, 0.25, 1.0, key);
  EXPECT_EQ(a, b);
  // A wider tensor with the same key and rows zeroes the same rows in the
  // columns they share (its values differ: the elements are numbered anew).
  const std::vector<double> wide = Sparse(30, 13, 0.25, 1.0, key);
  for (int64_t c = 0; c < 8; ++c) {
    EXPECT_EQ(ZeroRows(a, 30, 8, c), ZeroRows(wide, 30, 13, c)) << c;
  }
  // Different columns and different keys choose differently.
  std::set<std::vector<int64_t>> patterns;
  for (int64_t c = 0; c < 8; ++c) patterns.insert(ZeroRows(a, 30, 8, c));
  EXPECT_GT(patterns.size(), 1u);
  const std::vector<double> other = Sparse(30, 8, 0.25, 1.0, Key("other"));
  bool any_differs = false;
  for (int64_t c = 0; c < 8; ++c) {
    any_differs |= ZeroRows(a, 30, 8, c) != ZeroRows(other, 30, 8, c);
  }
  EXPECT_TRUE(any_differs);
}

TEST(StructuredSparseTest, RefusesBadRankDimsSparsityAndStd) {
  double out[6] = {};
  const int64_t rank1[] = {6};
  EXPECT_EQ(FillSparse(rank1, 0.5, 0.01, Key("x"), out).message(),
            "sparse needs rank 2, got rank 1");
  const int64_t negative[] = {2, -3};
  EXPECT_EQ(FillSparse(negative, 0.5, 0.01, Key("x"), out).message(),
            "dims must be non-negative, got -3");
  const int64_t tall[] = {int64_t{1} << 31, 0};
  EXPECT_EQ(FillSparse(tall, 0.5, 0.01, Key("x"), out).message(),
            "sparse needs rows and cols below 2^31, got 2147483648 x 0");
  const int64_t dims[] = {2, 3};
  EXPECT_EQ(FillSparse(dims, -0.1, 0.01, Key("x"), out).message(),
            "sparsity must be in [0, 1], got -0.1");
  EXPECT_EQ(FillSparse(dims, 1.5, 0.01, Key("x"), out).message(),
            "sparsity must be in [0, 1], got 1.5");
  EXPECT_EQ(FillSparse(dims, std::nan(""), 0.01, Key("x"), out).message(),
            "sparsity must be in [0, 1], got nan");
  EXPECT_EQ(FillSparse(dims, 0.5, -1, Key("x"), out).message(),
            "std must be finite and non-negative, got -1");
  EXPECT_EQ(FillSparse(dims, 0.5, std::numeric_limits<double>::infinity(),
                       Key("x"), out)
                .message(),
            "std must be finite and non-negative, got inf");
  for (double v : out) EXPECT_EQ(v, 0.0);  // nothing written on error
}

// ---- StructuredTargets --------------------------------------------------

Distribution StructuredOf(Distribution::Structure structure) {
  return Distribution::Structured(structure);
}

// The moments StructuredTargets promises are those of the fill: exactly for
// the deterministic fills, and for orthogonal (whose squares sum to exactly
// gain² min(rows, cols) per block) but for its small random mean.
void ExpectFillMeetsTargets(const Distribution& dist, std::vector<int64_t> dims,
                            int64_t gate_blocks, const std::string& op_type,
                            double tolerance) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  std::vector<double> out(static_cast<size_t>(count));
  ASSERT_TRUE(FillStructured(dist, dims, gate_blocks, op_type, Key("targets"),
                             out.data())
                  .ok());
  const TargetMoments t = StructuredTargets(dist, dims, gate_blocks, op_type);
  const Moments m = ComputeMoments(out);
  EXPECT_NEAR(m.mean, t.mean, tolerance);
  EXPECT_NEAR(m.std, t.std, tolerance);
  if (t.bound > 0) {
    EXPECT_GE(m.min, t.mean - t.bound - 1e-12);
    EXPECT_LE(m.max, t.mean + t.bound + 1e-12);
  }
}

TEST(StructuredTargetsTest, OrthogonalStdIsGainOverSqrtOfTheLongerSide) {
  Distribution d = StructuredOf(Distribution::Structure::kOrthogonal);
  d.gain = 2;
  const TargetMoments wide = StructuredTargets(d, {30, 120}, 1, "MatMul");
  EXPECT_EQ(wide.mean, 0);
  EXPECT_DOUBLE_EQ(wide.std, 2 / std::sqrt(120.0));
  EXPECT_EQ(wide.bound, 2);
  // LSTM R [2, 4*16, 16]: 8 blocks of 16 x 16, not one 128 x 16 matrix.
  EXPECT_DOUBLE_EQ(StructuredTargets(d, {2, 64, 16}, 8, "LSTM").std,
                   2 / std::sqrt(16.0));
  // Random mean ~ 2/sqrt(120)/sqrt(3600): within 0.01.
  ExpectFillMeetsTargets(d, {30, 120}, 1, "MatMul", 0.01);
  ExpectFillMeetsTargets(d, {2, 64, 16}, 8, "LSTM", 0.02);
}

TEST(StructuredTargetsTest, TwoValuedFillsAreExact) {
  Distribution identity = StructuredOf(Distribution::Structure::kIdentity);
  identity.gain = 0.5;
  const TargetMoments t = StructuredTargets(identity, {4, 10}, 1, "Gemm");
  EXPECT_DOUBLE_EQ(t.mean, 0.5 * 4 / 40);
  EXPECT_DOUBLE_EQ(t.std, 0.5 * std::sqrt(0.1 * 0.9));
  EXPECT_DOUBLE_EQ(t.bound, 0.5 - 0.05);
  ExpectFillMeetsTargets(identity, {4, 10}, 1, "Gemm", 1e-12);
  Distribution dirac = StructuredOf(Distribution::Structure::kDirac);
  dirac.groups = 2;
  ExpectFillMeetsTargets(dirac, {8, 3, 3, 3}, 1, "Conv", 1e-12);
  Distribution forget = StructuredOf(Distribution::Structure::kForgetBias);
  forget.value = 1;
  ExpectFillMeetsTargets(forget, {2, 64}, 1, "LSTM", 1e-12);
  const TargetMoments gru = StructuredTargets(forget, {2, 48}, 1, "GRU");
  EXPECT_EQ(gru.mean, 0);
  EXPECT_EQ(gru.std, 0);
}

TEST(StructuredTargetsTest, SparseStdCountsOnlyTheNonZeroRows) {
  Distribution d = StructuredOf(Distribution::Structure::kSparse);
  d.sparsity = 0.25;
  d.std = 0.1;
  // rows 10: ceil(2.5) = 3 zeros per column, 7 of 10 rows N(0, 0.01).
  EXPECT_DOUBLE_EQ(StructuredTargets(d, {10, 2000}, 1, "MatMul").std,
                   0.1 * std::sqrt(0.7));
  // 20000 values: the sample std is within 6 standard errors.
  ExpectFillMeetsTargets(d, {10, 2000}, 1, "MatMul",
                         6 * 0.1 * std::sqrt(0.5 / 20000));
}

TEST(StructuredTargetsTest, EmptyTensorHasNoTargets) {
  const TargetMoments t = StructuredTargets(
      StructuredOf(Distribution::Structure::kOrthogonal), {0, 5}, 1, "MatMul");
  EXPECT_EQ(t.std, 0);
  EXPECT_EQ(t.bound, 0);
}

}  // namespace
}  // namespace onnx_reinit
