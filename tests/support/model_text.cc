#include "support/model_text.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
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

namespace {

// Every folder a test process makes lives under one root, removed when the
// process exits (ONNX_REINIT_KEEP_TEST_DIRS=1 keeps it, for debugging).
std::string* root = nullptr;

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  ::remove(path);
  return 0;
}

void RemoveRoot() {
  const char* keep = std::getenv("ONNX_REINIT_KEEP_TEST_DIRS");
  if (root == nullptr || (keep != nullptr && std::string(keep) == "1")) return;
  ::nftw(root->c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string MakeDir(const std::string& pattern) {
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  const char* dir = ::mkdtemp(buffer.data());
  EXPECT_NE(dir, nullptr) << pattern;
  return dir ? dir : "";
}

}  // namespace

std::string MakeTempDir() {
  static const bool made = [] {  // once, thread-safe
    const char* base = std::getenv("TMPDIR");
    root = new std::string(MakeDir(std::string(base && *base ? base : "/tmp") +
                                   "/onnx_reinit_test_XXXXXX"));
    std::atexit(RemoveRoot);
    return true;
  }();
  (void)made;
  return MakeDir(*root + "/XXXXXX");
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
