// The progress line on a terminal: one line on stderr, redrawn in place
// every 200 ms while models run:
//   models 12/1072 · 34.5 MB of 120.0 MB · 45.1 MB/s · ETA 3 s
// Bytes are those written (batch/run_batch.h BatchProgress), so a single
// large model moves too. Inactive (draws nothing, starts no thread) when
// stderr is not a terminal or with --quiet. Messages printed through Print()
// while the line is shown clear it first and redraw it after.
#ifndef ONNX_REINIT_TOOLS_PROGRESS_LINE_H_
#define ONNX_REINIT_TOOLS_PROGRESS_LINE_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "batch/run_batch.h"

namespace onnx_reinit {

class ProgressLine {
 public:
  // Active only when `enabled` and stderr is a terminal.
  ProgressLine(const BatchProgress* progress, bool enabled);
  ~ProgressLine();  // Stop()s

  // Writes `text` (a whole line, with its "\n") to stderr.
  void Print(const std::string& text);

  // Clears the line and stops the drawing thread.
  void Stop();

  // "models 3/10 · 1.2 MB of 4.0 MB · 2.0 MB/s · ETA 1 s" (exposed for tests).
  static std::string Format(const BatchProgress::Snapshot& s, double seconds);

 private:
  void Draw();  // with mu_ held

  const BatchProgress* progress_;
  bool active_ = false;
  bool stop_ = false;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_PROGRESS_LINE_H_
