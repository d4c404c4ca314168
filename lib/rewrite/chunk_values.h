// One chunk of a rewritten tensor: its values sampled (or taken from a
// structured fill), rounded to the tensor's dtype, encoded, and measured.
//
// Element-wise strategies on FLOAT, FLOAT16 and BFLOAT16 tensors take the
// single-precision stream (strategy/sampler.h SampleFloats): FLOAT values are
// stored as sampled, FLOAT16/BFLOAT16 ones rounded from float32 (RNE).
// DOUBLE tensors and structured fills use double precision (SampleValues),
// rounded to the dtype as value_encoding.h describes.
//
// Statistics: sums of d = x - c and d² over the rounded values, c being the
// target mean (one pass; since |mean - c| is of the order of the sampling
// noise, the variance S2/n - (S1/n)² loses nothing to cancellation), in
// double precision with partial sums in a fixed order (for float32 values,
// the vector kernel of random/float_kernels.h, the same bits at every SIMD
// level), so they do not depend on how chunks are spread over threads once
// added in chunk order.
#ifndef ONNX_REINIT_REWRITE_CHUNK_VALUES_H_
#define ONNX_REINIT_REWRITE_CHUNK_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "random/philox.h"
#include "rewrite/value_encoding.h"
#include "strategy/distribution.h"
#include "util/simd_level.h"

namespace onnx_reinit {

struct ChunkStats {
  uint64_t n = 0;
  double sum = 0;
  double sum_sq = 0;
};

// Where a tensor's values come from.
struct ChunkSource {
  const Distribution* distribution = nullptr;
  PhiloxKey key{};
  int32_t dtype = 0;
  ValueEncoding encoding;
  double target_mean = 0;
  SimdLevel simd = SimdLevel::kAuto;
  // The whole tensor's values when a structured strategy filled them first
  // (then `distribution` and `key` are not used).
  const double* filled = nullptr;
};

// Buffers reused from chunk to chunk (one per thread), for up to
// `max_count` values.
class ChunkScratch {
 public:
  explicit ChunkScratch(size_t max_count);
  double* doubles() { return doubles_.get(); }
  float* floats() { return floats_.get(); }
  size_t max_count() const { return max_count_; }

 private:
  size_t max_count_;
  std::unique_ptr<double[]> doubles_;
  std::unique_ptr<float[]> floats_;
};

// Writes the encoding of elements [first, first + count) to `out` (room for
// count · kMaxEncodedValueBytes bytes; when it is aligned for float, FLOAT
// values are sampled straight into it, saving a copy), sets `stats`, and
// returns the number of bytes written. count <= scratch->max_count().
size_t GenerateChunk(const ChunkSource& source, uint64_t first, size_t count,
                     ChunkScratch* scratch, uint8_t* out, ChunkStats* stats);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_CHUNK_VALUES_H_
