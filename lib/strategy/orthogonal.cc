#include "strategy/orthogonal.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "random/philox.h"
#include "strategy/distribution.h"
#include "strategy/orthogonal_kernels.h"
#include "strategy/sampler.h"
#include "strategy/structured_checks.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// Fixed decomposition (part of the bits; never derived from the threads):
constexpr int64_t kReflectorsPerBlock = 128;  // ib of the WY blocks
constexpr int64_t kColumnsPerJob = 128;       // columns updated per job
constexpr int64_t kReflectorsPerJob = 64;     // reflectors computed per job
constexpr int64_t kRowsPerJob = 64;  // rows of normals drawn, or of out written
// Below this many flops (~4 M N²) a block runs on the calling thread only:
// starting threads would cost more than they save.
constexpr double kParallelFlops = 1 << 24;

// The tall view of a block: A(i, j) = a[i * row_stride + j * col_stride],
// M x N with M >= N.
struct TallView {
  const double* a;
  int64_t m, n;
  int64_t row_stride, col_stride;
  double at(int64_t i, int64_t j) const {
    return a[i * row_stride + j * col_stride];
  }
};

// Calls f(i, k) for every i > k, k in [k0, k1), with i increasing for each k
// whatever the loop nest: row by row when A's rows are contiguous, else
// column by column. So sums over i have the same bits for either layout.
template <typename F>
void ForEachBelowDiagonal(const TallView& a, int64_t k0, int64_t k1, F f) {
  if (a.col_stride == 1) {
    for (int64_t i = k0 + 1; i < a.m; ++i) {
      for (int64_t k = k0; k < std::min(k1, i); ++k) f(i, k);
    }
  } else {
    for (int64_t k = k0; k < k1; ++k) {
      for (int64_t i = k + 1; i < a.m; ++i) f(i, k);
    }
  }
}

// The reflectors k in [k0, k1) (orthogonal.h): column k of v (column-major,
// leading dimension ld) gets v_k, tau[k] and sign[k] get tau_k and s_k.
template <typename S>
void ComputeReflectors(const TallView& a, int64_t k0, int64_t k1, S* v,
                       int64_t ld, double* tau, double* sign) {
  const size_t count = static_cast<size_t>(k1 - k0);
  std::vector<double> below(count, 0.0);  // ||x_k(1:)||²
  std::vector<double> scale(count, 0.0);
  std::vector<double> norm2(count, 1.0);  // v_kᵀ v_k of the rounded v_k
  ForEachBelowDiagonal(a, k0, k1, [&](int64_t i, int64_t k) {
    const double x = a.at(i, k);
    below[k - k0] += x * x;
  });
  for (int64_t k = k0; k < k1; ++k) {
    const double alpha = a.at(k, k);
    double beta = alpha;
    if (below[k - k0] > 0) {
      beta = -std::copysign(std::sqrt(alpha * alpha + below[k - k0]), alpha);
      scale[k - k0] = 1.0 / (alpha - beta);
    }
    sign[k] = beta < 0 ? -1.0 : 1.0;
    S* column = v + k * ld;
    std::fill(column, column + k, S(0));
    column[k] = S(1);
  }
  ForEachBelowDiagonal(a, k0, k1, [&](int64_t i, int64_t k) {
    const S value = static_cast<S>(a.at(i, k) * scale[k - k0]);
    v[k * ld + i] = value;
    const double d = static_cast<double>(value);
    norm2[k - k0] += d * d;
  });
  for (int64_t k = k0; k < k1; ++k) {
    tau[k] = below[k - k0] > 0 ? 2.0 / norm2[k - k0] : 0.0;
  }
}

// Work matrices for the kernels: 64-byte aligned, with a leading dimension
// (column stride) that is a multiple of 64 bytes, so every column and every
// block the kernels see starts on the same boundary. Eigen splits a vector
// loop into a scalar head, packets and a tail by the address, and with FMA
// those paths round differently: without this, the bits could depend on
// where the heap puts the buffers.
constexpr size_t kAlignment = 64;
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
template <typename S>
using AlignedArray = std::unique_ptr<S[], AlignedFree>;
template <typename S>
AlignedArray<S> AllocateAligned(size_t count) {
  const size_t bytes =
      (count * sizeof(S) + kAlignment - 1) / kAlignment * kAlignment;
  return AlignedArray<S>(static_cast<S*>(
      std::aligned_alloc(kAlignment, std::max(bytes, kAlignment))));
}
template <typename S>
int64_t PaddedLeadingDimension(int64_t rows) {
  constexpr int64_t kPerLine = static_cast<int64_t>(kAlignment / sizeof(S));
  return (rows + kPerLine - 1) / kPerLine * kPerLine;
}

// gain * Q of one tall block into `out` (row-major rows x cols of the
// caller's block; Q is cols x rows when transposed).
template <typename S>
absl::Status OrthogonalBlock(const TallView& a, bool transposed, double gain,
                             const BlockReflectorKernels<S>& kernels,
                             int threads, double* out) {
  const int64_t m = a.m;
  const int64_t n = a.n;
  const int64_t ld = PaddedLeadingDimension<S>(m);
  // Every element of v and q that is read is written first (see below), on
  // the threads that then use it; the padding rows are never read.
  const AlignedArray<S> v = AllocateAligned<S>(static_cast<size_t>(ld * n));
  const AlignedArray<S> q = AllocateAligned<S>(static_cast<size_t>(ld * n));
  if (v == nullptr || q == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot allocate two ", m, " x ", n, " work matrices for orthogonal"));
  }
  std::vector<double> tau(static_cast<size_t>(n));
  std::vector<double> sign(static_cast<size_t>(n));
  auto no_state = [] { return 0; };

  const int64_t reflector_jobs =
      (n + kReflectorsPerJob - 1) / kReflectorsPerJob;
  ONNX_REINIT_RETURN_IF_ERROR(
      RunParallel(reflector_jobs, threads, no_state, [&](size_t job, int&) {
        const int64_t k0 = static_cast<int64_t>(job) * kReflectorsPerJob;
        ComputeReflectors<S>(a, k0, std::min(n, k0 + kReflectorsPerJob),
                             v.get(), ld, tau.data(), sign.data());
        return absl::OkStatus();
      }));

  const int64_t blocks = (n + kReflectorsPerBlock - 1) / kReflectorsPerBlock;
  constexpr int64_t kTSize = kReflectorsPerBlock * kReflectorsPerBlock;
  const AlignedArray<S> t =
      AllocateAligned<S>(static_cast<size_t>(blocks * kTSize));
  if (t == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate the T factors");
  }
  ONNX_REINIT_RETURN_IF_ERROR(
      RunParallel(blocks, threads, no_state, [&](size_t b, int&) {
        const int64_t i0 = static_cast<int64_t>(b) * kReflectorsPerBlock;
        const int64_t ib = std::min(kReflectorsPerBlock, n - i0);
        kernels.form_t(m - i0, ib, v.get() + i0 * ld + i0, ld, tau.data() + i0,
                       t.get() + b * kTSize);
        return absl::OkStatus();
      }));

  // Q = [I_N; 0], then the blocks from the last to the first. When block b
  // (reflectors i0 .. i0+ib-1) is applied, Q is still the identity outside
  // rows and columns >= i0 + ib: its columns i0 .. i0+ib-1 are [I; 0] (the
  // first job: rows < i0 set to 0 there, the others written by
  // apply_to_identity), and rows i0 .. i0+ib-1 of the later columns are zero
  // (skipped by apply). Rows < i0 of block b's columns are never written
  // again. So every element of q is written once before it is read.
  static_assert(kColumnsPerJob == kReflectorsPerBlock,
                "job 0 of each block is exactly that block's columns");
  for (int64_t b = blocks - 1; b >= 0; --b) {
    const int64_t i0 = b * kReflectorsPerBlock;
    const int64_t ib = std::min(kReflectorsPerBlock, n - i0);
    const int64_t width = n - i0;
    const int64_t jobs = (width + kColumnsPerJob - 1) / kColumnsPerJob;
    const S* vb = v.get() + i0 * ld + i0;
    const S* tb = t.get() + b * kTSize;
    ONNX_REINIT_RETURN_IF_ERROR(
        RunParallel(jobs, threads, no_state, [&](size_t j, int&) {
          const int64_t c0 = i0 + static_cast<int64_t>(j) * kColumnsPerJob;
          const int64_t w = std::min(kColumnsPerJob, n - c0);
          S* c = q.get() + c0 * ld + i0;
          if (j == 0) {
            for (int64_t col = c0; col < c0 + ib; ++col) {
              std::fill(q.get() + col * ld, q.get() + col * ld + i0, S(0));
            }
            kernels.apply_to_identity(m - i0, ib, vb, ld, tb, c, ld);
          } else {
            kernels.apply(m - i0, ib, vb, ld, tb, w, /*zero_rows=*/ib, c, ld);
          }
          return absl::OkStatus();
        }));
  }
  // out = gain * Q diag(s), in the caller's layout. Transposed: out is
  // n x m row-major and out(r, c) = Q(c, r), so out's row r is q's column r;
  // otherwise out(r, c) = Q(r, c) = q[r + c * ld], copied in square tiles so
  // that both sides are read and written a cache line at a time.
  constexpr int64_t kTile = 32;
  const int64_t row_jobs = (m + kRowsPerJob - 1) / kRowsPerJob;
  return RunParallel(row_jobs, threads, no_state, [&](size_t job, int&) {
    const int64_t r0 = static_cast<int64_t>(job) * kRowsPerJob;
    const int64_t r1 = std::min(m, r0 + kRowsPerJob);
    if (transposed) {  // out is n x m row-major
      for (int64_t c = 0; c < n; ++c) {
        const double factor = gain * sign[c];
        for (int64_t r = r0; r < r1; ++r) {
          out[c * m + r] = static_cast<double>(q[c * ld + r]) * factor;
        }
      }
      return absl::OkStatus();
    }
    for (int64_t c0 = 0; c0 < n; c0 += kTile) {  // out is m x n row-major
      const int64_t c1 = std::min(n, c0 + kTile);
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t c = c0; c < c1; ++c) {
          out[r * n + c] =
              static_cast<double>(q[c * ld + r]) * (gain * sign[c]);
        }
      }
    }
    return absl::OkStatus();
  });
}

template <typename S>
absl::Status FillBlocks(const MatrixBlocks& m, double gain, PhiloxKey key,
                        const BlockReflectorKernels<S>& kernels, int threads,
                        double* out) {
  const int64_t per_block = m.rows * m.cols;
  const bool transposed = m.rows < m.cols;
  const int64_t tall = std::max(m.rows, m.cols);
  const int64_t wide = std::min(m.rows, m.cols);
  const double flops = 4.0 * static_cast<double>(tall) * wide * wide;
  const int block_threads = flops >= kParallelFlops ? threads : 1;
  // Only A(i, j) with i >= j is ever read, so only those normals are drawn
  // (row r of a block: columns [0, r] when tall, [r, cols) when transposed);
  // each is the value SampleValues gives its element index. A is read only
  // while the reflectors are computed, before `block` is overwritten with
  // gain * Q, so it needs no copy.
  const Distribution normal = Distribution::Normal(0, 1);
  for (int64_t b = 0; b < m.blocks; ++b) {
    double* block = out + b * per_block;
    const int64_t row_jobs = (m.rows + kRowsPerJob - 1) / kRowsPerJob;
    ONNX_REINIT_RETURN_IF_ERROR(RunParallel(
        row_jobs, block_threads, [] { return 0; },
        [&](size_t job, int&) {
          const int64_t r0 = static_cast<int64_t>(job) * kRowsPerJob;
          for (int64_t r = r0; r < std::min(m.rows, r0 + kRowsPerJob); ++r) {
            const int64_t begin = transposed ? r : 0;
            const int64_t end = transposed ? m.cols : std::min(r + 1, m.cols);
            const int64_t index = b * per_block + r * m.cols + begin;
            SampleValues(normal, key, static_cast<uint64_t>(index),
                         static_cast<size_t>(end - begin), out + index);
          }
          return absl::OkStatus();
        }));
    const TallView a{block, tall, wide, transposed ? 1 : m.cols,
                     transposed ? m.cols : 1};
    ONNX_REINIT_RETURN_IF_ERROR(
        OrthogonalBlock<S>(a, transposed, gain, kernels, block_threads, block));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FillOrthogonal(const MatrixBlocks& m, double gain, PhiloxKey key,
                            double* out, const OrthogonalOptions& options) {
  if (m.blocks < 0 || m.rows < 0 || m.cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("blocks, rows and cols must be non-negative, got ",
                     m.blocks, ", ", m.rows, ", ", m.cols));
  }
  const int64_t shape[] = {m.blocks, m.rows, m.cols};
  ONNX_REINIT_RETURN_IF_ERROR(CheckDims(shape));
  ONNX_REINIT_RETURN_IF_ERROR(CheckGain(gain));
  if (m.blocks * m.rows * m.cols == 0) return absl::OkStatus();

  const int threads = ResolveThreads(options.threads);
  if (options.double_precision) {
    return FillBlocks<double>(m, gain, key, DoubleKernels(options.simd),
                              threads, out);
  }
  return FillBlocks<float>(m, gain, key, FloatKernels(options.simd), threads,
                           out);
}

}  // namespace onnx_reinit
