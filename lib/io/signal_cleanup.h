// Temporary files that SIGINT, SIGTERM and SIGHUP remove, and the commits
// those signals wait for.
//
// Every temporary file the library writes (io/atomic_output.h,
// io/data_files.h) is registered here while it lives. Once a program has
// called InstallSignalHandlers(), one of the three signals removes every
// registered file and then ends the process with the signal's default action,
// so that its exit status is the signal's (a shell sees 128 + the number).
// While a CommitSection is open anywhere in the process (outputs being renamed
// into place), a signal waits for the last one to close, so that a commit is
// never cut in half; a section opened after the signal arrived does not start.
//
// The registry is async-signal-safe: the handler only reads slots (guarded
// by a generation count, so a slot reused meanwhile is skipped) and calls
// unlinkat, sigaction, sigprocmask and raise. What can still be left: a file
// created in the instant between its creation and its registration, and
// everything after SIGKILL (README "Faults and signals").
#ifndef ONNX_REINIT_IO_SIGNAL_CLEANUP_H_
#define ONNX_REINIT_IO_SIGNAL_CLEANUP_H_

#include <string>

#include "absl/status/status.h"

namespace onnx_reinit {

namespace signal_cleanup_internal {
struct Slot;
}  // namespace signal_cleanup_internal

// While it lives, the file `name` (relative to `dir_fd`, which must stay open
// as long; AT_FDCWD for a path) is removed by the signal handler. Destroying
// it unregisters the file and does not touch it. Names of PATH_MAX bytes or
// more (which no system call accepts) are not registered.
class TempFileRegistration {
 public:
  TempFileRegistration() = default;
  TempFileRegistration(int dir_fd, const std::string& name);
  TempFileRegistration(TempFileRegistration&& other) noexcept;
  TempFileRegistration& operator=(TempFileRegistration&& other) noexcept;
  TempFileRegistration(const TempFileRegistration&) = delete;
  TempFileRegistration& operator=(const TempFileRegistration&) = delete;
  ~TempFileRegistration();

 private:
  signal_cleanup_internal::Slot* slot_ = nullptr;
};

// Outputs being put in place: SIGINT, SIGTERM and SIGHUP wait until every
// open section has closed. If one of them has already arrived, the
// constructor does not return: it removes the registered files and ends the
// process as the handler would.
class CommitSection {
 public:
  CommitSection();
  ~CommitSection();
  CommitSection(const CommitSection&) = delete;
  CommitSection& operator=(const CommitSection&) = delete;
};

// Installs the handler for SIGINT, SIGTERM and SIGHUP (a signal whose
// disposition is SIG_IGN, as under nohup, stays ignored). Idempotent.
// Errors come from sigaction.
[[nodiscard]] absl::Status InstallSignalHandlers();

// The number of files registered now (tests).
int RegisteredTempFileCount();

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_SIGNAL_CLEANUP_H_
