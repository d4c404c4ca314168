#include "util/thread_pool.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace onnx_reinit {
namespace {

class Pool {
 public:
  void Run(PooledLoop* loop) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      Grow(loop->max_helpers);
      open_.push_back(loop);
    }
    work_.notify_all();
    loop->participate();
    std::unique_lock<std::mutex> lock(mu_);
    // No new helper may join once the owner has run out of jobs.
    loop->drained = true;
    open_.erase(std::find(open_.begin(), open_.end(), loop));
    left_.wait(lock, [loop] { return loop->helpers == 0; });
  }

 private:
  // Called with mu_ held.
  void Grow(size_t wanted) {
    while (workers_ < wanted) {
      std::thread([this] { Work(); }).detach();
      ++workers_;
    }
  }

  // Called with mu_ held. The oldest open loop with room first: outer loops
  // (more models in flight) before the chunks of one model.
  PooledLoop* FindLoop() const {
    for (PooledLoop* loop : open_) {
      if (!loop->drained && loop->helpers < loop->max_helpers) return loop;
    }
    return nullptr;
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      PooledLoop* loop = nullptr;
      work_.wait(lock, [&] { return (loop = FindLoop()) != nullptr; });
      ++loop->helpers;
      lock.unlock();
      loop->participate();
      lock.lock();
      loop->drained = true;
      if (--loop->helpers == 0) left_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_;  // an open loop has room
  std::condition_variable left_;  // a loop's last helper returned
  std::vector<PooledLoop*> open_;
  size_t workers_ = 0;
};

Pool& SharedPool() {
  // Never destroyed: its detached threads may still be waiting at exit.
  static Pool* const pool = new Pool;
  return *pool;
}

}  // namespace

void RunOnPool(PooledLoop* loop) { SharedPool().Run(loop); }

}  // namespace onnx_reinit
