// The shape of a batch, decided before any model is read: which output each
// model goes to, which models this shard takes, and each model's seed. Pure
// logic over what batch/discover.h found; every error is a usage error
// (InvalidArgument) and nothing has been written when it is returned.
//
//   * A folder input IN mirrors into OUT: IN/a/b/m.onnx -> OUT/a/b/m.onnx.
//     A file input among several goes to OUT/<its file name>.
//   * Refused: OUT inside (or equal to) an input folder; an input folder
//     inside OUT; an output that is its own input (without --in_place); two
//     models that would be written to the same output.
//   * Models are ordered by relative path (ties: by input order); that order
//     is the order of the report and of --plan, and the one --shard=I/N
//     counts in: a shard takes the models whose index is I modulo N, so the
//     shards of one batch are disjoint and together hold every model.
//   * Seeds: --seed_from=none (default) gives every model --seed, so a model
//     gets the same bytes in a batch as alone; --seed_from=path gives
//     SeedForPath(--seed, relative path) (include/onnx_reinit/onnx_reinit.h).
#ifndef ONNX_REINIT_TOOLS_BATCH_LAYOUT_H_
#define ONNX_REINIT_TOOLS_BATCH_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "batch/discover.h"

namespace onnx_reinit {

enum class SeedFrom { kNone, kPath };

// "none" or "path".
[[nodiscard]] absl::StatusOr<SeedFrom> ParseSeedFrom(const std::string& text);

// The seed of the model at `relative` under --seed and --seed_from.
uint64_t ModelSeed(uint64_t seed, SeedFrom from, const std::string& relative);

struct Shard {
  int index = 0;  // I in --shard=I/N
  int count = 1;  // N
};

// "I/N" with 0 <= I < N.
[[nodiscard]] absl::StatusOr<Shard> ParseShard(const std::string& text);

struct BatchModel {
  std::string input;     // the file to read
  std::string relative;  // beneath its input root
  std::string output;    // the file to write ("" for a plan)
  uint64_t bytes = 0;    // input size when listed
  uint64_t seed = 0;
  absl::Status error;  // the input could not be listed (batch/discover.h)
};

struct LayoutOptions {
  std::string out;            // -o; "" with in_place or plan_only
  std::string out_canonical;  // CanonicalPath(out)
  bool in_place = false;
  bool plan_only = false;
  uint64_t seed = 0;
  SeedFrom seed_from = SeedFrom::kNone;
  Shard shard;
};

// True when the inputs make a batch (OUT is a folder): more than one input,
// or any folder.
bool IsBatch(const FoundInputs& found);

[[nodiscard]] absl::StatusOr<std::vector<BatchModel>> LayOutBatch(
    const FoundInputs& found, const LayoutOptions& options);

// True when `path` is `folder` or lies beneath it (both canonical).
bool IsWithin(const std::string& path, const std::string& folder);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_BATCH_LAYOUT_H_
