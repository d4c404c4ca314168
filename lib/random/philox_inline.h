// Header-only forms of Philox4x32-10 and the block/uniform transforms, so the
// sampler's hot loop can inline them. Private to lib/: philox.cc and
// transforms.cc define the public functions in terms of these, so there is one
// implementation. Contracts and formulas: random/philox.h and
// random/transforms.h.
#ifndef ONNX_REINIT_RANDOM_PHILOX_INLINE_H_
#define ONNX_REINIT_RANDOM_PHILOX_INLINE_H_

#include <cmath>
#include <cstdint>

#include "random/fast_math.h"
#include "random/philox.h"

namespace onnx_reinit {
namespace philox_internal {

inline constexpr uint32_t kMultiplier0 = 0xD2511F53u;
inline constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
inline constexpr uint32_t kWeyl0 = 0x9E3779B9u;
inline constexpr uint32_t kWeyl1 = 0xBB67AE85u;
inline constexpr int kRounds = 10;

// One Philox4x32 round: two 32x32->64 multiplies, then the Feistel-like mix
//   x0' = hi(M1*x2) ^ x1 ^ k0,  x1' = lo(M1*x2),
//   x2' = hi(M0*x0) ^ x3 ^ k1,  x3' = lo(M0*x0).
inline PhiloxCounter Round(const PhiloxCounter& x, uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(kMultiplier0) * x[0];
  const uint64_t p1 = static_cast<uint64_t>(kMultiplier1) * x[2];
  return {
      static_cast<uint32_t>(p1 >> 32) ^ x[1] ^ k0, static_cast<uint32_t>(p1),
      static_cast<uint32_t>(p0 >> 32) ^ x[3] ^ k1, static_cast<uint32_t>(p0)};
}

// Ten rounds; the key is bumped by the Weyl constants between rounds.
inline PhiloxCounter Philox4x32_10(PhiloxCounter x, PhiloxKey key) {
  uint32_t k0 = key[0];
  uint32_t k1 = key[1];
  for (int r = 0; r < kRounds; ++r) {
    if (r > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    x = Round(x, k0, k1);
  }
  return x;
}

// Block `block` of `stream`: counter {lo32(block), hi32(block), stream, 0};
// returns w0 = x0 | x1 << 32 and w1 = x2 | x3 << 32 via the out parameters.
inline void Block(PhiloxKey key, uint64_t block, uint32_t stream, uint64_t* w0,
                  uint64_t* w1) {
  const PhiloxCounter x =
      Philox4x32_10({static_cast<uint32_t>(block),
                     static_cast<uint32_t>(block >> 32), stream, 0u},
                    key);
  *w0 = static_cast<uint64_t>(x[0]) | (static_cast<uint64_t>(x[1]) << 32);
  *w1 = static_cast<uint64_t>(x[2]) | (static_cast<uint64_t>(x[3]) << 32);
}

// u = ((w >> 12) + 0.5) * 2^-52; see random/transforms.h for why 52 bits.
// (w >> 12) < 2^52 is converted exactly by placing it in the mantissa of
// 2^52 and subtracting 2^52 (integer ops only, so loops of it vectorize).
inline double Uniform(uint64_t w) {
  const double d = fast_math::FromBits((w >> 12) | 0x4330000000000000ull) -
                   4503599627370496.0;
  return (d + 0.5) * 0x1p-52;
}

// Box–Muller: r = sqrt(-2 ln u0), z0 = r cos 2πu1, z1 = r sin 2πu1, with the
// project's own ln and sin/cos (random/fast_math.h), so the values do not
// depend on the C library.
inline void BoxMuller(uint64_t w0, uint64_t w1, double* z0, double* z1) {
  const double r = std::sqrt(-2.0 * fast_math::Log01(Uniform(w0)));
  double s, c;
  fast_math::SinCosTwoPi(Uniform(w1), &s, &c);
  *z0 = r * c;
  *z1 = r * s;
}

}  // namespace philox_internal
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_PHILOX_INLINE_H_
