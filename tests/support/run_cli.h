// Runs the onnx-reinit binary built with the tests and captures its exit
// code, standard output and standard error.
#ifndef ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_
#define ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_

#include <string>
#include <vector>

namespace onnx_reinit::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Arguments are passed as they are (no shell word splitting).
CliResult RunCli(const std::vector<std::string>& args);

// Names of the entries of a folder, sorted.
std::vector<std::string> ListDir(const std::string& dir);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_RUN_CLI_H_
