// onnx-reinit: the command-line front end. The only place where statuses
// become messages and exit codes:
//   0  success
//   1  bad input or I/O failure (the library's errors)
//   2  usage error (flags, strategies, parameters)

#include <cstdio>
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli_args.h"
#include "graph/fans.h"
#include "io/atomic_output.h"
#include "io/file_io.h"
#include "plan/report.h"
#include "reinit.h"
#include "rules/rules.h"
#include "strategy/orthogonal_kernels.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, const std::string& message) {
  std::cerr << "onnx-reinit: error: " << message << "\n";
  return code;
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  absl::StatusOr<AtomicOutput> out = AtomicOutput::Create(path);
  if (!out.ok()) return out.status();
  absl::Status s = WriteAt(out->fd(), path, text.data(), text.size(), 0);
  if (!s.ok()) return s;
  return out->Commit();
}

int Run(int argc, char** argv) {
  absl::StatusOr<CliArgs> args = ParseCliArgs(argc, argv);
  if (!args.ok()) return Fail(kExitUsage, std::string(args.status().message()));
  if (args->help) {
    std::cout << CliUsage();
    return kExitOk;
  }
  if (args->version) {
    std::cout << "onnx-reinit " << ONNX_REINIT_VERSION << "\n";
    return kExitOk;
  }

  // Every rule, strategy and parameter is checked before any file is read.
  RuleOptions rule_options;
  rule_options.cli_rules = args->rules;
  rule_options.weight_strategy = args->strategy;
  rule_options.bias_strategy = args->bias_strategy;
  absl::StatusOr<Profile> profile = ParseProfile(args->profile);
  if (!profile.ok()) {
    return Fail(kExitUsage,
                absl::StrCat("--profile: ", profile.status().message()));
  }
  rule_options.profile = *profile;
  if (!args->config.empty()) {
    absl::StatusOr<Config> config = LoadConfigFile(args->config);
    if (!config.ok()) {
      return Fail(kExitUsage, std::string(config.status().message()));
    }
    rule_options.config = *std::move(config);
  }
  absl::StatusOr<RuleSet> rules = RuleSet::Build(rule_options);
  if (!rules.ok())
    return Fail(kExitUsage, std::string(rules.status().message()));
  absl::StatusOr<FanConvention> convention =
      ParseFanConvention(args->fan_convention);
  if (!convention.ok()) {
    return Fail(kExitUsage, absl::StrCat("--fan_convention: ",
                                         convention.status().message()));
  }
  ReinitOptions options;
  options.plan.rules = &*rules;
  options.plan.fan_convention = *convention;
  options.storage.mode =
      args->external_data == "external" ? StorageOptions::Mode::kExternal
      : args->external_data == "inline" ? StorageOptions::Mode::kInline
                                        : StorageOptions::Mode::kKeep;
  options.storage.threshold = args->external_threshold;
  options.storage.file = args->external_file;
  options.rewrite.seed = args->seed;
  options.rewrite.threads = args->threads;
  options.rewrite.simd =
      args->simd == "baseline" ? SimdLevel::kBaseline : SimdLevel::kAuto;

  if (args->plan) {
    absl::StatusOr<Report> report = PlanFile(args->model, options.plan);
    if (!report.ok()) {
      return Fail(kExitFailure, std::string(report.status().message()));
    }
    if (args->format == "json") {
      absl::StatusOr<std::string> json = ReportToJson(*report);
      if (!json.ok())
        return Fail(kExitFailure, std::string(json.status().message()));
      std::cout << *json;
    } else {
      std::cout << FormatPlanText(*report);
    }
    return kExitOk;
  }

  if (!args->in_place && SameFile(args->model, args->output)) {
    return Fail(kExitUsage, absl::StrCat("-o \"", args->output,
                                         "\" is the input model; "
                                         "pass --in_place to replace it"));
  }
  absl::StatusOr<Report> report =
      ReinitializeFile(args->model, args->output, options);
  if (!report.ok()) {
    return Fail(kExitFailure, std::string(report.status().message()));
  }
  if (!args->report.empty()) {
    absl::StatusOr<std::string> json = ReportToJson(*report);
    if (!json.ok())
      return Fail(kExitFailure, std::string(json.status().message()));
    absl::Status s = WriteText(args->report, *json);
    if (!s.ok()) return Fail(kExitFailure, std::string(s.message()));
  }
  int rewritten = 0;
  for (const TensorRecord& r : report->tensors())
    rewritten += r.action() == "rewrite";
  std::cout << "wrote " << args->output << ": " << rewritten << " of "
            << report->tensors_size() << " tensors re-initialized (seed "
            << args->seed << ")\n";
  return kExitOk;
}

}  // namespace
}  // namespace onnx_reinit

int main(int argc, char** argv) { return onnx_reinit::Run(argc, argv); }
