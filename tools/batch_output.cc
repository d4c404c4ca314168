#include "batch_output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace onnx_reinit {

absl::Status WritePlan(const RunReport& report, const std::string& format,
                       bool batch, const RunReport::TextSink& write) {
  if (format == "json") {
    return batch ? report.WriteJsonLine(write) : report.WriteJson(write);
  }
  if (!batch) return report.WritePlanText(write);
  absl::Status status = write(absl::StrCat("== ", report.model(), " ==\n"));
  if (status.ok()) status = report.WritePlanText(write);
  if (status.ok()) status = write("\n");
  return status;
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
