#include "batch_output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "plan/report.h"

namespace onnx_reinit {

std::string PlanOutput(const Report& report, const std::string& format,
                       bool batch) {
  if (format == "json") {
    absl::StatusOr<std::string> json = ReportToJson(
        report, batch ? JsonLayout::kOneLine : JsonLayout::kIndented);
    // A Report of strings and numbers always renders.
    return json.ok() ? *json : "";
  }
  if (!batch) return FormatPlanText(report);
  return absl::StrCat("== ", report.model(), " ==\n", FormatPlanText(report),
                      "\n");
}

void BatchTotals::Add(const ModelOutcome& outcome) {
  if (outcome.skipped) {
    ++skipped;
  } else if (outcome.status.ok()) {
    ++ok;
  } else {
    ++failed;
  }
  tensors_rewritten += outcome.report.tensors_rewritten();
  bytes_written += outcome.report.bytes_written();
}

std::string BatchTotals::Summary(bool plan) const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  std::string line = absl::StrCat("onnx-reinit: ", ok + failed + skipped,
                                  " models: ", ok, " ok, ", failed, " failed");
  if (skipped > 0) absl::StrAppend(&line, ", ", skipped, " skipped");
  if (plan) {
    absl::StrAppend(&line, "; planned in ", absl::StrFormat("%.2f", seconds),
                    " s\n");
  } else {
    absl::StrAppend(&line, "; ", tensors_rewritten, " tensors rewritten; ",
                    absl::StrFormat("%.1f", bytes_written / 1e6),
                    " MB written in ", absl::StrFormat("%.2f", seconds),
                    " s\n");
  }
  return line;
}

}  // namespace onnx_reinit
