// What the CLI prints about the models of a run: a plan per model, and the
// one-line summary of a batch on stderr.
#ifndef ONNX_REINIT_TOOLS_BATCH_OUTPUT_H_
#define ONNX_REINIT_TOOLS_BATCH_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "batch/run_batch.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {

// --plan for one model, handed to `write` as it is made (a plan of any
// number of tensors is printed in the memory of one record). text: the plan
// table, preceded in a batch by a line "== MODEL ==" (and a blank line
// between models); json: the indented report alone, or in a batch one line
// of JSON Lines. An error when the report cannot be printed
// (RunReport::WriteJson), or `write`'s.
[[nodiscard]] absl::Status WritePlan(const RunReport& report,
                                     const std::string& format, bool batch,
                                     const RunReport::TextSink& write);

// Counts over the outcomes of a batch.
class BatchTotals {
 public:
  BatchTotals() : start_(std::chrono::steady_clock::now()) {}

  void Add(const ModelOutcome& outcome);

  // "onnx-reinit: 1072 models: 1071 ok, 1 failed; 212 tensors rewritten;
  // 3.1 MB written in 0.41 s\n" (", 5 skipped" after a --fail_fast stop;
  // "planned" instead of the tensors and bytes for --plan).
  std::string Summary(bool plan) const;

  int ok = 0;
  int failed = 0;
  int skipped = 0;
  uint64_t tensors_rewritten = 0;
  double bytes_written = 0;

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_BATCH_OUTPUT_H_
