#include "batch/run_batch.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace onnx_reinit {
namespace {

// Creates output folders on demand and, at the end, removes the folders it
// created for a model that failed when they are empty, deepest first. Only
// folders this process created itself (mkdir succeeded) are ever removed, and
// only on a failed model's path, so other processes writing into the same
// tree (the shards of one batch) are not disturbed by a successful run.
class OutputFolders {
 public:
  absl::Status Ensure(const std::string& file) {
    const size_t slash = file.rfind('/');
    if (slash == std::string::npos || slash == 0) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    return EnsureLocked(file.substr(0, slash));
  }

  // After every model has finished: `file` was not written.
  void RemoveEmptyFor(const std::string& file) {
    std::string folder = file;
    for (;;) {
      const size_t slash = folder.rfind('/');
      if (slash == std::string::npos || slash == 0) return;
      folder.resize(slash);
      if (created_.count(folder) == 0) return;
      if (::rmdir(folder.c_str()) != 0) return;  // not empty: keep it
      created_.erase(folder);
    }
  }

 private:
  absl::Status EnsureLocked(const std::string& folder) {
    struct stat st;
    if (::stat(folder.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return absl::OkStatus();
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create folder \"", folder, "\": a file is in the way"));
    }
    const size_t slash = folder.rfind('/');
    if (slash != std::string::npos && slash != 0) {
      absl::Status parent = EnsureLocked(folder.substr(0, slash));
      if (!parent.ok()) return parent;
    }
    if (::mkdir(folder.c_str(), 0777) == 0) {
      created_.insert(folder);
    } else if (errno != EEXIST) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("cannot create folder \"", folder, "\""));
    }
    return absl::OkStatus();
  }

  std::mutex mu_;
  std::set<std::string> created_;
};

// Data files written by the batch, so two models never write the same one.
class DataFileClaims {
 public:
  absl::Status Claim(const std::string& path, const std::string& model) {
    const std::string key = CanonicalPath(path);
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = owners_.emplace(key.empty() ? path : key, model);
    if (inserted || it->second == model) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "its data file \"", path, "\" is also written for \"", it->second,
        "\"; models that share a data file cannot be written to one folder "
        "in one batch"));
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> owners_;
};

// Hands finished outcomes to `done` in index order.
class InOrder {
 public:
  InOrder(size_t n, const std::function<void(size_t, ModelOutcome)>& done)
      : pending_(n), done_(done) {}

  void Put(size_t i, ModelOutcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_[i] = std::move(outcome);
    while (next_ < pending_.size() && pending_[next_].has_value()) {
      done_(next_, *std::move(pending_[next_]));
      pending_[next_].reset();
      ++next_;
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::optional<ModelOutcome>> pending_;
  size_t next_ = 0;
  const std::function<void(size_t, ModelOutcome)>& done_;
};

}  // namespace

BatchProgress::BatchProgress(const std::vector<BatchModel>& models)
    : models_(new PerModel[models.size()]), count_(models.size()) {
  for (size_t i = 0; i < models.size(); ++i) {
    models_[i].file_bytes = models[i].bytes;
  }
}

void BatchProgress::Finish(size_t i, uint64_t bytes_written) {
  models_[i].bytes_written = bytes_written;
  models_[i].finished = true;
  ++done_;
}

BatchProgress::Snapshot BatchProgress::Read() const {
  Snapshot s;
  s.models_total = count_;
  s.models_done = done_.load();
  for (size_t i = 0; i < count_; ++i) {
    const PerModel& m = models_[i];
    if (m.finished.load()) {
      const uint64_t written = m.bytes_written.load();
      s.bytes_done += written;
      s.bytes_total += written;
      continue;
    }
    const uint64_t expected = std::max(m.file_bytes, m.write.expected.load());
    s.bytes_done += std::min(expected, m.write.written.load());
    s.bytes_total += expected;
  }
  return s;
}

void RunBatch(const std::vector<BatchModel>& models,
              const BatchOptions& options, BatchProgress* progress,
              const std::function<void(size_t, ModelOutcome)>& done) {
  OutputFolders folders;
  DataFileClaims claims;
  InOrder in_order(models.size(), done);
  std::atomic<bool> failed{false};
  std::unique_ptr<std::atomic<bool>[]> written(
      new std::atomic<bool>[models.size()]());

  auto run_one = [&](size_t i) {
    const BatchModel& model = models[i];
    ModelOutcome outcome;
    if (options.fail_fast && failed.load()) {
      outcome.skipped = true;
      outcome.status = absl::CancelledError(
          "not started: an earlier model failed (--fail_fast)");
      outcome.report = RunReport::ForFailure(model.input, model.output,
                                             model.seed, outcome.status);
      return outcome;
    }
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<RunReport> report;
    if (!model.error.ok()) {
      report = model.error;  // listed with an error (an unreadable folder)
    } else if (options.plan_only) {
      report = options.reinitializer->Plan(model.input, model.seed);
    } else if (absl::Status s = options.create_folders
                                    ? folders.Ensure(model.output)
                                    : absl::OkStatus();
               !s.ok()) {
      report = s;
    } else {
      RunControl control;
      control.seed = model.seed;
      control.tensor_report = options.tensor_report;
      if (progress != nullptr) control.progress = progress->Model(i);
      control.claim_data_file = [&claims, &model](const std::string& path) {
        return claims.Claim(path, model.input);
      };
      if (options.before_commit) {
        control.before_commit = [&options, i](const RunReport& report) {
          return options.before_commit(i, report);
        };
      }
      report = options.reinitializer->Reinitialize(model.input, model.output,
                                                   control);
    }
    if (report.ok()) {
      outcome.report = *std::move(report);
    } else {
      outcome.status = report.status();
      outcome.report = RunReport::ForFailure(model.input, model.output,
                                             model.seed, report.status());
      outcome.report.set_seconds(std::chrono::duration<double>(
                                     std::chrono::steady_clock::now() - start)
                                     .count());
      failed = true;
    }
    return outcome;
  };

  RunConcurrently(models.size(), options.jobs, [&](size_t i) {
    ModelOutcome outcome = run_one(i);
    written[i] = outcome.status.ok() && !options.plan_only;
    if (progress != nullptr) {
      progress->Finish(i,
                       static_cast<uint64_t>(outcome.report.bytes_written()));
    }
    in_order.Put(i, std::move(outcome));
  });
  for (size_t i = 0; i < models.size(); ++i) {
    if (!written[i] && !models[i].output.empty()) {
      folders.RemoveEmptyFor(models[i].output);
    }
  }
}

}  // namespace onnx_reinit
