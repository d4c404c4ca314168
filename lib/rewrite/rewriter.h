// Produces the re-initialized model: the input's bytes with the value payload
// of every tensor the plan rewrites replaced by freshly sampled values.
//
// Every output file is composed in offset order (rewrite/ordered_writer.h):
// unchanged stretches copied in the kernel (copy_file_range; short ones read
// into the write buffer), literal bytes, and new values generated in chunks
// of kChunkValues elements by the pool's threads straight into a few reused
// write buffers, which one thread at a time writes (pwritev).
// So every byte is written once, no two threads write one file, and memory
// does not grow with the size of the weights. Chunk boundaries and the random
// stream of each value depend only on (seed, tensor name, element index), and
// statistics are combined in chunk order, so output and report are identical
// for any thread count.
#ifndef ONNX_REINIT_REWRITE_REWRITER_H_
#define ONNX_REINIT_REWRITE_REWRITER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/data_file_output.h"
#include "io/input_file.h"
#include "io/wire_scan.h"
#include "onnx_reinit/onnx_reinit.h"
#include "plan/write_plan.h"
#include "rewrite/splice.h"
#include "util/simd_level.h"

namespace onnx_reinit {

inline constexpr uint64_t kChunkValues = uint64_t{1} << 16;

struct WrittenStats {
  double mean = 0;
  double std = 0;  // population standard deviation of the written values
};

// How far the writing of new values has come, for a progress display: the
// bytes of value payload to write (set once they are known) and written so
// far. Read from other threads while the rewrite runs: the public API's
// Progress (include/onnx_reinit/onnx_reinit.h).
using WriteProgress = Progress;

struct RewriteOptions {
  uint64_t seed = 0;
  int threads = 0;  // 0: one per core
  // The vector instructions of every kernel (util/simd_level.h): the
  // samplers give the same bits at every level, the orthogonal kernels do
  // not (strategy/orthogonal_kernels.h).
  SimdLevel simd = SimdLevel::kAuto;
  WriteProgress* progress = nullptr;  // optional
};

struct RewriteOutputs {
  int model_fd = -1;  // an empty file
  std::string model_path;
  std::vector<DataFileOutput> data_files;
  // Further edits of the model's bytes (moving tensors to external data).
  std::vector<LiteralEdit> model_edits;
};

// Writes the data files first, then recomputes the SHA-1 of every
// data file written and puts it in each `checksum` entry that names that file
// (so no checksum is left stale), then writes the model. Returns the
// statistics of the written values, one entry per tensor of the plan (zeros
// for tensors that are kept).
[[nodiscard]] absl::StatusOr<std::vector<WrittenStats>> WriteReinitialized(
    const InputFile& input, const ModelLayout& layout, const WritePlan& plan,
    const RewriteOptions& options, const RewriteOutputs& outputs);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_REWRITER_H_
