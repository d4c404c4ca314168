#include "progress_line.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace onnx_reinit {
namespace {

std::string Megabytes(double bytes) {
  return absl::StrFormat("%.1f MB", bytes / 1e6);
}

}  // namespace

ProgressLine::ProgressLine(const BatchProgress* progress, bool enabled)
    : progress_(progress), start_(std::chrono::steady_clock::now()) {
  active_ = enabled && progress != nullptr && ::isatty(STDERR_FILENO) == 1;
  if (!active_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::milliseconds(200));
      if (!stop_) Draw();
    }
  });
}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Stop() {
  if (!active_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }
  wake_.notify_all();
  thread_.join();
  active_ = false;
}

void ProgressLine::Print(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shown_) std::fputs("\r\033[K", stderr);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  if (shown_) Draw();
}

void ProgressLine::Draw() {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  const std::string line = Format(progress_->Read(), seconds);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  shown_ = true;
}

std::string ProgressLine::Format(const BatchProgress::Snapshot& s,
                                 double seconds) {
  std::string line =
      absl::StrCat("models ", s.models_done, "/", s.models_total, " \u00b7 ",
                   Megabytes(static_cast<double>(s.bytes_done)), " of ",
                   Megabytes(static_cast<double>(s.bytes_total)));
  if (seconds > 0) {
    const double rate = static_cast<double>(s.bytes_done) / seconds;
    absl::StrAppend(&line, " \u00b7 ", Megabytes(rate), "/s");
    if (rate > 0 && s.bytes_total >= s.bytes_done) {
      const double eta =
          static_cast<double>(s.bytes_total - s.bytes_done) / rate;
      absl::StrAppend(&line, " \u00b7 ETA ", absl::StrFormat("%.0f", eta),
                      " s");
    }
  }
  return line;
}

}  // namespace onnx_reinit
