// Compares file contents without printing them on failure (model bytes would
// flood the log): sizes and the first differing offset instead.
#ifndef ONNX_REINIT_TESTS_SUPPORT_SAME_BYTES_H_
#define ONNX_REINIT_TESTS_SUPPORT_SAME_BYTES_H_

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

namespace onnx_reinit::testing {

inline ::testing::AssertionResult SameBytes(const std::string& actual,
                                            const std::string& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  const auto mismatch = std::mismatch(actual.begin(), actual.end(),
                                      expected.begin(), expected.end());
  return ::testing::AssertionFailure()
         << "the bytes differ: " << actual.size() << " bytes vs "
         << expected.size() << " expected, first difference at offset "
         << (mismatch.first - actual.begin());
}

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_SAME_BYTES_H_
