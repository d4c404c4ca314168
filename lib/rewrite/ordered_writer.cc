#include "rewrite/ordered_writer.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace onnx_reinit {
namespace {

constexpr uint64_t kAlign = 64;

uint64_t RoundUp(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

struct OrderedWriter::Group {
  size_t file = 0;
  size_t first_segment = 0;
  size_t segment_count = 0;
  uint64_t offset = 0;  // in the file
  uint64_t size = 0;    // bytes written
  int buffer = -1;      // -1: one large copy or literal, written directly
  // The group that used this buffer before: it must be written before this
  // group's values are generated into the buffer.
  size_t previous_user = SIZE_MAX;
  size_t pending = 0;  // value segments not generated yet (guarded by mu_)
  uint64_t value_bytes = 0;
};

struct OrderedWriter::Value {
  size_t group = 0;
  size_t segment = 0;  // index into the file's segments
  uint64_t at = 0;     // position in the group's buffer
};

struct OrderedWriter::Buffer {
  std::unique_ptr<uint8_t[]> storage;  // not initialized: touched when used
  uint8_t* data = nullptr;             // aligned to kAlign
};

OrderedWriter::OrderedWriter(const OrderedWriterOptions& options)
    : options_(options) {}

OrderedWriter::~OrderedWriter() = default;

absl::StatusOr<std::unique_ptr<OrderedWriter>> OrderedWriter::Create(
    std::vector<FileToWrite> files, const OrderedWriterOptions& options) {
  std::unique_ptr<OrderedWriter> writer(new OrderedWriter(options));
  writer->files_ = std::move(files);
  writer->at_.resize(writer->files_.size());
  const uint64_t capacity = options.buffer_bytes / kAlign * kAlign;
  std::vector<Group>& groups = writer->groups_;
  uint64_t largest = 0;  // of the buffers' contents
  size_t buffered = 0;   // groups that use a buffer
  for (size_t f = 0; f < writer->files_.size(); ++f) {
    const FileToWrite& file = writer->files_[f];
    std::vector<uint64_t>& at = writer->at_[f];
    at.assign(file.segments.size(), 0);
    size_t open = SIZE_MAX;  // the buffered group being built
    uint64_t used = 0;       // of its buffer
    uint64_t end = 0;        // of the segment before
    for (size_t s = 0; s < file.segments.size(); ++s) {
      const WriteSegment& seg = file.segments[s];
      const bool values = seg.kind == WriteSegment::Kind::kValues;
      if (seg.offset < end) {
        return absl::InternalError(absl::StrCat(
            "writing \"", file.path, "\": the part at offset ", seg.offset,
            " overlaps the one before it, which ends at ", end));
      }
      if (values &&
          (seg.size > seg.capacity || RoundUp(seg.capacity) > capacity)) {
        return absl::InternalError(absl::StrCat(
            "writing \"", file.path, "\": the values at offset ", seg.offset,
            " need ", seg.capacity, " bytes of buffer for ", seg.size,
            ", a write buffer has ", capacity));
      }
      if (seg.kind == WriteSegment::Kind::kBytes &&
          seg.bytes.size() != seg.size) {
        return absl::InternalError(absl::StrCat(
            "writing \"", file.path, "\": the literal at offset ", seg.offset,
            " holds ", seg.bytes.size(), " bytes, not ", seg.size));
      }
      end = seg.offset + seg.size;
      if (!values && seg.size == 0) continue;
      if (!values && seg.size >= options.inline_bytes) {
        Group direct;
        direct.file = f;
        direct.first_segment = s;
        direct.segment_count = 1;
        direct.offset = seg.offset;
        direct.size = seg.size;
        groups.push_back(direct);
        open = SIZE_MAX;
        continue;
      }
      const uint64_t need = values ? RoundUp(seg.capacity)
                            : seg.kind == WriteSegment::Kind::kCopy
                                ? RoundUp(seg.size)
                                : 0;  // literals are written from the segment
      if (open != SIZE_MAX &&
          (seg.offset != groups[open].offset + groups[open].size ||
           used + need > capacity ||
           groups[open].segment_count == kMaxWriteParts)) {
        open = SIZE_MAX;
      }
      if (open == SIZE_MAX) {
        Group group;
        group.file = f;
        group.first_segment = s;
        group.offset = seg.offset;
        group.buffer = static_cast<int>(buffered++);
        open = groups.size();
        groups.push_back(group);
        used = 0;
      }
      Group& group = groups[open];
      group.segment_count = s - group.first_segment + 1;
      group.size += seg.size;
      at[s] = used;
      used += need;
      largest = std::max(largest, used);
      if (values) {
        ++group.pending;
        group.value_bytes += seg.size;
        writer->values_.push_back({open, s, at[s]});
      }
    }
  }
  // The buffers, round-robin over the buffered groups.
  const size_t count =
      std::min<size_t>(std::max<size_t>(options.buffers, 1), buffered);
  writer->buffers_.resize(count);
  for (Buffer& buffer : writer->buffers_) {
    buffer.storage.reset(new uint8_t[largest + kAlign]);
    const auto address = reinterpret_cast<uintptr_t>(buffer.storage.get());
    buffer.data = buffer.storage.get() + (RoundUp(address) - address);
  }
  std::vector<size_t> last_user(count, SIZE_MAX);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].buffer < 0) continue;
    const size_t b = static_cast<size_t>(groups[g].buffer) % count;
    groups[g].buffer = static_cast<int>(b);
    groups[g].previous_user = last_user[b];
    last_user[b] = g;
  }
  return writer;
}

size_t OrderedWriter::value_count() const { return values_.size(); }

size_t OrderedWriter::job(size_t i) const {
  const Value& v = values_[i];
  return files_[groups_[v.group].file].segments[v.segment].job;
}

absl::Status OrderedWriter::Fill(
    size_t i, absl::FunctionRef<size_t(size_t job, uint8_t* out)> generate) {
  const Value& v = values_[i];
  Group& group = groups_[v.group];
  const WriteSegment& seg = files_[group.file].segments[v.segment];
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (status_.ok() && group.previous_user != SIZE_MAX &&
           next_ <= group.previous_user) {
      // Groups that need no values (copies at the start of a file) are
      // written by whoever finds them first.
      if (!writing_ && groups_[next_].pending == 0) {
        WriteReady(lock);
      } else {
        written_.wait(lock);
      }
    }
    if (!status_.ok()) return status_;
  }
  const size_t n = generate(seg.job, buffers_[group.buffer].data + v.at);
  std::unique_lock<std::mutex> lock(mu_);
  if (n != seg.size) {
    Fail(absl::InternalError(absl::StrCat(
        "writing \"", files_[group.file].path, "\": the values at offset ",
        seg.offset, " came to ", n, " bytes instead of ", seg.size)));
  } else {
    --group.pending;
    if (!writing_) WriteReady(lock);
  }
  return status_;
}

absl::Status OrderedWriter::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  if (status_.ok() && !writing_) WriteReady(lock);
  if (!status_.ok()) return status_;
  if (next_ != groups_.size()) {
    const Group& group = groups_[next_];
    return absl::InternalError(absl::StrCat(
        "writing \"", files_[group.file].path, "\": values at offset ",
        group.offset, " were never generated"));
  }
  return absl::OkStatus();
}

void OrderedWriter::WriteReady(std::unique_lock<std::mutex>& lock) {
  writing_ = true;
  while (status_.ok() && next_ < groups_.size() &&
         groups_[next_].pending == 0) {
    const size_t g = next_;
    lock.unlock();
    absl::Status s = WriteGroup(g);
    lock.lock();
    if (!s.ok()) {
      Fail(std::move(s));
      break;
    }
    ++next_;
    written_.notify_all();
  }
  writing_ = false;
}

absl::Status OrderedWriter::WriteGroup(size_t g) {
  const Group& group = groups_[g];
  const FileToWrite& file = files_[group.file];
  if (options_.trace != nullptr) {
    options_.trace->push_back({file.fd, group.offset, group.size});
  }
  if (group.buffer < 0) {
    const WriteSegment& seg = file.segments[group.first_segment];
    if (seg.kind == WriteSegment::Kind::kCopy) {
      return CopyRange(seg.source_fd, seg.source_offset, file.fd, seg.offset,
                       seg.size, file.path);
    }
    return WriteAt(file.fd, file.path, seg.bytes.data(), seg.bytes.size(),
                   seg.offset);
  }
  uint8_t* buffer = buffers_[group.buffer].data;
  parts_.clear();
  for (size_t s = group.first_segment;
       s < group.first_segment + group.segment_count; ++s) {
    const WriteSegment& seg = file.segments[s];
    if (seg.size == 0) continue;
    uint8_t* at = buffer + at_[group.file][s];
    switch (seg.kind) {
      case WriteSegment::Kind::kCopy: {
        absl::Status read =
            ReadAt(seg.source_fd, at, seg.size, seg.source_offset, file.path);
        if (!read.ok()) return read;
        parts_.push_back({at, seg.size});
        break;
      }
      case WriteSegment::Kind::kBytes:
        parts_.push_back({const_cast<char*>(seg.bytes.data()), seg.size});
        break;
      case WriteSegment::Kind::kValues:
        parts_.push_back({at, seg.size});
        break;
    }
  }
  absl::Status s =
      WriteVectorAt(file.fd, file.path, absl::MakeSpan(parts_), group.offset);
  if (s.ok() && options_.values_written != nullptr) {
    *options_.values_written += group.value_bytes;
  }
  return s;
}

void OrderedWriter::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
  written_.notify_all();
}

}  // namespace onnx_reinit
