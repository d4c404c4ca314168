#include "strategy/orthogonal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "random/philox.h"
#include "strategy/distribution.h"
#include "strategy/orthogonal_kernels.h"
#include "strategy/sampler.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using ::onnx_reinit::testing::KolmogorovSmirnovCriticalValue;
using ::onnx_reinit::testing::KolmogorovSmirnovStatistic;
using ::onnx_reinit::testing::UniformCdf;

constexpr uint64_t kSeed = 20240611;

PhiloxKey Key(const std::string& name) { return TensorKey(kSeed, name); }

OrthogonalOptions Precision(bool double_precision) {
  OrthogonalOptions options;
  options.double_precision = double_precision;
  return options;
}

std::vector<double> Orthogonal(const MatrixBlocks& m, double gain,
                               PhiloxKey key,
                               const OrthogonalOptions& options = {}) {
  std::vector<double> out(static_cast<size_t>(m.blocks * m.rows * m.cols));
  const absl::Status status = FillOrthogonal(m, gain, key, out.data(), options);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

// max |Gram / gain² - I| of block `b`, its values first rounded to float (as a
// FLOAT tensor stores them) unless `exact`: Q Qᵀ for rows <= cols
// (orthonormal rows), Qᵀ Q otherwise (orthonormal columns).
double OrthogonalityError(const std::vector<double>& values,
                          const MatrixBlocks& m, int64_t b, double gain,
                          bool exact = false) {
  const double* q = values.data() + b * m.rows * m.cols;
  auto at = [&](int64_t r, int64_t c) {
    const double v = q[r * m.cols + c];
    return exact ? v : static_cast<double>(static_cast<float>(v));
  };
  const bool rows_orthonormal = m.rows <= m.cols;
  const int64_t size = rows_orthonormal ? m.rows : m.cols;
  const int64_t length = rows_orthonormal ? m.cols : m.rows;
  double worst = 0;
  for (int64_t i = 0; i < size; ++i) {
    for (int64_t j = 0; j < size; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < length; ++k) {
        dot += rows_orthonormal ? at(i, k) * at(j, k) : at(k, i) * at(k, j);
      }
      worst =
          std::max(worst, std::abs(dot / (gain * gain) - (i == j ? 1.0 : 0.0)));
    }
  }
  return worst;
}

// orthogonal.h's definition, computed the slow way in double: the reflectors
// of the keyed normals' tall view, unrounded, applied to [I; 0] one at a
// time from the last, the columns times sign(beta_k), times gain.
std::vector<double> ReferenceOrthogonal(int64_t rows, int64_t cols, double gain,
                                        PhiloxKey key) {
  std::vector<double> normals(static_cast<size_t>(rows * cols));
  SampleValues(Distribution::Normal(0, 1), key, 0, normals.size(),
               normals.data());
  const bool transposed = rows < cols;
  const int64_t m = std::max(rows, cols);
  const int64_t n = std::min(rows, cols);
  auto a = [&](int64_t i, int64_t j) {
    return transposed ? normals[j * cols + i] : normals[i * cols + j];
  };
  std::vector<std::vector<double>> v(n, std::vector<double>(m, 0.0));
  std::vector<double> tau(n, 0.0);
  std::vector<double> sign(n, 1.0);
  for (int64_t k = 0; k < n; ++k) {
    double below = 0;
    for (int64_t i = k + 1; i < m; ++i) below += a(i, k) * a(i, k);
    const double alpha = a(k, k);
    double beta = alpha;
    v[k][k] = 1;
    if (below > 0) {
      beta = -std::copysign(std::sqrt(alpha * alpha + below), alpha);
      double norm2 = 1;
      for (int64_t i = k + 1; i < m; ++i) {
        v[k][i] = a(i, k) / (alpha - beta);
        norm2 += v[k][i] * v[k][i];
      }
      tau[k] = 2 / norm2;
    }
    sign[k] = beta < 0 ? -1 : 1;
  }
  std::vector<std::vector<double>> q(m, std::vector<double>(n, 0.0));
  for (int64_t j = 0; j < n; ++j) q[j][j] = 1;
  for (int64_t k = n - 1; k >= 0; --k) {
    for (int64_t j = 0; j < n; ++j) {
      double d = 0;
      for (int64_t i = k; i < m; ++i) d += v[k][i] * q[i][j];
      for (int64_t i = k; i < m; ++i) q[i][j] -= tau[k] * d * v[k][i];
    }
  }
  std::vector<double> out(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double value = gain * sign[j] * q[i][j];
      if (transposed) {
        out[j * cols + i] = value;
      } else {
        out[i * cols + j] = value;
      }
    }
  }
  return out;
}

double MaxDifference(const std::vector<double>& a,
                     const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

TEST(OrthogonalTest, SquareHasOrthonormalRowsAndColumns) {
  const MatrixBlocks m{1, 32, 32};
  const std::vector<double> single = Orthogonal(m, 1.0, Key("square"));
  EXPECT_LE(OrthogonalityError(single, m, 0, 1.0), 1e-6);
  const std::vector<double> exact =
      Orthogonal(m, 1.0, Key("square"), Precision(true));
  EXPECT_LE(OrthogonalityError(exact, m, 0, 1.0, /*exact=*/true), 1e-14);
  // Square: the columns are orthonormal too.
  for (int64_t i = 0; i < 32; ++i) {
    for (int64_t j = 0; j < 32; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < 32; ++k) {
        dot += exact[k * 32 + i] * exact[k * 32 + j];
      }
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-14);
    }
  }
}

TEST(OrthogonalTest, TallHasOrthonormalColumnsScaledByGain) {
  const MatrixBlocks m{1, 40, 9};
  EXPECT_LE(OrthogonalityError(Orthogonal(m, 2.0, Key("tall")), m, 0, 2.0),
            1e-6);
}

TEST(OrthogonalTest, WideHasOrthonormalRowsScaledByGain) {
  const MatrixBlocks m{1, 6, 50};
  EXPECT_LE(OrthogonalityError(Orthogonal(m, 0.5, Key("wide")), m, 0, 0.5),
            1e-6);
}

// An LSTM R [1, 32, 5]... as 4 gates of hidden 8: [1, 4*8, 5] = 4 blocks 8x5.
TEST(OrthogonalTest, EveryBlockOfAPackedTensorIsOrthogonal) {
  const MatrixBlocks m{4, 8, 5};
  const std::vector<double> q = Orthogonal(m, 1.0, Key("lstm.R"));
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_LE(OrthogonalityError(q, m, b, 1.0), 1e-6) << b;
  }
  // Blocks are separate matrices, not one 32x5 matrix: block 0 is exactly the
  // single 8x5 fill with the same key (same elements 0..39), and the blocks
  // differ from each other.
  const std::vector<double> first = Orthogonal({1, 8, 5}, 1.0, Key("lstm.R"));
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(q[i], first[i]) << i;
  EXPECT_NE(q[0], q[40]);
}

// The blocked, multi-threaded computation gives orthogonal.h's formula: sizes
// below one WY block, and above it (300 x 260: reflector blocks of 128, 128
// and 4; column ranges of 128, 128 and 4), square (the last reflector has
// length 1), tall and wide.
TEST(OrthogonalTest, IsTheDocumentedProductOfReflectorsTimesTheSigns) {
  const std::vector<std::vector<int64_t>> shapes = {
      {12, 12}, {20, 7}, {7, 20}, {300, 260}, {260, 300}, {257, 257}};
  for (const std::vector<int64_t>& shape : shapes) {
    const MatrixBlocks m{1, shape[0], shape[1]};
    const std::vector<double> reference =
        ReferenceOrthogonal(m.rows, m.cols, 1.5, Key("reflectors"));
    OrthogonalOptions options = Precision(true);
    options.threads = 2;
    EXPECT_LE(MaxDifference(Orthogonal(m, 1.5, Key("reflectors"), options),
                            reference),
              1e-12)
        << m.rows << " x " << m.cols << " double";
    options.double_precision = false;
    EXPECT_LE(MaxDifference(Orthogonal(m, 1.5, Key("reflectors"), options),
                            reference),
              2e-5)
        << m.rows << " x " << m.cols << " single";
  }
}

// Haar measure on O(3): each entry of a uniformly random 3 x 3 orthogonal
// matrix is a coordinate of a uniform point on the sphere S², which is
// U(-1, 1) (Archimedes). Entries of independent keys, KS at alpha = 0.001.
TEST(OrthogonalTest, EntriesOfThreeByThreeAreUniformOnMinusOneOne) {
  constexpr int kMatrices = 3000;
  std::vector<std::vector<double>> entries(3);
  const int picked[3][2] = {{0, 0}, {1, 2}, {2, 1}};
  for (int t = 0; t < kMatrices; ++t) {
    const std::vector<double> q =
        Orthogonal({1, 3, 3}, 1.0, Key("haar3." + std::to_string(t)));
    for (int e = 0; e < 3; ++e) {
      entries[e].push_back(q[picked[e][0] * 3 + picked[e][1]]);
    }
  }
  const double critical = KolmogorovSmirnovCriticalValue(kMatrices, 0.001);
  for (int e = 0; e < 3; ++e) {
    EXPECT_LE(KolmogorovSmirnovStatistic(
                  entries[e], [](double x) { return UniformCdf(x, -1, 1); }),
              critical)
        << "entry " << picked[e][0] << ", " << picked[e][1];
  }
}

// Haar measure on O(n), n >= 2: E[tr Q] = 0 and E[(tr Q)²] = 1, with
// Var((tr Q)²) = 2 for n >= 4 (Diaconis & Shahshahani 1994). Without the sign
// fix, Householder QR of a Gaussian matrix is not Haar and its mean trace is
// far from 0. Tolerances: 4 standard errors over the sample.
TEST(OrthogonalTest, TraceHasTheHaarMeanAndSecondMoment) {
  constexpr int kMatrices = 4000;
  constexpr int64_t n = 5;
  double sum = 0;
  double sum_squares = 0;
  for (int t = 0; t < kMatrices; ++t) {
    const std::vector<double> q =
        Orthogonal({1, n, n}, 1.0, Key("haar5." + std::to_string(t)));
    double trace = 0;
    for (int64_t i = 0; i < n; ++i) trace += q[i * n + i];
    sum += trace;
    sum_squares += trace * trace;
  }
  EXPECT_NEAR(sum / kMatrices, 0.0, 4 * std::sqrt(1.0 / kMatrices));
  EXPECT_NEAR(sum_squares / kMatrices, 1.0, 4 * std::sqrt(2.0 / kMatrices));
}

TEST(OrthogonalTest, ThreadCountNeverChangesTheBits) {
  const MatrixBlocks m{2, 300, 290};  // large enough to run in parallel
  for (bool double_precision : {false, true}) {
    OrthogonalOptions options = Precision(double_precision);
    options.threads = 1;
    const std::vector<double> one = Orthogonal(m, 1.0, Key("threads"), options);
    for (int threads : {2, 3, 0}) {
      options.threads = threads;
      EXPECT_EQ(Orthogonal(m, 1.0, Key("threads"), options), one)
          << threads << " threads, double " << double_precision;
    }
  }
}

// Eigen's vectorized loops split a column into a scalar head, packets and
// a tail by the column's address, and (with FMA) the scalar and packet paths
// round differently: so FillOrthogonal's bits must not depend on where the
// heap puts its work matrices. Allocations held across the calls move them
// (blocks of the work matrices' size take the chunks the last call freed,
// and a growing one shifts the next by 16 bytes at a time); small blocks use
// Eigen's coefficient-wise products, the most sensitive path.
TEST(OrthogonalTest, BitsDoNotDependOnHeapAddresses) {
  for (bool double_precision : {false, true}) {
    const OrthogonalOptions options = Precision(double_precision);
    const size_t scalar = double_precision ? sizeof(double) : sizeof(float);
    for (const MatrixBlocks& m : {MatrixBlocks{3, 9, 5}, MatrixBlocks{2, 5, 13},
                                  MatrixBlocks{1, 37, 21}}) {
      const std::vector<double> first =
          Orthogonal(m, 1.0, Key("heap"), options);
      const size_t work = static_cast<size_t>(m.rows * m.cols) * scalar;
      std::vector<std::vector<char>> held;
      for (int shift = 1; shift <= 24; ++shift) {
        for (int i = 0; i < 4; ++i) held.emplace_back(work);
        held.emplace_back(static_cast<size_t>(shift * 16));
        EXPECT_EQ(Orthogonal(m, 1.0, Key("heap"), options), first)
            << m.rows << " x " << m.cols << ", double " << double_precision
            << ", shift " << shift;
      }
    }
  }
}

TEST(OrthogonalTest, EverySimdLevelComputesTheSameMatrix) {
  EXPECT_FALSE(UsesAvx2FmaKernels(SimdLevel::kBaseline));
  const MatrixBlocks m{1, 200, 180};
  OrthogonalOptions options;
  options.simd = SimdLevel::kBaseline;
  const std::vector<double> baseline = Orthogonal(m, 1.0, Key("simd"), options);
  options.simd = SimdLevel::kAvx2;  // the baseline where not available
  const std::vector<double> best = Orthogonal(m, 1.0, Key("simd"), options);
  EXPECT_LE(OrthogonalityError(baseline, m, 0, 1.0), 1e-5);
  EXPECT_LE(OrthogonalityError(best, m, 0, 1.0), 1e-5);
  EXPECT_LE(MaxDifference(baseline, best), 1e-5);
}

TEST(OrthogonalTest, SameKeySameBitsDifferentKeyDifferentValues) {
  const MatrixBlocks m{2, 17, 11};
  const std::vector<double> a = Orthogonal(m, 1.0, Key("w"));
  const std::vector<double> b = Orthogonal(m, 1.0, Key("w"));
  const std::vector<double> c = Orthogonal(m, 1.0, Key("w2"));
  EXPECT_EQ(a, b);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
  EXPECT_EQ(same, 0u);
}

// 1x1 blocks: A = z = Q R with R > 0 forces Q = sign(z), the Haar measure on
// O(1) = {-1, +1}.
TEST(OrthogonalTest, OneByOneBlockIsGainTimesTheSignOfItsNormal) {
  const PhiloxKey key = Key("scalar");
  const std::vector<double> q = Orthogonal({20, 1, 1}, 1.5, key);
  std::vector<double> z(20);
  SampleValues(Distribution::Normal(0, 1), key, 0, z.size(), z.data());
  int positive = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    EXPECT_EQ(q[i], z[i] > 0 ? 1.5 : -1.5) << i;
    positive += z[i] > 0;
  }
  EXPECT_GT(positive, 0);
  EXPECT_LT(positive, 20);
}

TEST(OrthogonalTest, EmptyTensorWritesNothing) {
  double sentinel = 7;
  EXPECT_TRUE(FillOrthogonal({1, 0, 5}, 1.0, Key("e"), &sentinel).ok());
  EXPECT_TRUE(FillOrthogonal({0, 3, 5}, 1.0, Key("e"), &sentinel).ok());
  EXPECT_EQ(sentinel, 7);
}

TEST(OrthogonalTest, RefusesNegativeShapesAndNonFiniteGain) {
  double out[4] = {};
  EXPECT_EQ(FillOrthogonal({1, -2, 2}, 1.0, Key("x"), out).message(),
            "blocks, rows and cols must be non-negative, got 1, -2, 2");
  EXPECT_EQ(
      FillOrthogonal({1 << 22, 1 << 22, 1 << 22}, 1.0, Key("x"), out).message(),
      "tensor has more than 2^62 elements");
  EXPECT_EQ(FillOrthogonal({1, 2, 2}, std::numeric_limits<double>::infinity(),
                           Key("x"), out)
                .message(),
            "gain must be finite, got inf");
  EXPECT_EQ(FillOrthogonal({1, 2, 2}, std::nan(""), Key("x"), out).code(),
            absl::StatusCode::kInvalidArgument);
  for (double v : out) EXPECT_EQ(v, 0.0);  // nothing written on error
}

}  // namespace
}  // namespace onnx_reinit
