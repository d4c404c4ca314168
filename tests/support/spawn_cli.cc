#include "support/spawn_cli.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/model_text.h"

namespace onnx_reinit::testing {

CliProcess StartCli(const std::vector<std::string>& args,
                    const std::function<void()>& in_child) {
  CliProcess process;
  process.dir = MakeTempDir();
  const std::string out_path = process.dir + "/stdout";
  const std::string err_path = process.dir + "/stderr";
  std::vector<std::string> copy = args;
  std::string cli = REINIT_TEST_CLI;
  std::vector<char*> argv;
  argv.push_back(cli.data());
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  process.pid = ::fork();
  if (process.pid == 0) {
    const int out =
        ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err =
        ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (in_child) in_child();
    ::execv(cli.c_str(), argv.data());
    ::_exit(127);
  }
  return process;
}

CliEnd WaitCli(const CliProcess& process) {
  CliEnd end;
  ::waitpid(process.pid, &end.wait_status, 0);
  end.out = ReadFile(process.dir + "/stdout");
  end.err = ReadFile(process.dir + "/stderr");
  ::unlink((process.dir + "/stdout").c_str());
  ::unlink((process.dir + "/stderr").c_str());
  ::rmdir(process.dir.c_str());
  return end;
}

}  // namespace onnx_reinit::testing
