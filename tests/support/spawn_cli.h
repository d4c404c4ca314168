// Runs the onnx-reinit binary built with the tests without waiting for it:
// for tests that signal it while it runs, run several at once, or change its
// limits (a setup function runs in the child before exec).
#ifndef ONNX_REINIT_TESTS_SUPPORT_SPAWN_CLI_H_
#define ONNX_REINIT_TESTS_SUPPORT_SPAWN_CLI_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace onnx_reinit::testing {

struct CliProcess {
  pid_t pid = -1;
  std::string dir;  // holds its stdout and stderr
};

// Starts the CLI with `args` (no shell word splitting); `in_child`, when
// given, runs in the child just before exec (async-signal-safe calls only:
// setrlimit, signal, ...).
CliProcess StartCli(const std::vector<std::string>& args,
                    const std::function<void()>& in_child = {});

struct CliEnd {
  int wait_status = 0;  // as waitpid gives it
  std::string out;
  std::string err;
};

// Waits for the process and collects what it printed.
CliEnd WaitCli(const CliProcess& process);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_SPAWN_CLI_H_
