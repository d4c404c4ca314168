#include "io/signal_cleanup.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

#include "io/file_io.h"

namespace onnx_reinit {
namespace signal_cleanup_internal {

// A registered file. `word` is (generation << 2) | state; every change of
// state bumps the generation, so a reader that sees the same word before and
// after copying the name has read a name that stayed registered throughout.
enum : uint64_t { kFree = 0, kBusy = 1, kLive = 2, kStateMask = 3 };
struct Slot {
  std::atomic<uint64_t> word{0};
  int dir_fd = AT_FDCWD;
  char name[PATH_MAX] = {};
};

}  // namespace signal_cleanup_internal

namespace {

using signal_cleanup_internal::kBusy;
using signal_cleanup_internal::kFree;
using signal_cleanup_internal::kLive;
using signal_cleanup_internal::kStateMask;
using signal_cleanup_internal::Slot;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Slots live in blocks chained from a static one; blocks are never freed, so
// the handler can walk them at any time.
constexpr size_t kSlotsPerBlock = 16;
struct Block {
  Slot slots[kSlotsPerBlock];
  std::atomic<Block*> next{nullptr};
};
Block g_first_block;

std::atomic<int> g_open_sections{0};
std::atomic<int> g_pending_signal{0};
std::atomic<bool> g_finishing{false};

uint64_t NextWord(uint64_t word, uint64_t state) {
  return ((word & ~kStateMask) + 4) | state;
}

Slot* TakeSlot() {
  for (Block* block = &g_first_block;;) {
    for (Slot& slot : block->slots) {
      uint64_t word = slot.word.load();
      if ((word & kStateMask) == kFree &&
          slot.word.compare_exchange_strong(word, NextWord(word, kBusy))) {
        return &slot;
      }
    }
    Block* next = block->next.load();
    if (next == nullptr) {
      Block* fresh = new Block();
      if (block->next.compare_exchange_strong(next, fresh)) {
        next = fresh;
      } else {
        delete fresh;  // another thread chained one first: `next` is it
      }
    }
    block = next;
  }
}

// Removes every registered file. Async-signal-safe.
void RemoveRegisteredFiles() {
  char name[PATH_MAX];
  for (Block* block = &g_first_block; block != nullptr;
       block = block->next.load()) {
    for (Slot& slot : block->slots) {
      const uint64_t before = slot.word.load(std::memory_order_acquire);
      if ((before & kStateMask) != kLive) continue;
      const int dir_fd = slot.dir_fd;
      std::memcpy(name, slot.name, sizeof name);
      name[sizeof name - 1] = '\0';
      std::atomic_thread_fence(std::memory_order_acquire);
      if (slot.word.load(std::memory_order_relaxed) != before) continue;
      ::unlinkat(dir_fd, name, 0);
    }
  }
}

// Removes the files and ends the process with `sig`'s default action. Runs
// once: a second thread getting here waits for the first to end the process.
[[noreturn]] void FinishSignal(int sig) {
  if (g_finishing.exchange(true)) {
    for (;;) ::pause();
  }
  RemoveRegisteredFiles();
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  sigset_t unblock;
  ::sigemptyset(&unblock);
  ::sigaddset(&unblock, sig);
  ::sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // only if the signal could not end the process
}

void Handle(int sig) {
  const int saved_errno = errno;
  int none = 0;
  g_pending_signal.compare_exchange_strong(none, sig);
  // A commit in progress finishes first; the last section to close ends
  // the process (CommitSection's destructor).
  if (g_open_sections.load() == 0) FinishSignal(g_pending_signal.load());
  errno = saved_errno;
}

}  // namespace

TempFileRegistration::TempFileRegistration(int dir_fd,
                                           const std::string& name) {
  if (name.size() >= PATH_MAX) return;
  Slot* slot = TakeSlot();
  slot->dir_fd = dir_fd;
  std::memcpy(slot->name, name.c_str(), name.size() + 1);
  slot->word.store(NextWord(slot->word.load(), kLive),
                   std::memory_order_release);
  slot_ = slot;
}

TempFileRegistration::TempFileRegistration(
    TempFileRegistration&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)) {}

TempFileRegistration& TempFileRegistration::operator=(
    TempFileRegistration&& other) noexcept {
  if (this != &other) {
    this->~TempFileRegistration();
    slot_ = std::exchange(other.slot_, nullptr);
  }
  return *this;
}

TempFileRegistration::~TempFileRegistration() {
  if (slot_ == nullptr) return;
  slot_->word.store(NextWord(slot_->word.load(), kFree));
  slot_ = nullptr;
}

CommitSection::CommitSection() {
  g_open_sections.fetch_add(1);
  if (const int sig = g_pending_signal.load(); sig != 0) {
    // Too late to start: the last open section (maybe this one) ends the
    // process once it closes.
    if (g_open_sections.fetch_sub(1) == 1) FinishSignal(sig);
    for (;;) ::pause();
  }
}

CommitSection::~CommitSection() {
  if (g_open_sections.fetch_sub(1) == 1) {
    if (const int sig = g_pending_signal.load(); sig != 0) FinishSignal(sig);
  }
}

absl::Status InstallSignalHandlers() {
  static std::mutex mu;
  static bool installed = false;
  std::lock_guard<std::mutex> lock(mu);
  if (installed) return absl::OkStatus();
  struct sigaction action = {};
  action.sa_handler = Handle;
  action.sa_flags = SA_RESTART;
  // One handler at a time per thread: a second signal waits for the first.
  ::sigemptyset(&action.sa_mask);
  for (int sig : kSignals) ::sigaddset(&action.sa_mask, sig);
  for (int sig : kSignals) {
    struct sigaction old;
    if (::sigaction(sig, nullptr, &old) != 0) {
      return ErrnoStatus(errno, "cannot install the signal handlers");
    }
    if (old.sa_handler == SIG_IGN) continue;  // nohup: stays ignored
    if (::sigaction(sig, &action, nullptr) != 0) {
      return ErrnoStatus(errno, "cannot install the signal handlers");
    }
  }
  installed = true;
  return absl::OkStatus();
}

int RegisteredTempFileCount() {
  int count = 0;
  for (Block* block = &g_first_block; block != nullptr;
       block = block->next.load()) {
    for (Slot& slot : block->slots) {
      if ((slot.word.load() & kStateMask) == kLive) ++count;
    }
  }
  return count;
}

}  // namespace onnx_reinit
