#include "support/model_text.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"
#include "onnx/defs/parser.h"

namespace onnx_reinit::testing {

onnx::ModelProto ParseModel(const std::string& text) {
  onnx::ModelProto model;
  onnx::Common::Status status = onnx::OnnxParser::Parse(model, text.c_str());
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage() << "\n" << text;
  return model;
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && *base ? base : "/tmp") + "/onnx_reinit_test_XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  const char* dir = ::mkdtemp(buffer.data());
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "";
}

void WriteModel(const onnx::ModelProto& model, const std::string& path) {
  std::string bytes;
  ASSERT_TRUE(model.SerializeToString(&bytes));
  WriteFile(path, bytes);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

onnx::ModelProto ReadModel(const std::string& path) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(ReadFile(path))) << path;
  return model;
}

}  // namespace onnx_reinit::testing
