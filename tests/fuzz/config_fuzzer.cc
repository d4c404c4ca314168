// Fuzz target: the --config loader, LoadConfigFile (lib/rules/config_file.cc,
// declared in lib/rules/rules.h), on any file contents.
//
// The input is written to config.json when its first non-blank byte is '{'
// (protobuf JSON), and to config.textproto otherwise (protobuf text format),
// in a folder made once per process under $TMPDIR (default /tmp). A loaded
// config then goes through RuleSet::Build (with the torch profile on odd
// sizes) and chooses a rule for a tensor of every known role and scope.
// Invariants beyond "no crash": a load error is InvalidArgument and names the
// file; a loaded config builds (LoadConfigFile validates every rule as
// RuleSet::Build does).
// Seeds: tests/fuzz/seeds/config/. Dictionary: onnx.dict.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "fuzz_support.h"
#include "rules/rules.h"

namespace onnx_reinit {
namespace {

const std::string& TempFolder() {
  static const std::string* folder = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                       "/onnx_reinit_config_fuzzer.XXXXXX";
    ONNX_REINIT_FUZZ_CHECK(::mkdtemp(root.data()) != nullptr, "mkdtemp ", root);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(TempFolder(), ignored);
    });
    return new std::string(root);
  }();
  return *folder;
}

bool LooksLikeJson(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' ||
        data[i] == '\r') {
      continue;
    }
    return data[i] == '{';
  }
  return false;
}

}  // namespace
}  // namespace onnx_reinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onnx_reinit;  // NOLINT: a fuzz entry point
  const std::string path =
      TempFolder() +
      (LooksLikeJson(data, size) ? "/config.json" : "/config.textproto");
  WriteFuzzFile(path, data, size);

  absl::StatusOr<Config> config = LoadConfigFile(path);
  ::unlink(path.c_str());
  if (!config.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        config.status().code() == absl::StatusCode::kInvalidArgument,
        config.status().ToString());
    ONNX_REINIT_FUZZ_CHECK(
        absl::StrContains(config.status().message(), path),
        "the error does not name the file: ", config.status().ToString());
    return 0;
  }
  RuleOptions options;
  options.config = *std::move(config);
  options.profile = size % 2 == 0 ? Profile::kNone : Profile::kTorch;
  const absl::StatusOr<RuleSet> rules = RuleSet::Build(options);
  ONNX_REINIT_FUZZ_CHECK(rules.ok(), "a loaded config does not build: ",
                         rules.status().ToString());
  TensorFacts facts;
  facts.name = "enc.layers.0.weight";
  facts.op_type = "MatMul";
  facts.dtype = 1;
  facts.rank = 2;
  facts.element_count = 4096;
  CheckEveryRoleAndScopeIsChosen(*rules, facts);
  return 0;
}
