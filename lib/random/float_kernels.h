// The single-precision random stream (stream version 2) and its vector
// kernels, one build per SIMD level (util/simd_level.h), all giving the same
// bits.
//
// Layout. Elements come in groups of 64. Element i = 64·g + 16·j + l
// (j in 0..3, l in 0..15) takes 32-bit word j of Philox4x32-10 block
// b = 16·g + l of the tensor's key, counter {lo32(b), hi32(b), 0, 0}
// (random/philox.h). A group is 16 blocks: one AVX-512 vector of counters, two
// AVX2 ones, four SSE2 ones; the layout does not depend on the vector width.
//
// Transforms of a word w (n24 = w >> 8, n23 = w >> 9; all float32
// arithmetic, each operation exactly rounded, no fused multiply-add):
//   uniform [0, 1):   u = n24 · 2^-24
//   uniform (0, 1]:   u = (n24 + 1) · 2^-24            (for the logarithm)
//   uniform (0, 1):   u = n23 · 2^-23 + 2^-24          (for inversion)
//   sign:             bit 31 of w, XORed into the value's sign bit
// Normal: the words of j = 0 and 1 make one pair, those of j = 2 and 3
// another (Box–Muller): with r = sqrt(-2·ln u) (u of the first word, in
// (0, 1]) and the angle θ = 2π · n24/2^24 of the second word,
//   element j = 0 (or 2): r·cos θ,   element j = 1 (or 3): r·sin θ.
// θ is reduced without rounding: quadrant k = (n24 + 2^21) >> 22 and
// x = (n24 - k·2^22) · (π·2^-23) in [-π/4, π/4]; sin and cos of x are
// minimax polynomials (Cephes sinf/cosf), ln is fdlibm's logf.
// Truncated normal, by inversion: p = p_low + u·p_width (u in (0, 1)),
// z = sign·Φ⁻¹(p) with Wichura's AS 241 PPND7 and the project's ln.
//
// These are the kernels; strategy/sampler.h turns distributions into their
// parameters and handles ranges that do not start or end on a group.
#ifndef ONNX_REINIT_RANDOM_FLOAT_KERNELS_H_
#define ONNX_REINIT_RANDOM_FLOAT_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "random/philox.h"
#include "util/simd_level.h"

namespace onnx_reinit {

inline constexpr size_t kGroupBlocks = 16;
inline constexpr size_t kGroupValues = 4 * kGroupBlocks;  // 64

// value = min(max(low + width·u, min), max), u uniform in [0, 1).
struct UniformParams32 {
  float low;
  float width;
  float min;
  float max;
};

// value = mean + sigma·z.
struct NormalParams32 {
  float mean;
  float sigma;
};

// value = the float with bits value_bits, sign flipped by bit 31 of w.
struct SignParams32 {
  uint32_t value_bits;
};

// value = min(max(mean + sigma·(sign·Φ⁻¹(p_low + u·p_width)), min), max).
struct TruncatedParams32 {
  float p_low;
  float p_width;
  float sign;  // +1 or -1
  float mean;
  float sigma;
  float min;
  float max;
};

// One build of every kernel. Each fills whole groups
// [first_group, first_group + groups): out[64·k + e] is element e of group
// first_group + k.
struct FloatSamplerKernels {
  // The raw words: out[64·k + 16·j + l] = word j of block 16·(first + k) + l.
  void (*words)(PhiloxKey key, uint64_t first_group, size_t groups,
                uint32_t* out);
  void (*uniform)(PhiloxKey key, uint64_t first_group, size_t groups,
                  const UniformParams32& params, float* out);
  void (*normal)(PhiloxKey key, uint64_t first_group, size_t groups,
                 const NormalParams32& params, float* out);
  void (*sign)(PhiloxKey key, uint64_t first_group, size_t groups,
               const SignParams32& params, float* out);
  void (*truncated_normal)(PhiloxKey key, uint64_t first_group, size_t groups,
                           const TruncatedParams32& params, float* out);
  // Σ (x - center) and Σ (x - center)² over values[0..n) in double: value i
  // is added to partial sum i % 16, and the 16 partial sums are added
  // pairwise (j += j + 8, then + 4, + 2, + 1), so every level gives the same
  // bits.
  void (*moments)(const float* values, size_t n, double center, double* sum,
                  double* sum_sq);
};

// The build for `level` (ResolveSimdLevel: kAuto is the best level the CPU
// runs; a level it lacks is lowered).
const FloatSamplerKernels& FloatSamplerKernelsFor(SimdLevel level);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_FLOAT_KERNELS_H_
