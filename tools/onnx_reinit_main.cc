// onnx-reinit: the command-line front end. The only place where statuses
// become messages and exit codes:
//   0  success
//   1  bad input or I/O failure (the library's errors)
//   2  usage error (flags, strategies, parameters)

#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "batch/discover.h"
#include "batch/layout.h"
#include "batch/run_batch.h"
#include "batch_output.h"
#include "cli_args.h"
#include "graph/fans.h"
#include "io/atomic_output.h"
#include "io/file_io.h"
#include "plan/report.h"
#include "progress_line.h"
#include "reinit.h"
#include "rules/rules.h"
#include "strategy/orthogonal_kernels.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, absl::string_view message) {
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
  options.rewrite.simd = args->simd;

  absl::StatusOr<SeedFrom> seed_from = ParseSeedFrom(args->seed_from);
  if (!seed_from.ok()) return Fail(kExitUsage, seed_from.status().message());
  Shard shard;
  if (!args->shard.empty()) {
    absl::StatusOr<Shard> parsed = ParseShard(args->shard);
    if (!parsed.ok()) return Fail(kExitUsage, parsed.status().message());
    shard = *parsed;
  }

  // Which models, where they go and with which seed: all decided (and every
  // usage error found) before any model is read.
  const FoundInputs found = FindModels(args->inputs);
  const bool batch = IsBatch(found);
  std::vector<BatchModel> models;
  if (batch) {
    LayoutOptions layout;
    layout.in_place = args->in_place;
    layout.plan_only = args->plan;
    if (!args->plan && !args->in_place) {
      layout.out = args->output;
      layout.out_canonical = CanonicalPath(args->output);
      struct stat st;
      if (::stat(args->output.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
        return Fail(kExitUsage,
                    absl::StrCat("-o \"", args->output,
                                 "\" is a file; with several models (or a "
                                 "folder) OUT is a folder"));
      }
    }
    layout.seed = args->seed;
    layout.seed_from = *seed_from;
    layout.shard = shard;
    absl::StatusOr<std::vector<BatchModel>> laid_out =
        LayOutBatch(found, layout);
    if (!laid_out.ok()) return Fail(kExitUsage, laid_out.status().message());
    models = *std::move(laid_out);
  } else {
    BatchModel model;
    model.input = args->inputs.front();
    model.relative = found.models.front().relative;
    model.bytes = found.models.front().bytes;
    model.output = args->plan       ? ""
                   : args->in_place ? model.input
                                    : args->output;
    model.seed = ModelSeed(args->seed, *seed_from, model.relative);
    if (!args->plan && !args->in_place && SameFile(model.input, model.output)) {
      return Fail(kExitUsage, absl::StrCat("-o \"", args->output,
                                           "\" is the input model; "
                                           "pass --in_place to replace it"));
    }
    if (shard.index == 0) models.push_back(std::move(model));
  }

  BatchOptions batch_options;
  batch_options.reinit = options;
  batch_options.jobs = batch ? args->jobs : 1;
  batch_options.fail_fast = args->fail_fast;
  batch_options.plan_only = args->plan;
  // A single run writes only into an existing folder, as it always did.
  batch_options.create_folders = batch;

  // A batch's report is JSON Lines, written as models finish (in order) and
  // put in place at the end; it is created first so that an unwritable
  // report path stops the batch before any model is written.
  std::optional<AtomicOutput> batch_report;
  uint64_t report_offset = 0;
  if (batch && !args->report.empty()) {
    absl::StatusOr<AtomicOutput> created = AtomicOutput::Create(args->report);
    if (!created.ok()) return Fail(kExitFailure, created.status().message());
    batch_report.emplace(*std::move(created));
  }

  BatchProgress progress(models);
  ProgressLine line(&progress, !args->quiet && !args->plan);
  BatchTotals totals;
  absl::Status report_error;
  std::optional<Report> single_report;
  RunBatch(models, batch_options, &progress, [&](size_t, ModelOutcome outcome) {
    totals.Add(outcome);
    if (outcome.skipped) return;
    if (!outcome.status.ok()) {
      line.Print(
          absl::StrCat("onnx-reinit: error: ", outcome.status.message(), "\n"));
    } else if (args->plan) {
      std::cout << PlanOutput(outcome.report, args->format, batch);
    }
    if (batch_report.has_value() && report_error.ok()) {
      absl::StatusOr<std::string> json =
          ReportToJson(outcome.report, JsonLayout::kOneLine);
      report_error = json.ok()
                         ? WriteAt(batch_report->fd(), args->report,
                                   json->data(), json->size(), report_offset)
                         : json.status();
      if (json.ok()) report_offset += json->size();
    }
    if (!batch && outcome.status.ok()) {
      single_report = std::move(outcome.report);
    }
  });
  line.Stop();

  if (batch_report.has_value()) {
    if (report_error.ok()) report_error = batch_report->Commit();
    if (!report_error.ok()) return Fail(kExitFailure, report_error.message());
  }
  if (!batch && single_report.has_value() && !args->plan) {
    if (!args->report.empty()) {
      absl::StatusOr<std::string> json = ReportToJson(*single_report);
      if (!json.ok()) return Fail(kExitFailure, json.status().message());
      absl::Status s = WriteText(args->report, *json);
      if (!s.ok()) return Fail(kExitFailure, s.message());
    }
    if (!args->quiet) {
      std::cout << "wrote " << single_report->output() << ": "
                << single_report->tensors_rewritten() << " of "
                << single_report->tensors_total()
                << " tensors re-initialized (seed " << single_report->seed()
                << ")\n";
    }
  }
  if (batch && !args->quiet) std::cerr << totals.Summary(args->plan);
  return totals.failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace
}  // namespace onnx_reinit

int main(int argc, char** argv) { return onnx_reinit::Run(argc, argv); }
