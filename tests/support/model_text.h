// Test models written as ONNX text (onnx::OnnxParser), plus helpers to put
// them on disk and read models back.
#ifndef ONNX_REINIT_TESTS_SUPPORT_MODEL_TEXT_H_
#define ONNX_REINIT_TESTS_SUPPORT_MODEL_TEXT_H_

#include <string>

#include "onnx/onnx_pb.h"

namespace onnx_reinit::testing {

// Parses ONNX text; fails the current test (and returns an empty model) when
// the text does not parse.
onnx::ModelProto ParseModel(const std::string& text);

// A fresh, empty folder in this process's temporary root (under $TMPDIR or
// /tmp), which is removed with everything in it when the process exits.
std::string MakeTempDir();

void WriteModel(const onnx::ModelProto& model, const std::string& path);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& bytes);
onnx::ModelProto ReadModel(const std::string& path);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_MODEL_TEXT_H_
