# Sanitizer and fuzzing builds (README "Fuzzing and sanitizers"). Included by
# the top-level CMakeLists.txt before any of the project's folders, so the
# flags below reach every target of the project (not the dependencies, which
# are Debian's gcc-built libraries).
#
#   -DONNX_REINIT_SANITIZE=address,undefined
#       Compiles and links every target with -fsanitize=<list>
#       -fno-omit-frame-pointer, and -fno-sanitize-recover=undefined when the
#       list has "undefined": any UBSan report then ends the process, so a
#       test or fuzz run fails on it. Any list the compiler accepts works
#       ("address", "undefined", "address,undefined"); empty (default): off.
#       scripts/test_sanitized.sh builds build-asan this way with clang.
#   -DONNX_REINIT_BUILD_FUZZERS=ON
#       The libFuzzer targets of tests/fuzz/ (needs clang and
#       libclang-rt-14-dev + libfuzzer-14-dev on Debian 12). Every target is
#       then also compiled with -fsanitize=fuzzer-no-link (the coverage the
#       fuzzer steers by), the fuzz targets are linked with -fsanitize=fuzzer,
#       and ONNX_REINIT_SANITIZE defaults to address,undefined.
set(ONNX_REINIT_SANITIZE "" CACHE STRING
  "Sanitizers for every target, as for -fsanitize= (e.g. address,undefined)")
option(ONNX_REINIT_BUILD_FUZZERS
  "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(ONNX_REINIT_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ONNX_REINIT_BUILD_FUZZERS needs clang (libFuzzer): "
      "configure with CXX=clang++ (got ${CMAKE_CXX_COMPILER_ID})")
  endif()
  if(ONNX_REINIT_SANITIZE STREQUAL "")
    set(ONNX_REINIT_SANITIZE "address,undefined" CACHE STRING
      "Sanitizers for every target, as for -fsanitize=" FORCE)
  endif()
  if(NOT ONNX_REINIT_BUILD_TESTS)
    message(FATAL_ERROR "ONNX_REINIT_BUILD_FUZZERS needs "
      "ONNX_REINIT_BUILD_TESTS (the fuzz targets live in tests/fuzz)")
  endif()
endif()

if(NOT ONNX_REINIT_SANITIZE STREQUAL "")
  message(STATUS "onnx-reinit: sanitizers ${ONNX_REINIT_SANITIZE}")
  set(onnx_reinit_sanitize_flags
    -fsanitize=${ONNX_REINIT_SANITIZE} -fno-omit-frame-pointer)
  if(ONNX_REINIT_SANITIZE MATCHES "undefined")
    list(APPEND onnx_reinit_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${onnx_reinit_sanitize_flags})
  add_link_options(${onnx_reinit_sanitize_flags})
  # clang links its sanitizer runtimes into executables only: a shared
  # library leaves their symbols to the executable that loads it, which
  # libonnx_reinit.so's -Wl,--no-undefined (lib/CMakeLists.txt) refuses.
  # -z undefs, after it on the link line, allows them again for the shared
  # library of a sanitized build alone (gcc links libasan into it instead).
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL
      target_link_options onnx_reinit PRIVATE -Wl,-z,undefs)
  endif()
endif()

if(ONNX_REINIT_BUILD_FUZZERS)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# clang < 16 refuses __builtin_cpu_supports("f16c") (lib/util/simd_level.cc):
# that one file gets cmake/clang_cpu_supports_shim.h, which answers "f16c"
# from CPUID and passes every other feature to the builtin.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND
   CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL
    set_property SOURCE ${CMAKE_SOURCE_DIR}/lib/util/simd_level.cc
    DIRECTORY ${CMAKE_SOURCE_DIR}/lib APPEND PROPERTY COMPILE_OPTIONS
    -include ${CMAKE_SOURCE_DIR}/cmake/clang_cpu_supports_shim.h)
endif()
