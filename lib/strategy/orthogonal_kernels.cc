#include "strategy/orthogonal_kernels.h"

namespace onnx_reinit {

bool UsesAvx2FmaKernels(SimdLevel level) {
#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
  return ResolveSimdLevel(level) != SimdLevel::kBaseline;
#else
  (void)level;
  return false;
#endif
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
  if (avx2_fma != nullptr && UsesAvx2FmaKernels(level)) {
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
