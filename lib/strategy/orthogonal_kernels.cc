#include "strategy/orthogonal_kernels.h"

namespace onnx_reinit {

SimdLevel BestSimdLevel() {
#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
  static const bool avx2_fma =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2_fma) return SimdLevel::kAvx2Fma;
#endif
  return SimdLevel::kBaseline;
}

SimdLevel ResolvedSimdLevel(SimdLevel level) {
  const SimdLevel best = BestSimdLevel();
  if (level == SimdLevel::kAuto) return best;
  if (level == SimdLevel::kAvx2Fma && best != SimdLevel::kAvx2Fma) {
    return SimdLevel::kBaseline;
  }
  return level;
}

const BlockReflectorKernels<float>& FloatKernels(SimdLevel level) {
#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
  if (ResolvedSimdLevel(level) == SimdLevel::kAvx2Fma) {
    return kernels_avx2_fma::kFloat;
  }
#endif
  (void)level;
  return kernels_baseline::kFloat;
}

const BlockReflectorKernels<double>& DoubleKernels(SimdLevel level) {
#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
  if (ResolvedSimdLevel(level) == SimdLevel::kAvx2Fma) {
    return kernels_avx2_fma::kDouble;
  }
#endif
  (void)level;
  return kernels_baseline::kDouble;
}

}  // namespace onnx_reinit
