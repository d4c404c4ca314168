// The orthogonal kernels for x86-64 with AVX2 and FMA (see
// strategy/orthogonal_kernels.h). lib/CMakeLists.txt compiles this file with
// -mavx2 -mfma on x86-64 only; elsewhere it is empty and the level falls
// back to the baseline. Eigen is renamed so that its functions compiled here
// (with AVX2 instructions) are never picked by the linker for the baseline.
#if defined(ONNX_REINIT_AVX2_FMA_KERNELS)
#if !defined(__AVX2__) || !defined(__FMA__)
#error "orthogonal_kernels_avx2_fma.cc needs -mavx2 -mfma"
#endif
#include <cstdint>  // before the rename: standard headers keep std names
#define Eigen onnx_reinit_eigen_avx2_fma
#define ONNX_REINIT_KERNEL_NS kernels_avx2_fma
#include "strategy/orthogonal_kernels_impl.h"
#endif
