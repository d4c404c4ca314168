// A generator of models with many small tensors, for memory and time tests
// and benchmarks (bench/many_tensors.sh): a chain of `count` MatMul nodes,
//   x{i+1} = MatMul(x{i}, w{i})   (node "m{i}", w{i} a FLOAT [1, 1]
//                                  initializer with 4 bytes of raw_data)
// from graph input x0 to graph output x{count}. One million tensors make a
// file of about 50 MB. Written as a stream of small messages: the generator
// holds one node and one tensor at a time, whatever `count` is.
#ifndef ONNX_REINIT_TESTS_SUPPORT_MANY_TENSORS_MODEL_H_
#define ONNX_REINIT_TESTS_SUPPORT_MANY_TENSORS_MODEL_H_

#include <cstdint>
#include <string>

namespace onnx_reinit::testing {

// Writes the model to `path`. Returns false (and reports it on stderr) when
// the file cannot be written or the model would exceed protobuf's 2 GiB.
bool WriteManyTensorsModel(const std::string& path, int64_t count);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_MANY_TENSORS_MODEL_H_
