// The shared corpus (decompressed into the build tree) and a reference
// decoder for tensor values, independent of the library's writer.
#ifndef ONNX_REINIT_TESTS_SUPPORT_CORPUS_H_
#define ONNX_REINIT_TESTS_SUPPORT_CORPUS_H_

#include <set>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace onnx_reinit::testing {

// The ten corpus model names ("mlp", "resnet18", ...).
const std::vector<std::string>& CorpusModels();
std::string CorpusPath(const std::string& name);

// Every value of a FLOAT/DOUBLE/FLOAT16/BFLOAT16 tensor, from raw_data or the
// typed field, as double.
std::vector<double> DecodeValues(const onnx::TensorProto& tensor);

// Float initializers of the main graph read by a Gemm/MatMul/Conv/
// ConvTranspose weight or bias input, found without the library's op table:
// what the default rules must rewrite.
std::set<std::string> LinearWeightsAndBiases(const onnx::ModelProto& model);

// The tensor at a path of util/tensor_path.h ("graph/initializer[3]",
// "graph/node[2]/attribute[0]/t", ...), or nullptr.
onnx::TensorProto* TensorAtPath(onnx::ModelProto* model,
                                const std::string& path);
const onnx::TensorProto* TensorAtPath(const onnx::ModelProto& model,
                                      const std::string& path);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_CORPUS_H_
