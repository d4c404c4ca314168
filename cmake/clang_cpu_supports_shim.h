/* Force-included into lib/util/simd_level.cc by cmake/sanitize.cmake when
 * the compiler is clang older than 16, whose __builtin_cpu_supports does not
 * know "f16c" (a compile error). Every __builtin_cpu_supports(FEATURE) there
 * becomes a call of the function below: "f16c" is read from CPUID leaf 1
 * (ECX bit 29; the AVX2 check it goes with covers the OS's support for the
 * wide registers), any other feature goes to the builtin itself. Remove when
 * simd_level.cc no longer asks the builtin for "f16c". */
#ifndef ONNX_REINIT_CMAKE_CLANG_CPU_SUPPORTS_SHIM_H_
#define ONNX_REINIT_CMAKE_CLANG_CPU_SUPPORTS_SHIM_H_

#include <cpuid.h>
#include <string.h>

static inline int onnx_reinit_cpu_supports(const char* feature) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (strcmp(feature, "f16c") == 0) {
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
  }
  if (strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
  if (strcmp(feature, "fma") == 0) return __builtin_cpu_supports("fma");
  if (strcmp(feature, "bmi") == 0) return __builtin_cpu_supports("bmi");
  if (strcmp(feature, "bmi2") == 0) return __builtin_cpu_supports("bmi2");
  if (strcmp(feature, "avx512f") == 0) return __builtin_cpu_supports("avx512f");
  if (strcmp(feature, "avx512vl") == 0) {
    return __builtin_cpu_supports("avx512vl");
  }
  if (strcmp(feature, "avx512dq") == 0) {
    return __builtin_cpu_supports("avx512dq");
  }
  if (strcmp(feature, "avx512bw") == 0) {
    return __builtin_cpu_supports("avx512bw");
  }
  return 0; /* a feature this shim does not know: not used */
}

#define __builtin_cpu_supports(feature) onnx_reinit_cpu_supports(feature)

#endif /* ONNX_REINIT_CMAKE_CLANG_CPU_SUPPORTS_SHIM_H_ */
