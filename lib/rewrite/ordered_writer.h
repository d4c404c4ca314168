// Writes output files from ordered lists of segments — bytes copied from
// another file, literal bytes, and value bytes that the caller generates —
// so that every output byte is written once, each file in offset order, by
// one thread at a time, while other threads generate.
//
// Planning (Create, deterministic: it depends on the segments and options
// only). Each file's segments, in offset order, are cut into groups:
//   - a copy or literal of at least `inline_bytes` is a group of its own,
//     written with copy_file_range (io/file_io.h CopyRange) or one pwrite;
//   - otherwise consecutive segments that are contiguous in the file form one
//     group while they fit in a buffer of `buffer_bytes` (value segments take
//     their capacity, rounded up to 64 bytes; short copies their size;
//     literals nothing, they are written from where they are) and number at
//     most kMaxWriteParts: one pwritev.
// Groups are written in order, files one after another. Bytes between
// segments are not written (a file sized beforehand keeps zeros there).
//
// Running. Value segment i (numbered in write order, 0..value_count()-1) is
// filled by Fill(i) on any thread; the caller claims i in increasing order
// (RunParallel does), then calls Finish() once. Fill generates the segment
// straight into its place in its group's buffer — `out` is 64-byte aligned
// with room for the segment's capacity — then, if no thread is writing, the
// caller becomes the writer and writes every complete group in order (short
// copies are read into the buffer just before); the other threads go on
// generating. The buffers are reused round-robin: a Fill whose buffer still
// holds an unwritten group waits for that group to be written, so generation
// runs at most `buffers` groups ahead of the writes and memory stays at
// buffers × buffer_bytes whatever the size of the output.
//
// Thread-safe: Fill may run on many threads at once; Create and Finish on
// one. Errors name the file: the first failure (a write, a short input, a
// generated size that does not match the segment's) stops the writer, every
// Fill then returns it, and Finish returns it.
#ifndef ONNX_REINIT_REWRITE_ORDERED_WRITER_H_
#define ONNX_REINIT_REWRITE_ORDERED_WRITER_H_

#include <sys/uio.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace onnx_reinit {

// Parts of one pwritev: kept below IOV_MAX (1024 on Linux).
inline constexpr size_t kMaxWriteParts = 512;

struct WriteSegment {
  enum class Kind { kCopy, kBytes, kValues };
  Kind kind = Kind::kCopy;
  // kCopy: `size` bytes of `source_fd` from `source_offset`. (Next to `kind`:
  // a model of many tensors has a few segments per tensor.)
  int source_fd = -1;
  uint64_t offset = 0;  // in the output file
  uint64_t size = 0;    // bytes it puts in the output
  uint64_t source_offset = 0;
  std::string bytes;  // kBytes: the bytes themselves
  // kValues: passed back to the generate function of Fill, which may use up
  // to `capacity` bytes (>= size) of its output buffer.
  size_t job = 0;
  uint64_t capacity = 0;
};

struct FileToWrite {
  int fd = -1;
  std::string path;                    // for messages
  std::vector<WriteSegment> segments;  // sorted by offset, not overlapping
};

// One write or copy as issued (for tests).
struct WriteRecord {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct OrderedWriterOptions {
  // 16 buffers of 512 KiB: one chunk of the rewriter each (a FLOAT
  // chunk is 256 KiB of values in 512 KiB of room), 16 chunks in flight.
  // Larger groups would make larger writes, but on ext4 (Linux 6.18, this
  // VM) buffered writes of 1-2 MiB per call took 2-5x the system time of
  // 256 KiB calls for the same bytes, and the 2.9 GB external-data model went
  // from 1.3 s to 4-9 s with 2 MiB writes; 256 KiB calls cost what the
  // former per-chunk pwrite did, and no more on tmpfs.
  size_t buffers = 16;
  size_t buffer_bytes = size_t{512} << 10;
  // Copies and literals shorter than this are gathered into the buffers.
  uint64_t inline_bytes = uint64_t{64} << 10;
  // Optional: bytes of value segments written so far (a progress display).
  std::atomic<uint64_t>* values_written = nullptr;
  // Optional, for tests: every write and copy, in the order issued.
  std::vector<WriteRecord>* trace = nullptr;
};

class OrderedWriter {
 public:
  // Internal naming the file when its segments are out of order or overlap,
  // or a value segment's capacity (or size) does not fit in a buffer.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OrderedWriter>> Create(
      std::vector<FileToWrite> files, const OrderedWriterOptions& options);

  OrderedWriter(const OrderedWriter&) = delete;
  OrderedWriter& operator=(const OrderedWriter&) = delete;
  ~OrderedWriter();

  // The number of value segments, and the `job` of value segment i.
  size_t value_count() const;
  size_t job(size_t i) const;

  // Generates value segment i with `generate(job, out)`, which writes the
  // segment's bytes to `out` and returns their number (it must be the
  // segment's size), then writes what is complete if no thread is writing.
  [[nodiscard]] absl::Status Fill(
      size_t i, absl::FunctionRef<size_t(size_t job, uint8_t* out)> generate);

  // Writes what is left (groups after the last value segment, or every group
  // when there are no values). Internal when a value segment was not filled.
  [[nodiscard]] absl::Status Finish();

 private:
  struct Group;
  struct Value;
  struct Buffer;

  explicit OrderedWriter(const OrderedWriterOptions& options);

  // With mu_ held and writing_ false: writes complete groups in order, with
  // mu_ released during each write.
  void WriteReady(std::unique_lock<std::mutex>& lock);
  [[nodiscard]] absl::Status WriteGroup(size_t g);
  void Fail(absl::Status status);

  OrderedWriterOptions options_;
  std::vector<FileToWrite> files_;
  std::vector<Group> groups_;
  std::vector<Value> values_;
  std::vector<Buffer> buffers_;
  // Per file and segment: where a value segment or short copy sits in its
  // group's buffer.
  std::vector<std::vector<uint64_t>> at_;
  std::vector<iovec> parts_;  // of the write being issued (the writer's)

  std::mutex mu_;
  std::condition_variable written_;  // next_ advanced, or failed
  size_t next_ = 0;                  // the first group not written
  bool writing_ = false;             // a thread is in WriteReady
  absl::Status status_;              // the first failure
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_ORDERED_WRITER_H_
