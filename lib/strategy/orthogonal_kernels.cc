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

namespace {

#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
const BlockReflectorKernels<float>* const kAvx2FmaFloat =
    &kernels_avx2_fma::kFloat;
const BlockReflectorKernels<double>* const kAvx2FmaDouble =
    &kernels_avx2_fma::kDouble;
#else  // not built: never chosen
const BlockReflectorKernels<float>* const kAvx2FmaFloat = nullptr;
const BlockReflectorKernels<double>* const kAvx2FmaDouble = nullptr;
#endif

template <typename S>
const BlockReflectorKernels<S>& Pick(SimdLevel level,
                                     const BlockReflectorKernels<S>& baseline,
                                     const BlockReflectorKernels<S>* avx2_fma) {
  if (avx2_fma != nullptr && ResolvedSimdLevel(level) == SimdLevel::kAvx2Fma) {
    return *avx2_fma;
  }
  return baseline;
}

}  // namespace

const BlockReflectorKernels<float>& FloatKernels(SimdLevel level) {
  return Pick(level, kernels_baseline::kFloat, kAvx2FmaFloat);
}

const BlockReflectorKernels<double>& DoubleKernels(SimdLevel level) {
  return Pick(level, kernels_baseline::kDouble, kAvx2FmaDouble);
}

}  // namespace onnx_reinit
