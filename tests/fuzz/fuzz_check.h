// ONNX_REINIT_FUZZ_CHECK(condition, message...): an invariant a fuzz target
// checks beyond "no crash", taken from the contract in a library header (the
// output of a successful scan parses, a normalized location stays beneath its
// folder, ...). When it does not hold, prints the condition and the message
// (absl::StrCat of the arguments) to stderr and aborts: libFuzzer reports a
// "deadly signal" and saves the input like any crash.
#ifndef ONNX_REINIT_TESTS_FUZZ_FUZZ_CHECK_H_
#define ONNX_REINIT_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

#define ONNX_REINIT_FUZZ_CHECK(condition, ...)                        \
  do {                                                                \
    if (!(condition)) {                                               \
      std::fprintf(stderr, "fuzz check failed: %s: %s\n", #condition, \
                   absl::StrCat(__VA_ARGS__).c_str());                \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

#endif  // ONNX_REINIT_TESTS_FUZZ_FUZZ_CHECK_H_
