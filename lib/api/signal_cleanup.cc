// The public API's signal handling (include/onnx_reinit/onnx_reinit.h) on
// the library's registry of temporary files (io/signal_cleanup.h).
#include "io/signal_cleanup.h"

#include <fcntl.h>

#include <memory>
#include <utility>

#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {

struct RemoveOnSignal::Impl {
  TempFileRegistration registration;
};

absl::Status InstallSignalCleanup() { return InstallSignalHandlers(); }

RemoveOnSignal::RemoveOnSignal(const std::string& path)
    : impl_(std::make_unique<Impl>()) {
  impl_->registration = TempFileRegistration(AT_FDCWD, path);
}

RemoveOnSignal::RemoveOnSignal(RemoveOnSignal&& other) noexcept = default;
RemoveOnSignal& RemoveOnSignal::operator=(RemoveOnSignal&& other) noexcept =
    default;
RemoveOnSignal::~RemoveOnSignal() = default;

}  // namespace onnx_reinit
