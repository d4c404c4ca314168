// Runs the models of a batch (batch/layout.h) in one process: up to `jobs`
// models at a time on the library's pool (RunConcurrently), each with the
// same per-tensor parallelism as a single run, so a model's output bytes are
// the same as when it is run alone (they never depend on jobs or threads).
//
// Every model is attempted: a failure is that model's outcome and does not
// stop the others (with fail_fast, models not yet started are skipped). A
// failed model leaves nothing behind: its files are written under temporary
// names and renamed only when complete (onnx_reinit.h), and the output folders
// this batch created for it are removed at the end when empty.
#ifndef ONNX_REINIT_TOOLS_BATCH_RUN_BATCH_H_
#define ONNX_REINIT_TOOLS_BATCH_RUN_BATCH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "batch/layout.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {

struct BatchOptions {
  // Required; the seed is each model's own (BatchModel::seed).
  const Reinitializer* reinitializer = nullptr;
  int jobs = 0;  // models at a time; 0 = one per core
  bool fail_fast = false;
  bool plan_only = false;  // Plan instead of Reinitialize
  // Runs' reports with every tensor's record (RunControl::tensor_report).
  bool tensor_report = true;
  // Create missing output folders (removed again at the end when empty).
  bool create_folders = true;
  // Called with model i's complete report just before its outputs are put
  // in place (RunControl::before_commit); an error fails that model with
  // nothing replaced. Called from the thread running the model. Optional.
  std::function<absl::Status(size_t i, const RunReport& report)> before_commit;
};

// What happened to one model. `report` has model, output, seed, status,
// error and seconds, and (when the model ran) everything a run's report
// holds.
struct ModelOutcome {
  absl::Status status;
  bool skipped = false;  // not started: an earlier model failed (fail_fast)
  RunReport report;
};

// Progress of a running batch, readable from any thread.
class BatchProgress {
 public:
  explicit BatchProgress(const std::vector<BatchModel>& models);

  struct Snapshot {
    uint64_t models_done = 0;
    uint64_t models_total = 0;
    // Finished models count their bytes written; running ones the value
    // payload written so far out of max(file size, payload to write); models
    // not started their file size.
    uint64_t bytes_done = 0;
    uint64_t bytes_total = 0;
  };
  Snapshot Read() const;

  Progress* Model(size_t i) { return &models_[i].write; }
  void Finish(size_t i, uint64_t bytes_written);

 private:
  struct PerModel {
    uint64_t file_bytes = 0;
    Progress write;
    std::atomic<bool> finished{false};
    std::atomic<uint64_t> bytes_written{0};
  };
  std::unique_ptr<PerModel[]> models_;
  size_t count_ = 0;
  std::atomic<uint64_t> done_{0};
};

// Runs every model; calls `done(i, outcome)` once per model in index order
// (from whichever thread completes it, never two calls at once), including
// skipped models. `progress` may be null.
void RunBatch(const std::vector<BatchModel>& models,
              const BatchOptions& options, BatchProgress* progress,
              const std::function<void(size_t, ModelOutcome)>& done);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_BATCH_RUN_BATCH_H_
