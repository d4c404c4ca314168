#include "util/simd_level.h"

#include "absl/strings/str_cat.h"

namespace onnx_reinit {

absl::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAuto:
      return "auto";
    case SimdLevel::kBaseline:
      return "baseline";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "auto";
}

bool CpuSupports(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  // The features Highway's AVX2 and AVX3 targets are compiled for; GCC's
  // checks include the OS's support for the wider registers (XCR0).
  switch (level) {
    case SimdLevel::kAuto:
    case SimdLevel::kBaseline:
      return true;
    case SimdLevel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("f16c");
    case SimdLevel::kAvx512:
      return CpuSupports(SimdLevel::kAvx2) &&
             __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512bw");
  }
  return false;
#else
  return level == SimdLevel::kAuto || level == SimdLevel::kBaseline;
#endif
}

SimdLevel BestSimdLevel() {
  if (CpuSupports(SimdLevel::kAvx512)) return SimdLevel::kAvx512;
  if (CpuSupports(SimdLevel::kAvx2)) return SimdLevel::kAvx2;
  return SimdLevel::kBaseline;
}

SimdLevel ResolveSimdLevel(SimdLevel level) {
  if (level == SimdLevel::kAuto || !CpuSupports(level)) return BestSimdLevel();
  return level;
}

absl::StatusOr<SimdLevel> ParseSimdLevel(absl::string_view text) {
  for (SimdLevel level : {SimdLevel::kAuto, SimdLevel::kAvx512,
                          SimdLevel::kAvx2, SimdLevel::kBaseline}) {
    if (text != SimdLevelName(level)) continue;
    if (!CpuSupports(level)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--simd=", text, ": this CPU does not support it (best level: ",
          SimdLevelName(BestSimdLevel()), ")"));
    }
    return level;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--simd takes auto, avx512, avx2 or baseline, got \"", text, "\""));
}

}  // namespace onnx_reinit
