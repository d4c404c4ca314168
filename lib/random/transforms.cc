#include "random/transforms.h"

#include <cstdint>

#include "random/fast_math.h"
#include "random/philox_inline.h"

namespace onnx_reinit {

BlockWords PhiloxBlock(PhiloxKey key, uint64_t block, uint32_t stream) {
  BlockWords words;
  philox_internal::Block(key, block, stream, &words.w0, &words.w1);
  return words;
}

double UniformOpen01(uint64_t w) { return philox_internal::Uniform(w); }

void BoxMuller(uint64_t w0, uint64_t w1, double* z0, double* z1) {
  philox_internal::BoxMuller(w0, w1, z0, z1);
}

double TruncatedStandardNormal(double alpha, double beta, double u) {
  return fast_math::TruncatedStandardNormal(
      fast_math::MakeTruncatedNormalWindow(alpha, beta), u);
}

}  // namespace onnx_reinit
