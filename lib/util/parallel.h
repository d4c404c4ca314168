// Runs jobs 0..n-1 on up to `threads` threads (0 = hardware concurrency): the
// caller and idle workers of the process's shared pool (util/thread_pool.h),
// so loops nested in loops (a model's chunks inside a batch's models) share
// the machine instead of multiplying threads.
// Each participating thread gets its own State (scratch buffers), built by
// `make_state`. Jobs are claimed in index order; results must be written by
// index, so the outcome does not depend on the number of threads. Returns the
// error of the lowest-numbered failing job, or OK; after a failure, unclaimed
// jobs are skipped. A job (or make_state) that runs out of memory
// (std::bad_alloc) fails with ResourceExhausted "out of memory".
#ifndef ONNX_REINIT_UTIL_PARALLEL_H_
#define ONNX_REINIT_UTIL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "util/thread_pool.h"

namespace onnx_reinit {

inline int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

template <typename MakeState, typename Job>
[[nodiscard]] absl::Status RunParallel(size_t n, int threads,
                                       MakeState make_state, Job job) {
  if (n == 0) return absl::OkStatus();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  size_t first_error_job = n;
  absl::Status first_error;
  auto fail = [&](size_t i, absl::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    if (i < first_error_job) {
      first_error_job = i;
      first_error = std::move(s);
    }
    failed = true;
  };
  auto participate = [&] {
    if (next.load(std::memory_order_relaxed) >= n) return;
    size_t i = n;
    try {
      auto state = make_state();
      while (!failed.load(std::memory_order_relaxed)) {
        i = next.fetch_add(1);
        if (i >= n) break;
        absl::Status s = job(i, state);
        if (!s.ok()) fail(i, std::move(s));
      }
    } catch (const std::bad_alloc&) {
      // On a pool thread an escaping exception would end the process.
      fail(std::min(i, n - 1), absl::ResourceExhaustedError("out of memory"));
    }
  };
  const size_t count =
      std::min<size_t>(static_cast<size_t>(ResolveThreads(threads)), n);
  if (count <= 1) {
    participate();
  } else {
    PooledLoop loop;
    loop.max_helpers = count - 1;
    loop.participate = participate;
    RunOnPool(&loop);
  }
  return first_error;
}

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_UTIL_PARALLEL_H_
