// Turning Philox output words into uniform and normal variates. The project's
// own transforms (not std:: distributions, whose output differs by library).
//
// Block b of a tensor is Philox4x32({lo32(b), hi32(b), stream, 0}, key); it
// yields two 64-bit words w0 = x0 | x1 << 32 and w1 = x2 | x3 << 32, which
// give the values of elements 2b and 2b+1:
//   uniform:  u = ((w >> 12) + 0.5) * 2^-52, in the open interval (0, 1):
//             exact in a double, so 2^-53 <= u <= 1 - 2^-53. (The 53-bit
//             form ((w >> 11) + 0.5) * 2^-53 is not: (2^53 - 1) + 0.5
//             rounds to 2^53 and gives u = 1.)
//   normal:   Box–Muller on (u0, u1): r = sqrt(-2 ln u0), t = 2*pi*u1,
//             z0 = r cos t, z1 = r sin t
//   sign:     bit 63 of w selects -1 (set) or +1.
//   truncated normal on [alpha, beta]: one uniform u of one word, by
//             inversion (random/fast_math.h): with (a, b, s) = (alpha, beta,
//             +1) if alpha + beta <= 0, else (-beta, -alpha, -1),
//             z = s·Φ⁻¹(Φ(a) + u·(Φ(b) - Φ(a))).
#ifndef ONNX_REINIT_RANDOM_TRANSFORMS_H_
#define ONNX_REINIT_RANDOM_TRANSFORMS_H_

#include <cstdint>

#include "random/philox.h"

namespace onnx_reinit {

// The two 64-bit words of block `block` in `stream`.
struct BlockWords {
  uint64_t w0;
  uint64_t w1;
};
BlockWords PhiloxBlock(PhiloxKey key, uint64_t block, uint32_t stream = 0);

// (0, 1), never 0 or 1.
double UniformOpen01(uint64_t w);

// Standard normal pair from one block.
void BoxMuller(uint64_t w0, uint64_t w1, double* z0, double* z1);

// The standard normal truncated to [alpha, beta], alpha < beta (either may be
// infinite), from one u in (0, 1), by the inversion above. Uses only the
// project's own Φ and Φ⁻¹, so the bits are those of the sampler.
double TruncatedStandardNormal(double alpha, double beta, double u);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_TRANSFORMS_H_
