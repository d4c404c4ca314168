// onnx-reinit: the command-line front end, built on the public API
// (include/onnx_reinit/onnx_reinit.h) alone. The only place where statuses
// become messages and exit codes:
//   0  success
//   1  bad input or I/O failure (the library's errors)
//   2  usage error (flags, strategies, parameters; an output path that
//      would replace one of the model's data files)

#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "batch/discover.h"
#include "batch/layout.h"
#include "batch/run_batch.h"
#include "batch_output.h"
#include "cli_args.h"
#include "onnx_reinit/onnx_reinit.h"
#include "progress_line.h"
#include "report_file.h"

namespace onnx_reinit {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, absl::string_view message) {
  std::cerr << "onnx-reinit: error: " << message << "\n";
  return code;
}

// Whether two paths name the same file (same device and inode).
bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Plans go to stdout as they are made; a failed write of stdout is not an
// error of the run (as for every other line the CLI prints).
absl::Status WriteStdout(std::string_view piece) {
  std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  // SIGINT, SIGTERM and SIGHUP remove the temporary files of the runs in
  // progress and of the report, then end the process with the signal.
  if (absl::Status s = InstallSignalCleanup(); !s.ok()) {
    return Fail(kExitFailure, s.message());
  }
  absl::StatusOr<CliArgs> args = ParseCliArgs(argc, argv);
  if (!args.ok()) return Fail(kExitUsage, std::string(args.status().message()));
  if (args->help) {
    std::cout << CliUsage();
    return kExitOk;
  }
  if (args->version) {
    std::cout << "onnx-reinit " << Version() << "\n";
    return kExitOk;
  }

  // Every rule, strategy and parameter is checked before any file is read.
  Options options;
  if (args->strategy.has_value()) options.strategy = *args->strategy;
  if (args->bias_strategy.has_value()) {
    options.bias_strategy = *args->bias_strategy;
  }
  options.rules = args->rules;
  options.config_file = args->config;
  options.profile = args->profile;
  options.seed = args->seed;
  options.threads = args->threads;
  options.external_data = args->external_data;
  options.external_threshold = args->external_threshold;
  options.external_file = args->external_file;
  options.fan_convention = args->fan_convention;
  options.simd = args->simd;
  absl::StatusOr<Reinitializer> reinitializer = Reinitializer::Create(options);
  if (!reinitializer.ok()) {
    return Fail(kExitUsage, reinitializer.status().message());
  }

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
  batch_options.reinitializer = &*reinitializer;
  batch_options.jobs = batch ? args->jobs : 1;
  batch_options.fail_fast = args->fail_fast;
  batch_options.plan_only = args->plan;
  // Per-tensor records only for a report file.
  batch_options.tensor_report = !args->report.empty();
  // A single run writes only into an existing folder, as it always did.
  batch_options.create_folders = batch;

  // The report is created first, so that an unwritable report path stops
  // the run before any model is read. A single model's report is written
  // just before its outputs are put in place (before_commit): if it cannot
  // be, nothing is replaced; it is renamed into place right after them. A
  // batch's report is JSON Lines, written as models finish (in order) and
  // put in place at the end; each model's line is made, and its room in the
  // file reserved, just before the model's outputs are put in place, so that
  // a full disk fails that model rather than the report after the model was
  // written.
  std::optional<ReportFile> report_file;
  if (!args->report.empty() && (batch || !args->plan)) {
    absl::StatusOr<ReportFile> created = ReportFile::Create(args->report);
    if (!created.ok()) return Fail(kExitFailure, created.status().message());
    report_file.emplace(*std::move(created));
  }
  std::vector<std::string> lines(models.size());  // made before the commit
  if (report_file.has_value() && !args->plan) {
    batch_options.before_commit = [&](size_t i,
                                      const RunReport& report) -> absl::Status {
      if (batch) {
        absl::StatusOr<std::string> line = report.ToJsonLine();
        if (!line.ok()) return line.status();
        absl::Status s = report_file->Reserve(line->size());
        if (!s.ok()) {
          return absl::Status(s.code(), absl::StrCat("\"", report.model(),
                                                     "\": ", s.message()));
        }
        lines[i] = *std::move(line);
        return s;
      }
      // Written as it is made: the report of a model of any size is
      // written in the memory of one tensor's record.
      absl::Status s = report.WriteJson([&](std::string_view piece) {
        return report_file->Append(
            absl::string_view(piece.data(), piece.size()));
      });
      if (!s.ok()) return s;
      return report_file->Close();
    };
  }

  BatchProgress progress(models);
  ProgressLine line(&progress, !args->quiet && !args->plan);
  BatchTotals totals;
  absl::Status report_error;
  bool plan_unprintable = false;
  bool usage_error = false;  // a model failed on the arguments' account
  std::optional<RunReport> single_report;
  size_t index = 0;  // RunBatch calls back in index order
  RunBatch(models, batch_options, &progress, [&](size_t, ModelOutcome outcome) {
    const size_t i = index++;
    totals.Add(outcome);
    if (outcome.skipped) return;
    if (!outcome.status.ok()) {
      usage_error = usage_error || IsUsageError(outcome.status);
      line.Print(
          absl::StrCat("onnx-reinit: error: ", outcome.status.message(), "\n"));
    } else if (args->plan) {
      absl::Status printed =
          WritePlan(outcome.report, args->format, batch, WriteStdout);
      if (!printed.ok()) {
        plan_unprintable = true;
        line.Print(absl::StrCat("onnx-reinit: error: \"",
                                outcome.report.model(),
                                "\": ", printed.message(), "\n"));
      }
    }
    if (batch && report_file.has_value() && report_error.ok()) {
      // A model that failed after its line was made (its commit) gets its
      // error line instead, in the room reserved for the other.
      const std::string line = std::exchange(lines[i], std::string());
      if (outcome.status.ok() && !line.empty()) {
        report_error = report_file->Append(line, line.size());
      } else {
        absl::StatusOr<std::string> json = outcome.report.ToJsonLine();
        report_error =
            json.ok() ? report_file->Append(*json, line.size()) : json.status();
      }
    }
    if (!batch && outcome.status.ok()) {
      single_report = std::move(outcome.report);
    }
  });
  line.Stop();

  if (batch && report_file.has_value()) {
    if (report_error.ok()) report_error = report_file->Commit();
    if (!report_error.ok()) return Fail(kExitFailure, report_error.message());
  }
  if (!batch && single_report.has_value() && !args->plan) {
    if (report_file.has_value()) {
      absl::Status s = report_file->Commit();
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
  if (usage_error) return kExitUsage;
  return totals.failed > 0 || plan_unprintable ? kExitFailure : kExitOk;
}

}  // namespace
}  // namespace onnx_reinit

int main(int argc, char** argv) { return onnx_reinit::Run(argc, argv); }
