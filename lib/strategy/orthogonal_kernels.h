// The dense linear algebra of FillOrthogonal (strategy/orthogonal.cc): the
// compact WY form of a block of Householder reflectors and its application.
// Pure functions of their arguments, single-threaded; the caller splits the
// work into fixed column ranges, so the bits never depend on how many
// threads run them.
//
// Two builds of the same code (Eigen matrix products):
//   baseline   the compiler's default target (x86-64: SSE2): SimdLevel
//              kBaseline (util/simd_level.h)
//   AVX2+FMA   x86-64 only, compiled with -mavx2 -mfma: SimdLevel kAvx2, and
//              kAvx512 (no build of its own: the next level down), on a CPU
//              that has them (about 2.2x faster for 4096 x 4096)
// They round differently (fused multiply-adds, other vector widths), so the
// level is part of what determines the bits: one level gives the same bits
// on every machine that runs it (Eigen's blocking is fixed, not read from
// the cache sizes), the two levels differ in the last places.
#ifndef ONNX_REINIT_STRATEGY_ORTHOGONAL_KERNELS_H_
#define ONNX_REINIT_STRATEGY_ORTHOGONAL_KERNELS_H_

#include <cstdint>

#include "util/simd_level.h"

namespace onnx_reinit {

// All matrices are column-major with the given leading dimension (ld >= rows).
// V_b (m x ib) holds reflectors in its columns: v_j(j) = 1, v_j(i) = 0 for
// i < j; H_j = I - tau_j v_j v_jᵀ.
template <typename S>
struct BlockReflectorKernels {
  // T (ib x ib, ld ib, upper triangular) with
  //   H_0 H_1 ... H_{ib-1} = I - V_b T V_bᵀ
  // (Schreiber & Van Loan 1989; LAPACK larft, forward, columnwise):
  //   T(j, j) = tau_j, T(0:j, j) = -tau_j T(0:j, 0:j) (V_bᵀ V_b)(0:j, j),
  // the Gram matrix V_bᵀ V_b in S, the recurrence in double.
  void (*form_t)(int64_t m, int64_t ib, const S* v, int64_t ldv,
                 const double* tau, S* t);
  // C := (I - V_b T V_bᵀ) C for C m x w whose first `zero_rows` rows are
  // zero:  W = V_bᵀ C (over the other rows);  W = T W;  C -= V_b W.
  void (*apply)(int64_t m, int64_t ib, const S* v, int64_t ldv, const S* t,
                int64_t w, int64_t zero_rows, S* c, int64_t ldc);
  // C (m x ib) := (I - V_b T V_bᵀ) [I_ib; 0] = [I_ib; 0] - V_b (T V_topᵀ),
  // V_top the first ib rows of V_b. C's input values are not read.
  void (*apply_to_identity)(int64_t m, int64_t ib, const S* v, int64_t ldv,
                            const S* t, S* c, int64_t ldc);
};

// Whether `level` (after ResolveSimdLevel) runs the AVX2+FMA build: false
// for kBaseline, and when the build has none (not x86-64).
bool UsesAvx2FmaKernels(SimdLevel level);

// The kernels of `level`.
const BlockReflectorKernels<float>& FloatKernels(SimdLevel level);
const BlockReflectorKernels<double>& DoubleKernels(SimdLevel level);

namespace kernels_baseline {
extern const BlockReflectorKernels<float> kFloat;
extern const BlockReflectorKernels<double> kDouble;
}  // namespace kernels_baseline
namespace kernels_avx2_fma {
extern const BlockReflectorKernels<float> kFloat;
extern const BlockReflectorKernels<double> kDouble;
}  // namespace kernels_avx2_fma

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_ORTHOGONAL_KERNELS_H_
