// The orthogonal kernels at the compiler's default target (see
// strategy/orthogonal_kernels.h).
#define ONNX_REINIT_KERNEL_NS kernels_baseline
#include "strategy/orthogonal_kernels_impl.h"
