// The ordered writer (rewrite/ordered_writer.h): files composed of copies,
// literals, holes and generated values come out byte for byte whatever the
// thread count; each file is written in offset order in few large writes;
// generation never runs more than the buffers ahead of the writes; failures
// name the file and reach every thread.
#include "rewrite/ordered_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "support/model_text.h"
#include "util/parallel.h"

namespace onnx_reinit {
namespace {

// A folder with files that are removed with it.
class Folder {
 public:
  Folder() : path_(testing::MakeTempDir()) {}
  ~Folder() {
    for (const std::string& file : files_) ::unlink(file.c_str());
    ::rmdir(path_.c_str());
  }
  // Creates `name` holding `bytes`; returns a descriptor opened with `flags`.
  int Make(const std::string& name, const std::string& bytes,
           int flags = O_RDWR) {
    const std::string file = path_ + "/" + name;
    files_.push_back(file);
    const int fd = ::open(file.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    const int opened = ::open(file.c_str(), flags);
    fds_.push_back(opened);
    return opened;
  }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }
  void CloseAll() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
  std::vector<int> fds_;
};

std::string ReadAll(const std::string& path) {
  std::string bytes;
  const int fd = ::open(path.c_str(), O_RDONLY);
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    bytes.append(buffer, n);
  }
  ::close(fd);
  return bytes;
}

// The bytes value job `job` generates: a pattern that differs per job.
std::string ValueBytes(size_t job, uint64_t size) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((job * 131 + i * 7) & 0xff);
  }
  return bytes;
}

WriteSegment Copy(uint64_t offset, int fd, uint64_t from, uint64_t size) {
  WriteSegment s;
  s.kind = WriteSegment::Kind::kCopy;
  s.offset = offset;
  s.size = size;
  s.source_fd = fd;
  s.source_offset = from;
  return s;
}

WriteSegment Literal(uint64_t offset, const std::string& bytes) {
  WriteSegment s;
  s.kind = WriteSegment::Kind::kBytes;
  s.offset = offset;
  s.size = bytes.size();
  s.bytes = bytes;
  return s;
}

WriteSegment Values(uint64_t offset, size_t job, uint64_t size,
                    uint64_t capacity = 0) {
  WriteSegment s;
  s.kind = WriteSegment::Kind::kValues;
  s.offset = offset;
  s.size = size;
  s.job = job;
  s.capacity = capacity == 0 ? size : capacity;
  return s;
}

// Fills every value segment on `threads` threads, as the rewriter does, and
// finishes. `generate` defaults to ValueBytes, using the whole capacity.
absl::Status FillAllAndFinish(OrderedWriter& writer, int threads,
                              std::vector<std::atomic<int>>* calls = nullptr) {
  absl::Status s = RunParallel(
      writer.value_count(), threads, [] { return 0; },
      [&](size_t i, int&) {
        return writer.Fill(i, [&](size_t job, uint8_t* out) -> size_t {
          if (calls != nullptr) ++(*calls)[job];
          // The job's size is its number times 1000 bytes (see Compose).
          const uint64_t size = (job % 7 + 1) * 1000;
          const std::string bytes = ValueBytes(job, size);
          std::memcpy(out, bytes.data(), size);
          return size;
        });
      });
  if (!s.ok()) return s;
  return writer.Finish();
}

TEST(OrderedWriterTest, ComposesCopiesLiteralsHolesAndValuesForAnyThreads) {
  for (int threads : {1, 2, 8}) {
    SCOPED_TRACE(threads);
    Folder folder;
    std::string source(300000, '\0');
    for (size_t i = 0; i < source.size(); ++i) source[i] = "abcdefg"[i % 7];
    const int in = folder.Make("in", source, O_RDONLY);
    const int out_a = folder.Make("a", std::string(400000, '\0'));
    const int out_b = folder.Make("b", std::string(50000, '\0'));

    // File a: a short copy, a literal, 100 value jobs, a hole, a long copy,
    // more values, a short copy at the end. File b: values only.
    std::string want_a(400000, '\0');
    std::vector<WriteSegment> a;
    size_t job = 0;
    uint64_t at = 0;
    auto put = [&](std::string* want, const std::string& bytes) {
      want->replace(at, bytes.size(), bytes);
      at += bytes.size();
    };
    a.push_back(Copy(at, in, 10, 100));
    put(&want_a, source.substr(10, 100));
    a.push_back(Literal(at, "literal"));
    put(&want_a, "literal");
    for (int k = 0; k < 40; ++k, ++job) {
      const uint64_t size = (job % 7 + 1) * 1000;
      a.push_back(Values(at, job, size));
      put(&want_a, ValueBytes(job, size));
    }
    at += 5000;  // a hole: left as it is
    a.push_back(Copy(at, in, 1000, 200000));
    put(&want_a, source.substr(1000, 200000));
    for (int k = 0; k < 3; ++k, ++job) {
      const uint64_t size = (job % 7 + 1) * 1000;
      a.push_back(Values(at, job, size));
      put(&want_a, ValueBytes(job, size));
    }
    a.push_back(Copy(at, in, 7, 50));
    put(&want_a, source.substr(7, 50));

    std::string want_b(50000, '\0');
    std::vector<WriteSegment> b;
    at = 0;
    for (int k = 0; k < 10; ++k, ++job) {
      const uint64_t size = (job % 7 + 1) * 1000;
      b.push_back(Values(at, job, size));
      put(&want_b, ValueBytes(job, size));
    }

    std::vector<FileToWrite> files(2);
    files[0] = {out_a, folder.Path("a"), a};
    files[1] = {out_b, folder.Path("b"), b};
    OrderedWriterOptions options;
    options.buffers = 2;
    options.buffer_bytes = 16 << 10;
    options.inline_bytes = 4096;
    absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
        OrderedWriter::Create(files, options);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_EQ((*writer)->value_count(), job);
    std::vector<std::atomic<int>> calls(job);
    for (auto& c : calls) c = 0;
    absl::Status s = FillAllAndFinish(**writer, threads, &calls);
    ASSERT_TRUE(s.ok()) << s;
    for (size_t j = 0; j < job; ++j) EXPECT_EQ(calls[j].load(), 1) << j;
    folder.CloseAll();
    EXPECT_TRUE(ReadAll(folder.Path("a")) == want_a);
    EXPECT_TRUE(ReadAll(folder.Path("b")) == want_b);
  }
}

TEST(OrderedWriterTest, WritesEachFileInOffsetOrderInBufferSizedWrites) {
  Folder folder;
  const int out = folder.Make("out", "");
  std::vector<FileToWrite> files(1);
  files[0].fd = out;
  files[0].path = folder.Path("out");
  // 64 jobs of 64 KiB: 4 MiB.
  for (size_t j = 0; j < 64; ++j) {
    files[0].segments.push_back(Values(j * 65536, j, 65536));
  }
  std::vector<WriteRecord> trace;
  OrderedWriterOptions options;
  options.buffers = 3;
  options.buffer_bytes = 1 << 20;
  options.trace = &trace;
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status s = RunParallel(
      64, 4, [] { return 0; },
      [&](size_t i, int&) {
        return (*writer)->Fill(i, [](size_t job, uint8_t* o) -> size_t {
          std::memset(o, static_cast<int>(job), 65536);
          return 65536;
        });
      });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE((*writer)->Finish().ok());
  // 4 MiB in 1 MiB writes, one after the other.
  ASSERT_EQ(trace.size(), 4u);
  for (size_t k = 0; k < trace.size(); ++k) {
    EXPECT_EQ(trace[k].fd, out);
    EXPECT_EQ(trace[k].offset, k << 20);
    EXPECT_EQ(trace[k].size, 1u << 20);
  }
}

TEST(OrderedWriterTest, GenerationRunsAtMostTheBuffersAheadOfTheWrites) {
  Folder folder;
  const int out = folder.Make("out", "");
  std::vector<FileToWrite> files(1);
  files[0].fd = out;
  files[0].path = folder.Path("out");
  constexpr uint64_t kJob = 4096;
  for (size_t j = 0; j < 400; ++j) {
    files[0].segments.push_back(Values(j * kJob, j, kJob));
  }
  std::atomic<uint64_t> written{0};
  OrderedWriterOptions options;
  options.buffers = 2;
  options.buffer_bytes = 8 * kJob;
  options.values_written = &written;
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  std::atomic<uint64_t> worst{0};
  absl::Status s = RunParallel(
      400, 4, [] { return 0; },
      [&](size_t i, int&) {
        return (*writer)->Fill(i, [&](size_t job, uint8_t* o) -> size_t {
          const uint64_t ahead = (job + 1) * kJob - written.load();
          uint64_t w = worst.load();
          while (ahead > w && !worst.compare_exchange_weak(w, ahead)) {
          }
          std::memset(o, 1, kJob);
          return kJob;
        });
      });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_EQ(written.load(), 400 * kJob);
  EXPECT_LE(worst.load(), options.buffers * options.buffer_bytes);
}

TEST(OrderedWriterTest, GivesAlignedRoomForTheWholeCapacity) {
  Folder folder;
  const int out = folder.Make("out", "");
  std::vector<FileToWrite> files(1);
  files[0].fd = out;
  files[0].path = folder.Path("out");
  files[0].segments.push_back(Literal(0, "x"));  // values start unaligned
  std::string want = "x";
  for (size_t j = 0; j < 50; ++j) {
    files[0].segments.push_back(Values(want.size(), j, 100 + j, 800 + 8 * j));
    want += ValueBytes(j, 100 + j);
  }
  OrderedWriterOptions options;
  options.buffer_bytes = 8192;
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status s = RunParallel(
      50, 3, [] { return 0; },
      [&](size_t i, int&) {
        return (*writer)->Fill(i, [&](size_t job, uint8_t* o) -> size_t {
          EXPECT_EQ(reinterpret_cast<uintptr_t>(o) % 64, 0u);
          std::memset(o, 0xee, 800 + 8 * job);  // scribbles on all its room
          const std::string bytes = ValueBytes(job, 100 + job);
          std::memcpy(o, bytes.data(), bytes.size());
          return bytes.size();
        });
      });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE((*writer)->Finish().ok());
  folder.CloseAll();
  EXPECT_TRUE(ReadAll(folder.Path("out")) == want);
}

TEST(OrderedWriterTest, FinishAloneWritesFilesWithoutValues) {
  Folder folder;
  const int in = folder.Make("in", "0123456789");
  const int out = folder.Make("out", "");
  std::vector<FileToWrite> files(1);
  files[0].fd = out;
  files[0].path = folder.Path("out");
  files[0].segments = {Copy(0, in, 5, 5), Literal(5, "--"), Copy(7, in, 0, 3)};
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, OrderedWriterOptions());
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ((*writer)->value_count(), 0u);
  ASSERT_TRUE((*writer)->Finish().ok());
  folder.CloseAll();
  EXPECT_EQ(ReadAll(folder.Path("out")), "56789--012");
}

TEST(OrderedWriterTest, AWriteErrorNamesTheFileAndReachesEveryThread) {
  Folder folder;
  const int read_only = folder.Make("out", "", O_RDONLY);
  std::vector<FileToWrite> files(1);
  files[0].fd = read_only;
  files[0].path = folder.Path("out");
  for (size_t j = 0; j < 200; ++j) {
    files[0].segments.push_back(Values(j * 1000, j, 1000));
  }
  OrderedWriterOptions options;
  options.buffers = 2;
  options.buffer_bytes = 4096;
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status s = RunParallel(
      200, 4, [] { return 0; },
      [&](size_t i, int&) {
        return (*writer)->Fill(i, [](size_t, uint8_t* o) -> size_t {
          std::memset(o, 0, 1000);
          return 1000;
        });
      });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write \"" + folder.Path("out") + "\""),
            std::string::npos)
      << s;
  EXPECT_EQ((*writer)->Finish(), s);
}

TEST(OrderedWriterTest, AGeneratedSizeOtherThanTheSegmentsIsAnInternalError) {
  Folder folder;
  const int out = folder.Make("out", "");
  std::vector<FileToWrite> files(1);
  files[0].fd = out;
  files[0].path = folder.Path("out");
  files[0].segments = {Values(0, 0, 10, 16)};
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, OrderedWriterOptions());
  ASSERT_TRUE(writer.ok()) << writer.status();
  absl::Status s =
      (*writer)->Fill(0, [](size_t, uint8_t*) -> size_t { return 12; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_NE(s.message().find(folder.Path("out")), std::string::npos) << s;
  EXPECT_EQ((*writer)->Finish(), s);
}

TEST(OrderedWriterTest, OverlappingSegmentsAreAnInternalError) {
  std::vector<FileToWrite> files(1);
  files[0].fd = 1;
  files[0].path = "model.onnx";
  files[0].segments = {Values(0, 0, 100), Literal(99, "ab")};
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, OrderedWriterOptions());
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(writer.status().message().find("\"model.onnx\""), std::string::npos)
      << writer.status();
}

TEST(OrderedWriterTest, ValuesLargerThanABufferAreAnInternalError) {
  std::vector<FileToWrite> files(1);
  files[0].fd = 1;
  files[0].path = "model.onnx";
  files[0].segments = {Values(0, 0, 100, 5000)};
  OrderedWriterOptions options;
  options.buffer_bytes = 4096;
  absl::StatusOr<std::unique_ptr<OrderedWriter>> writer =
      OrderedWriter::Create(files, options);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace onnx_reinit
