// orthogonal(gain): Saxe et al. 2014; torch.nn.init.orthogonal_, Keras
// Orthogonal, JAX orthogonal. A Haar-distributed (uniformly random)
// orthogonal matrix, i.e. the distribution of the Q factor of an N(0, 1)
// matrix A = Q R taken with diag(R) > 0, times gain.
//
// Algorithm (Stewart 1980, "The efficient generation of random orthogonal
// matrices with an application to condition estimators"): Householder QR of
// A reflects column k's entries k..M-1 onto e_k at step k. Given the earlier
// reflections, those entries are again i.i.d. N(0, 1) (the earlier
// reflections are orthogonal and independent of column k), so Stewart draws
// them directly instead of updating A: the reflectors are those of the QR of
// an N(0, 1) matrix, in distribution, and the O(N^3) factorization is never
// computed; only Q is formed. For a tall M x N block (M >= N):
//   x_k     = A(k..M-1, k), k = 0..N-1, A the block's keyed N(0, 1) values
//             (below): element i of the tensor takes z_{i % 2} of BoxMuller
//             on PhiloxBlock(key, i / 2), stream 0 — exactly
//             SampleValues(Distribution::Normal(0, 1), key, 0, n, ...)
//   H_k     = I - tau_k v_k v_kᵀ, the reflector with H_k x_k = beta_k e_k,
//             beta_k = -sign(x_k0) ||x_k||, v_k(k) = 1,
//             v_k(k+i) = x_ki / (x_k0 - beta_k) rounded to the working
//             precision, tau_k = 2 / (v_kᵀ v_k) of the rounded v_k (so H_k
//             is a reflection to the last bit); a length-1 or zero x_k gives
//             H_k = I, beta_k = x_k0
//   Q       = H_0 H_1 ... H_{N-1} [I_N; 0] diag(s), s_k = sign(beta_k) =
//             sign(R_kk), sign(0) = +1 (the sign fix that makes Q Haar)
//   block   = gain * Q
// A is the block's row-major rows x cols values, transposed first when
// rows < cols (so the block is gain * Qᵀ then). Result: rows <= cols →
// Q Qᵀ = gain² I (orthonormal rows); rows >= cols → Qᵀ Q = gain² I.
//
// Q is formed from the back, 128 reflectors at a time in the compact WY form
// I - V T Vᵀ (strategy/orthogonal_kernels.h), applied to fixed ranges of 128
// columns; threads take whole ranges, so the bits do not depend on the thread
// count. Cost ~ 4 M N² - 4/3 N³ flops per block: 4096 x 4096 in single
// precision with AVX2+FMA on 2 cores 0.67-0.82 s (bench/README.md).
#ifndef ONNX_REINIT_STRATEGY_ORTHOGONAL_H_
#define ONNX_REINIT_STRATEGY_ORTHOGONAL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "random/philox.h"
#include "strategy/orthogonal_kernels.h"

namespace onnx_reinit {

// A tensor seen as a stack of `blocks` equal matrices, each rows x cols in
// row-major order: block b covers elements [b*rows*cols, (b+1)*rows*cols) and
// element (r, c) of block b is element b*rows*cols + r*cols + c. The caller
// chooses the split (e.g. an LSTM R [1, 4H, H] packs 4 gates: blocks = 4,
// rows = H, cols = H).
struct MatrixBlocks {
  int64_t blocks = 1;
  int64_t rows = 0;
  int64_t cols = 0;
};

// How the values are computed; the distribution never depends on it.
struct OrthogonalOptions {
  // Working precision of Q: single for FLOAT, FLOAT16 and BFLOAT16 tensors
  // (QᵀQ = I to ~1e-6 at 4096², before rounding to the tensor's dtype),
  // double for DOUBLE ones (~1e-14, about 2x slower). Part of the bits.
  bool double_precision = false;
  // Worker threads, 0 = one per core. Never changes the bits.
  int threads = 1;
  // Which build of the kernels (strategy/orthogonal_kernels.h). Part of the
  // bits: kBaseline gives the same values on every x86-64 machine.
  SimdLevel simd = SimdLevel::kAuto;
};

// Writes the blocks to out[0 .. blocks*rows*cols) (the caller's doubles).
// InvalidArgument, with nothing written:
//   "blocks, rows and cols must be non-negative, got <b>, <r>, <c>"
//   "tensor has more than 2^62 elements"
//   "gain must be finite, got <g>"
// ResourceExhausted when the work matrices (two of rows x cols in the
// working precision) cannot be allocated; out then holds no valid values.
[[nodiscard]] absl::Status FillOrthogonal(
    const MatrixBlocks& m, double gain, PhiloxKey key, double* out,
    const OrthogonalOptions& options = {});

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_ORTHOGONAL_H_
