// io/folder_lock.h: a second lock on a folder (another descriptor, as another
// run or thread has) waits until the first is released.
#include "io/folder_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

TEST(FolderLockTest, SecondLockOnAFolderWaitsForTheFirst) {
  const std::string dir = testing::MakeTempDir();
  const int first_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  const int second_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(first_fd, 0);
  ASSERT_GE(second_fd, 0);
  std::optional<absl::StatusOr<FolderLock>> first;
  first.emplace(FolderLock::Acquire(first_fd, dir));
  ASSERT_TRUE(first->ok()) << first->status();
  std::atomic<bool> acquired{false};
  std::thread other([&] {
    absl::StatusOr<FolderLock> second = FolderLock::Acquire(second_fd, dir);
    EXPECT_TRUE(second.ok()) << second.status();
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(acquired.load());
  first.reset();  // released
  other.join();
  EXPECT_TRUE(acquired.load());
  ::close(first_fd);
  ::close(second_fd);
}

TEST(FolderLockTest, NoFolderGivesALockThatHoldsNothing) {
  EXPECT_TRUE(FolderLock::Acquire(-1, "unused").ok());
}

}  // namespace
}  // namespace onnx_reinit
