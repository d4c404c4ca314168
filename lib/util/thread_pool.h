// The process's one pool of worker threads, shared by every parallel loop:
// the batch runner's loop over models and, nested inside it, each model's
// loops over tensor chunks. A loop is posted with the number of threads it
// may use; its caller always works on it too, and idle pool workers join it.
// So a batch of many small models keeps every core on whole models, and a
// single huge model (or the last one of a batch) gets every worker that is
// free for its chunks.
//
// Deadlock-free by construction: a loop's owner waits only for helpers that
// are already running one of its jobs, and never for a job nobody claimed
// (the owner claims everything that is left itself).
//
// The pool grows on demand to the largest number of helpers a loop asks for
// and is never shut down; its threads sleep when there is nothing to do.
#ifndef ONNX_REINIT_UTIL_THREAD_POOL_H_
#define ONNX_REINIT_UTIL_THREAD_POOL_H_

#include <cstddef>
#include <functional>

namespace onnx_reinit {

// A loop posted to the pool. `participate` is called by the owner and by each
// helper that joins; it claims jobs until none is left and returns.
struct PooledLoop {
  size_t max_helpers = 0;  // threads besides the owner that may join
  std::function<void()> participate;
  // Guarded by the pool.
  size_t helpers = 0;
  bool drained = false;  // a participant returned: no job is left to claim
};

// Runs `loop` on the calling thread and up to loop->max_helpers pool workers;
// returns when every participant has returned from `participate`.
void RunOnPool(PooledLoop* loop);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_UTIL_THREAD_POOL_H_
