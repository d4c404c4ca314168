// The shared pool behind RunParallel (util/parallel.h, util/thread_pool.h):
// loops nested in loops finish, run every job once, never use more threads
// than asked, and report the lowest failing job.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "util/parallel.h"

namespace onnx_reinit {
namespace {

TEST(ThreadPoolTest, NestedLoopsRunEveryJobExactlyOnce) {
  constexpr size_t kOuter = 24, kInner = 200;
  std::vector<std::atomic<int>> runs(kOuter * kInner);
  for (auto& r : runs) r = 0;
  absl::Status s = RunParallel(
      kOuter, 4, [] { return 0; },
      [&](size_t i, int&) {
        return RunParallel(
            kInner, 3, [] { return 0; },
            [&](size_t j, int&) {
              ++runs[i * kInner + j];
              return absl::OkStatus();
            });
      });
  ASSERT_TRUE(s.ok()) << s;
  for (size_t k = 0; k < runs.size(); ++k) {
    ASSERT_EQ(runs[k].load(), 1) << "job " << k;
  }
}

TEST(ThreadPoolTest, ThreeLevelsDeepFinish) {
  std::atomic<int> leaves{0};
  absl::Status s = RunParallel(
      6, 0, [] { return 0; },
      [&](size_t, int&) {
        return RunParallel(
            5, 0, [] { return 0; },
            [&](size_t, int&) {
              return RunParallel(
                  7, 0, [] { return 0; },
                  [&](size_t, int&) {
                    ++leaves;
                    return absl::OkStatus();
                  });
            });
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(leaves.load(), 6 * 5 * 7);
}

TEST(ThreadPoolTest, NeverMoreParticipantsThanThreadsAsked) {
  for (int threads : {1, 2, 3, 5}) {
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::mutex mu;
    std::set<std::thread::id> ids;
    absl::Status s = RunParallel(
        64, threads, [] { return 0; },
        [&](size_t, int&) {
          const int now = ++running;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          {
            std::lock_guard<std::mutex> lock(mu);
            ids.insert(std::this_thread::get_id());
          }
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          --running;
          return absl::OkStatus();
        });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_LE(most.load(), threads) << "threads=" << threads;
    EXPECT_LE(static_cast<int>(ids.size()), threads) << "threads=" << threads;
  }
}

TEST(ThreadPoolTest, OneThreadRunsOnTheCallerInIndexOrder) {
  std::vector<size_t> order;
  const std::thread::id caller = std::this_thread::get_id();
  bool all_on_caller = true;
  absl::Status s = RunParallel(
      10, 1, [] { return 0; },
      [&](size_t i, int&) {
        order.push_back(i);
        all_on_caller &= std::this_thread::get_id() == caller;
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(all_on_caller);
}

TEST(ThreadPoolTest, ReturnsTheLowestFailingJobsError) {
  absl::Status s = RunParallel(
      100, 4, [] { return 0; },
      [&](size_t i, int&) {
        if (i == 3 || i == 40) {
          return absl::InvalidArgumentError(absl::StrCat("job ", i));
        }
        return absl::OkStatus();
      });
  EXPECT_EQ(s, absl::InvalidArgumentError("job 3"));
}

TEST(ThreadPoolTest, EachParticipantGetsItsOwnState) {
  std::atomic<int> states{0};
  std::atomic<int> shared_state_seen{0};
  absl::Status s = RunParallel(
      200, 4,
      [&] {
        ++states;
        return std::vector<int>();
      },
      [&](size_t i, std::vector<int>& mine) {
        mine.push_back(static_cast<int>(i));
        // Jobs claimed by one participant are in increasing order.
        if (mine.size() > 1 && mine[mine.size() - 2] >= mine.back()) {
          ++shared_state_seen;
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok());
  EXPECT_GE(states.load(), 1);
  EXPECT_LE(states.load(), 4);
  EXPECT_EQ(shared_state_seen.load(), 0);
}

}  // namespace
}  // namespace onnx_reinit
