// A generator of large models with external data, for tests and benchmarks:
// a decoder-like stack of `layers` blocks, each
//   h = Relu(x · W1 + b1)  (W1 [width, 4·width])
//   x = x + (h · W2 + b2)  (W2 [4·width, width])
// with every weight and bias in one data file, tensors of 1 MiB or more
// aligned to 64 KiB. The data file is created sparse (ftruncate), so a model
// of any size is written in milliseconds; a marker is written before the
// first tensor and after the last so tests can check bytes outside tensors.
#ifndef ONNX_REINIT_TESTS_SUPPORT_LARGE_MODEL_H_
#define ONNX_REINIT_TESTS_SUPPORT_LARGE_MODEL_H_

#include <cstdint>
#include <string>

namespace onnx_reinit::testing {

inline constexpr char kLargeModelMarker[] = "onnx-reinit large test model";

struct LargeModel {
  std::string model_path;
  std::string data_path;
  uint64_t data_size = 0;
};

// Writes `dir`/model.onnx and `dir`/weights.bin. Returns an empty
// model_path on failure (and reports it on stderr).
LargeModel WriteLargeModel(const std::string& dir, int layers, int64_t width);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_LARGE_MODEL_H_
