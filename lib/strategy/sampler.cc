#include "strategy/sampler.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "random/philox_inline.h"

namespace onnx_reinit {
namespace {

// Fills out[0..count) with the values of elements [first, first + count),
// where `pair(w0, w1, &v0, &v1)` turns the words of one Philox block into the
// values of its two elements. One Philox call per block: a leading odd
// element uses v1 of its block, a trailing even element v0 of its block.
template <typename PairFn>
inline void FillByBlocks(PhiloxKey key, uint64_t first, size_t count,
                         double* out, const PairFn& pair) {
  uint64_t block = first >> 1;
  uint64_t w0, w1;
  double v0, v1;
  if ((first & 1) != 0 && count > 0) {
    philox_internal::Block(key, block++, 0, &w0, &w1);
    pair(w0, w1, &v0, &v1);
    *out++ = v1;
    --count;
  }
  for (; count >= 2; count -= 2) {
    philox_internal::Block(key, block++, 0, &w0, &w1);
    pair(w0, w1, &out[0], &out[1]);
    out += 2;
  }
  if (count == 1) {
    philox_internal::Block(key, block, 0, &w0, &w1);
    pair(w0, w1, &v0, &v1);
    *out = v0;
  }
}

}  // namespace

void SampleValues(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, double* out) {
  switch (dist.kind) {
    case Distribution::Kind::kConstant:
      std::fill(out, out + count, dist.value);
      return;
    case Distribution::Kind::kUniform: {
      const double low = dist.low;
      const double width = dist.high - dist.low;
      FillByBlocks(
          key, first, count, out,
          [low, width](uint64_t w0, uint64_t w1, double* v0, double* v1) {
            *v0 = low + width * philox_internal::Uniform(w0);
            *v1 = low + width * philox_internal::Uniform(w1);
          });
      return;
    }
    case Distribution::Kind::kNormal: {
      const double mean = dist.mean;
      const double sigma = dist.std;
      FillByBlocks(
          key, first, count, out,
          [mean, sigma](uint64_t w0, uint64_t w1, double* v0, double* v1) {
            double z0, z1;
            philox_internal::BoxMuller(w0, w1, &z0, &z1);
            *v0 = mean + sigma * z0;
            *v1 = mean + sigma * z1;
          });
      return;
    }
    case Distribution::Kind::kRandomSign: {
      // Branch-free: bit 63 of the word flips the sign bit of `value` (the
      // signs are random, so a branch would mispredict half the time).
      uint64_t value_bits;
      std::memcpy(&value_bits, &dist.value, sizeof(value_bits));
      constexpr uint64_t kSignBit = uint64_t{1} << 63;
      FillByBlocks(
          key, first, count, out,
          [value_bits](uint64_t w0, uint64_t w1, double* v0, double* v1) {
            const uint64_t b0 = value_bits ^ (w0 & kSignBit);
            const uint64_t b1 = value_bits ^ (w1 & kSignBit);
            std::memcpy(v0, &b0, sizeof(b0));
            std::memcpy(v1, &b1, sizeof(b1));
          });
      return;
    }
  }
}

}  // namespace onnx_reinit
