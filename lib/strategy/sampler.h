// One sampler per distribution kind, in two precisions.
//
// SampleFloats (FLOAT, FLOAT16 and BFLOAT16 tensors; stream version 2): the
// single-precision stream of random/float_kernels.h, four values per Philox
// block, computed in float32 by the vector kernels of `simd` (the same bits
// at every level):
//   uniform(low, high):   min(max(low + (high - low)·u, low), high), u in
//                         [0, 1), all three constants rounded to float
//   normal(mean, std):    mean + std·z, z of Box–Muller
//   random_sign(value):   ±value by bit 31 of the word
//   truncated_normal:     min(max(mean + std·z, low), high), z by inversion
//                         on the window of random/fast_math.h, in float32
//                         when Φ at both ends of the window and its width are
//                         above 2^-100 and the width is at least 2^-8 of
//                         Φ at the far end (so float p has the resolution);
//                         otherwise the double-precision inversion of
//                         fast_math.h on u = (w >> 9)·2^-23 + 2^-24, rounded
//                         to float (far-tail windows); a nearly uniform
//                         window (Distribution::IsNearlyUniform) takes that
//                         path with the linear-density formula below
//   constant:             the value rounded to float
//
// SampleValues (DOUBLE tensors, and the structured strategies; stream
// version 1, unchanged): values are a pure function of
// (key, element index): element i of a tensor uses Philox block i / 2 and the
// transforms of random/transforms.h (uniform: low + (high - low) * u of word
// i % 2, within [low, high] after double rounding; normal: mean + std *
// z_{i % 2}; random sign: sign of word i % 2 times value; truncated normal:
// inversion on the window of fast_math.h, or, for a nearly uniform window,
// low + (high - low)·u·(1 - tilt·(1 - u)) (the linear density
// ∝ 1 - tilt·s of Distribution::Shape, to first order); both clamped to
// [low, high]; constant: value). So
// any split of a tensor into ranges, done in any order on any thread, gives the
// same values.
#ifndef ONNX_REINIT_STRATEGY_SAMPLER_H_
#define ONNX_REINIT_STRATEGY_SAMPLER_H_

#include <cstddef>
#include <cstdint>

#include "random/philox.h"
#include "strategy/distribution.h"
#include "util/simd_level.h"

namespace onnx_reinit {

// The version of the stream these samplers produce, reported as "stream".
// Version 1 (onnx-reinit 0.1): every dtype from the double-precision
// stream. Version 2: FLOAT, FLOAT16 and BFLOAT16 from the single-precision
// stream; DOUBLE and the structured strategies unchanged.
inline constexpr int kStreamVersion = 2;

// Writes the values of elements [first, first + count) to out[0..count),
// with the build of `simd` (the same bits at every level).
void SampleValues(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, double* out, SimdLevel simd = SimdLevel::kAuto);

// Writes the float32 values of elements [first, first + count) to
// out[0..count), with the kernels of `simd`.
void SampleFloats(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, SimdLevel simd, float* out);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_SAMPLER_H_
