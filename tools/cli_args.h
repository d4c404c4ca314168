// The command line of onnx-reinit, parsed once into an options struct. The
// flags are one table (cli_args.cc): name, value name, help, and the setter;
// parsing, --help and error messages all read that table.
#ifndef ONNX_REINIT_TOOLS_CLI_ARGS_H_
#define ONNX_REINIT_TOOLS_CLI_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace onnx_reinit {

struct CliArgs {
  // Model files and folders, in the order given (at least one).
  std::vector<std::string> inputs;
  std::string output;
  bool in_place = false;
  bool plan = false;
  std::string format = "text";               // --plan output: text | json
  std::optional<std::string> strategy;       // --strategy, when given
  std::optional<std::string> bias_strategy;  // --bias_strategy, when given
  std::vector<std::string> rules;            // --rule, repeatable, in order
  std::string config;                        // --config
  std::string profile;                       // --profile
  std::string fan_convention = "torch";
  uint64_t seed = 0;
  int threads = 0;
  std::string simd = "auto";  // checked by Reinitializer::Create
  std::string report;
  std::string external_data = "keep";  // keep | inline | external
  uint64_t external_threshold = 1024;
  std::string external_file;
  int jobs = 0;  // models at a time; 0 = one per core
  bool fail_fast = false;
  std::string seed_from = "none";  // none | path
  std::string shard;               // "I/N", "" = all
  bool quiet = false;
  bool help = false;
  bool version = false;
};

// InvalidArgument with a one-line message for any usage error (unknown flag,
// missing or malformed value, missing MODEL or -o). Strategies are checked
// later, by the strategy table.
[[nodiscard]] absl::StatusOr<CliArgs> ParseCliArgs(int argc,
                                                   const char* const* argv);

std::string CliUsage();

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_CLI_ARGS_H_
