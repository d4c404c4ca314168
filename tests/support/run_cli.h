// Runs the onnx-reinit binary built with the tests and captures its exit
// code, standard output and standard error.
#ifndef ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_
#define ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_

#include <cstdint>
#include <string>
#include <vector>

namespace onnx_reinit::testing {

struct CliResult {
  int exit_code = -1;  // -1 when a signal ended it
  int signal = 0;      // the signal that ended it, or 0
  std::string out;
  std::string err;
};

// Arguments are passed as they are (no shell word splitting).
CliResult RunCli(const std::vector<std::string>& args);

// Limits set in the child before it runs the CLI.
struct CliLimits {
  unsigned timeout_seconds = 0;      // then killed by SIGALRM (0 = none)
  uint64_t address_space_bytes = 0;  // RLIMIT_AS (0 = none)
};
CliResult RunCli(const std::vector<std::string>& args, const CliLimits& limits);

// Names of the entries of a folder, sorted.
std::vector<std::string> ListDir(const std::string& dir);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_
