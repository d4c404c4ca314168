// The SIMD level every vector kernel of the tool runs at, chosen once per
// run (--simd=auto|avx512|avx2|baseline).
//
//   kAvx512    x86-64 with AVX-512 F, VL, DQ and BW (Highway's AVX3 target)
//   kAvx2      x86-64 with AVX2, FMA, BMI2 and F16C (Highway's AVX2 target)
//   kBaseline  the compiler's default target: SSE2 on x86-64, and the
//              portable build (Highway's EMU128) on any other CPU
//   kAuto      the best of those the CPU runs
//
// The element-wise samplers (strategy/sampler.h) give the same bits at every
// level. The orthogonal kernels (strategy/orthogonal_kernels.h) have two
// builds: kAvx512 uses the AVX2+FMA one (the next level down with a kernel of
// its own), and their bits depend on the build.
#ifndef ONNX_REINIT_UTIL_SIMD_LEVEL_H_
#define ONNX_REINIT_UTIL_SIMD_LEVEL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace onnx_reinit {

enum class SimdLevel {
  kAuto,
  kBaseline,
  kAvx2,
  kAvx512,
};

// "auto", "baseline", "avx2", "avx512".
absl::string_view SimdLevelName(SimdLevel level);

// Parses a --simd value. InvalidArgument
//   --simd takes auto, avx512, avx2 or baseline, got "X"
// for an unknown word, and
//   --simd=avx512: this CPU does not support it (best level: avx2)
// for a level the CPU lacks.
[[nodiscard]] absl::StatusOr<SimdLevel> ParseSimdLevel(absl::string_view text);

// Whether this CPU (and OS) runs `level`; true for kAuto and kBaseline.
bool CpuSupports(SimdLevel level);

// The best level this CPU runs (never kAuto).
SimdLevel BestSimdLevel();

// `level`, with kAuto resolved to BestSimdLevel() and a level the CPU lacks
// lowered to the best one it has.
SimdLevel ResolveSimdLevel(SimdLevel level);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_UTIL_SIMD_LEVEL_H_
