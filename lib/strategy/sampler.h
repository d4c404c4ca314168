// One sampler per distribution kind. Values are a pure function of
// (key, element index): element i of a tensor uses Philox block i / 2 and the
// transforms of random/transforms.h (uniform: low + (high - low) * u of word
// i % 2, within [low, high] after double rounding; normal: mean + std *
// z_{i % 2}; random sign: sign of word i % 2 times value; constant: value). So
// any split of a tensor into ranges, done in any order on any thread, gives the
// same values.
#ifndef ONNX_REINIT_STRATEGY_SAMPLER_H_
#define ONNX_REINIT_STRATEGY_SAMPLER_H_

#include <cstddef>
#include <cstdint>

#include "random/philox.h"
#include "strategy/distribution.h"

namespace onnx_reinit {

// Writes the values of elements [first, first + count) to out[0..count).
void SampleValues(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, double* out);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_SAMPLER_H_
