// The kernels of random/float_kernels.h in Google Highway, compiled once per
// SIMD level by hwy/foreach_target.h: AVX3 (kAvx512), AVX2 (kAvx2) and
// EMU128 (kBaseline; plain C++ on lanes, vectorized by the compiler for the
// default target). Only exactly rounded operations are used (add, sub, mul,
// div, sqrt, int<->float conversions of integers below 2^24, bit operations,
// min/max, selects) in the same order at every level, and the library is
// compiled with -ffp-contract=off, so every level gives the same bits.
#include "random/float_kernels.h"

// Only the three levels of util/simd_level.h are compiled.
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#if defined(__x86_64__)
// Highway 1.0.3 avoids EMU128 with GCC < 12.3 because of GCC PR 106322
// (vectorized high-part multiplies on i386, armel, mips and powerpc); x86-64
// is not affected, and the tests compare this level's bits with AVX2's.
#define HWY_BROKEN_EMU128 0
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "random/float_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target.h first, then highway.h.
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace onnx_reinit {
namespace HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;

// At most one group (16 blocks) of counters per vector.
using DU = hn::CappedTag<uint32_t, kGroupBlocks>;
using DI = hn::RebindToSigned<DU>;
using DF = hn::RebindToFloat<DU>;
using VU = hn::Vec<DU>;
using VI = hn::Vec<DI>;
using VF = hn::Vec<DF>;

constexpr size_t kLanes = hn::MaxLanes(DU());
static_assert(kGroupBlocks % kLanes == 0, "a group is whole vectors");

constexpr uint32_t kMultiplier0 = 0xD2511F53u;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;

// hi and lo 32 bits of a·m per lane: lo from one 32-bit multiply; hi of the
// even lanes from one 32x32->64 multiply, of the odd lanes from another on
// the shifted input.
HWY_INLINE void MulHiLo(VU a, VU m, VU* hi, VU* lo) {
  const DU du;
  const hn::RepartitionToWide<DU> dw;
  const auto even = hn::MulEven(a, m);
  *lo = hn::Mul(a, m);          // the low halves of all lanes in one multiply
  if constexpr (kLanes == 1) {  // HWY_SCALAR: no odd lanes
    *hi = hn::BitCast(du, hn::ShiftRight<32>(even));
    return;
  }
  const auto odd =
      hn::MulEven(hn::BitCast(du, hn::ShiftRight<32>(hn::BitCast(dw, a))), m);
  *hi = hn::OddEven(hn::BitCast(du, odd),
                    hn::BitCast(du, hn::ShiftRight<32>(even)));
}

constexpr size_t kVectors = kGroupBlocks / kLanes;  // per group

// Philox4x32-10 of the 16 blocks of one group (stream 0): x[j][v] holds
// word j of blocks first_block + v·kLanes + lane. The vectors of a group go
// through the rounds side by side, so their multiplies overlap.
HWY_INLINE void PhiloxGroup(PhiloxKey key, uint64_t first_block,
                            VU x[4][kVectors]) {
  const DU du;
  for (size_t v = 0; v < kVectors; ++v) {
    x[0][v] = hn::Iota(du, static_cast<uint32_t>(first_block + v * kLanes));
    x[1][v] = hn::Set(du, static_cast<uint32_t>(first_block >> 32));
    x[2][v] = hn::Zero(du);
    x[3][v] = hn::Zero(du);
  }
  const VU m0 = hn::Set(du, kMultiplier0);
  const VU m1 = hn::Set(du, kMultiplier1);
  uint32_t k0 = key[0];
  uint32_t k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    const VU key0 = hn::Set(du, k0);
    const VU key1 = hn::Set(du, k1);
    for (size_t v = 0; v < kVectors; ++v) {
      VU hi0, lo0, hi1, lo1;
      MulHiLo(x[0][v], m0, &hi0, &lo0);
      MulHiLo(x[2][v], m1, &hi1, &lo1);
      x[0][v] = hn::Xor(hn::Xor(hi1, x[1][v]), key0);
      x[1][v] = lo1;
      x[2][v] = hn::Xor(hn::Xor(hi0, x[3][v]), key1);
      x[3][v] = lo0;
    }
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
}

// Calls op(x, out + 64·k + v·kLanes) for every vector of counters of the
// groups; op stores word j of its lanes at out[16·j ...].
template <class Op>
HWY_INLINE void ForEachVector(PhiloxKey key, uint64_t first_group,
                              size_t groups, const Op& op) {
  for (size_t k = 0; k < groups; ++k) {
    VU x[4][kVectors];
    PhiloxGroup(key, (first_group + k) * kGroupBlocks, x);
    for (size_t v = 0; v < kVectors; ++v) {
      const VU words[4] = {x[0][v], x[1][v], x[2][v], x[3][v]};
      op(words, k * kGroupValues + v * kLanes);
    }
  }
}

// Calls op(x, out + 64·k) with the words x of each group k.
template <class Op>
HWY_INLINE void ForEachGroup(PhiloxKey key, uint64_t first_group, size_t groups,
                             float* out, const Op& op) {
  for (size_t k = 0; k < groups; ++k) {
    VU x[4][kVectors];
    PhiloxGroup(key, (first_group + k) * kGroupBlocks, x);
    op(x, out + k * kGroupValues);
  }
}

// n24 = w >> 8 as a float (exact: below 2^24).
HWY_INLINE VF Top24(VU w) {
  return hn::ConvertTo(DF(), hn::BitCast(DI(), hn::ShiftRight<8>(w)));
}

// Loops over the K independent vectors of a batch, one step at a time, so
// that K dependency chains are interleaved (the compiler does not schedule
// across whole inlined functions; out-of-order hardware sees only a window).
#define ONNX_REINIT_EACH(i, K) \
  _Pragma("GCC unroll 16") for (size_t i = 0; i < (K); ++i)

// Natural logarithm of x > 0, x normal (fdlibm's e_logf.c), in place on K
// vectors: x = 2^k·m with m in [√2/2, √2), f = m - 1, s = f/(2 + f),
// ln x = k·ln2_hi - ((hfsq - (s·(hfsq + R(s²)) + k·ln2_lo)) - f).
template <size_t K>
HWY_INLINE void Log(VF (&x)[K]) {
  const DF df;
  const DU du;
  const DI di;
  VU ix[K];
  VF f[K], s[K], z[K], w[K], r[K], hfsq[K], dk[K];
  ONNX_REINIT_EACH(i, K) {
    ix[i] =
        hn::Add(hn::BitCast(du, x[i]), hn::Set(du, 0x3f800000u - 0x3f3504f3u));
  }
  ONNX_REINIT_EACH(i, K) {
    dk[i] = hn::ConvertTo(
        df,
        hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(ix[i])), hn::Set(di, 0x7f)));
  }
  ONNX_REINIT_EACH(i, K) {
    ix[i] = hn::Add(hn::And(ix[i], hn::Set(du, 0x007fffffu)),
                    hn::Set(du, 0x3f3504f3u));
  }
  ONNX_REINIT_EACH(i, K) {
    f[i] = hn::Sub(hn::BitCast(df, ix[i]), hn::Set(df, 1.0f));
  }
  ONNX_REINIT_EACH(i, K) {
    s[i] = hn::Div(f[i], hn::Add(hn::Set(df, 2.0f), f[i]));
  }
  ONNX_REINIT_EACH(i, K) { z[i] = hn::Mul(s[i], s[i]); }
  ONNX_REINIT_EACH(i, K) { w[i] = hn::Mul(z[i], z[i]); }
  ONNX_REINIT_EACH(i, K) {
    const VF t1 =
        hn::Mul(w[i], hn::Add(hn::Set(df, 0.40000972152f),
                              hn::Mul(w[i], hn::Set(df, 0.24279078841f))));
    const VF t2 =
        hn::Mul(z[i], hn::Add(hn::Set(df, 0.66666662693f),
                              hn::Mul(w[i], hn::Set(df, 0.28498786688f))));
    r[i] = hn::Add(t2, t1);
  }
  ONNX_REINIT_EACH(i, K) {
    hfsq[i] = hn::Mul(hn::Set(df, 0.5f), hn::Mul(f[i], f[i]));
  }
  ONNX_REINIT_EACH(i, K) {
    const VF inner =
        hn::Add(hn::Mul(s[i], hn::Add(hfsq[i], r[i])),
                hn::Mul(dk[i], hn::Set(df, 9.0580006145e-06f)));    // ln2_lo
    x[i] = hn::Sub(hn::Mul(dk[i], hn::Set(df, 6.9313812256e-01f)),  // ln2_hi
                   hn::Sub(hn::Sub(hfsq[i], inner), f[i]));
  }
}

// cos θ and sin θ for θ = 2π·n/2^24, n = w >> 8, on K vectors.
template <size_t K>
HWY_INLINE void CosSin(const VU (&w)[K], VF (&cos_out)[K], VF (&sin_out)[K]) {
  const DF df;
  const DU du;
  const DI di;
  VU quadrant[K];
  VF x[K], z[K], s[K], c[K];
  ONNX_REINIT_EACH(i, K) {
    const VU n = hn::ShiftRight<8>(w[i]);
    quadrant[i] = hn::ShiftRight<22>(hn::Add(n, hn::Set(du, 1u << 21)));
    const VI rest = hn::Sub(hn::BitCast(di, n),
                            hn::BitCast(di, hn::ShiftLeft<22>(quadrant[i])));
    // |rest| <= 2^21, so x = rest·π·2^-23 is in [-π/4, π/4].
    x[i] = hn::Mul(hn::ConvertTo(df, rest), hn::Set(df, 3.7450702e-07f));
  }
  ONNX_REINIT_EACH(i, K) { z[i] = hn::Mul(x[i], x[i]); }
  // Cephes sinf / cosf on [-π/4, π/4].
  ONNX_REINIT_EACH(i, K) {
    const VF sin_poly = hn::Add(
        hn::Set(df, -1.6666654611e-1f),
        hn::Mul(z[i], hn::Add(hn::Set(df, 8.3321608736e-3f),
                              hn::Mul(z[i], hn::Set(df, -1.9515295891e-4f)))));
    s[i] = hn::Add(x[i], hn::Mul(hn::Mul(x[i], z[i]), sin_poly));
  }
  ONNX_REINIT_EACH(i, K) {
    const VF cos_poly = hn::Add(
        hn::Set(df, 4.166664568298827e-2f),
        hn::Mul(z[i],
                hn::Add(hn::Set(df, -1.388731625493765e-3f),
                        hn::Mul(z[i], hn::Set(df, 2.443315711809948e-5f)))));
    c[i] = hn::Add(hn::Sub(hn::Set(df, 1.0f), hn::Mul(hn::Set(df, 0.5f), z[i])),
                   hn::Mul(hn::Mul(z[i], z[i]), cos_poly));
  }
  // θ = q·π/2 + x: q odd swaps sin and cos; sin is negated for q = 2, 3 and
  // cos for q = 1, 2.
  ONNX_REINIT_EACH(i, K) {
    const VU q = quadrant[i];
    const auto swap =
        hn::RebindMask(df, hn::Ne(hn::And(q, hn::Set(du, 1u)), hn::Zero(du)));
    const VU sin_sign = hn::ShiftLeft<30>(hn::And(q, hn::Set(du, 2u)));
    const VU cos_sign = hn::ShiftLeft<30>(
        hn::And(hn::Add(q, hn::Set(du, 1u)), hn::Set(du, 2u)));
    const VF sin_abs = hn::IfThenElse(swap, c[i], s[i]);
    const VF cos_abs = hn::IfThenElse(swap, s[i], c[i]);
    sin_out[i] = hn::BitCast(df, hn::Xor(hn::BitCast(du, sin_abs), sin_sign));
    cos_out[i] = hn::BitCast(df, hn::Xor(hn::BitCast(du, cos_abs), cos_sign));
  }
}

// Φ⁻¹(p), 0 < p < 1: Wichura's AS 241 PPND7 (about 7 significant digits),
// every branch's numerator and denominator computed and the right ones
// selected before the one division.
// The quantile given p and t = sqrt(-ln min(p, 1 - p)) (NormalQuantile).
HWY_INLINE VF NormalQuantileFromTail(VF p, VF t) {
  const DF df;
  const VF q = hn::Sub(p, hn::Set(df, 0.5f));
  // |q| <= 0.425: z = q·A(r)/B(r), r = 0.180625 - q².
  const VF r = hn::Sub(hn::Set(df, 0.180625f), hn::Mul(q, q));
  const VF a = hn::Add(
      hn::Mul(hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 59.109374720f), r),
                                      hn::Set(df, 159.29113202f)),
                              r),
                      hn::Set(df, 50.434271938f)),
              r),
      hn::Set(df, 3.3871327179f));
  const VF b = hn::Add(
      hn::Mul(hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 67.187563600f), r),
                                      hn::Set(df, 78.757757664f)),
                              r),
                      hn::Set(df, 17.895169469f)),
              r),
      hn::Set(df, 1.0f));
  const VF central_num = hn::Mul(q, a);
  // Otherwise, from t: two rational functions, for t <= 5 and beyond.
  const VF t1 = hn::Sub(t, hn::Set(df, 1.6f));
  const VF c = hn::Add(
      hn::Mul(hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 0.17023821103f), t1),
                                      hn::Set(df, 1.3067284816f)),
                              t1),
                      hn::Set(df, 2.7568153900f)),
              t1),
      hn::Set(df, 1.4234372777f));
  const VF d = hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 0.12021132975f), t1),
                                       hn::Set(df, 0.73700164250f)),
                               t1),
                       hn::Set(df, 1.0f));
  const VF t2 = hn::Sub(t, hn::Set(df, 5.0f));
  const VF e = hn::Add(
      hn::Mul(hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 0.017337203997f), t2),
                                      hn::Set(df, 0.42868294337f)),
                              t2),
                      hn::Set(df, 3.0812263860f)),
              t2),
      hn::Set(df, 6.6579051150f));
  const VF f =
      hn::Add(hn::Mul(hn::Add(hn::Mul(hn::Set(df, 0.012258202635f), t2),
                              hn::Set(df, 0.24197894225f)),
                      t2),
              hn::Set(df, 1.0f));
  // One division: numerator and denominator of the branch are selected
  // first (the tail's sign goes on the numerator).
  const auto near = hn::Le(t, hn::Set(df, 5.0f));
  const VF tail_num_abs = hn::IfThenElse(near, c, e);
  const VF tail_den = hn::IfThenElse(near, d, f);
  const VF tail_num = hn::IfThenElse(hn::Lt(q, hn::Zero(df)),
                                     hn::Neg(tail_num_abs), tail_num_abs);
  const auto central = hn::Le(hn::Abs(q), hn::Set(df, 0.425f));
  return hn::Div(hn::IfThenElse(central, central_num, tail_num),
                 hn::IfThenElse(central, b, tail_den));
}

template <size_t K>
HWY_INLINE void NormalQuantile(VF (&p)[K]) {
  const DF df;
  // Otherwise t = sqrt(-ln min(p, 1 - p)) (1 - p is exact for p >= 1/2);
  // the minimum is kept normal so that the logarithm is defined.
  VF t[K];
  ONNX_REINIT_EACH(i, K) {
    t[i] = hn::Max(hn::Min(p[i], hn::Sub(hn::Set(df, 1.0f), p[i])),
                   hn::Set(df, 1.17549435e-38f));
  }
  Log(t);
  ONNX_REINIT_EACH(i, K) { t[i] = hn::Sqrt(hn::Neg(t[i])); }
  ONNX_REINIT_EACH(i, K) { p[i] = NormalQuantileFromTail(p[i], t[i]); }
}

void Words(PhiloxKey key, uint64_t first_group, size_t groups, uint32_t* out) {
  const DU du;
  ForEachVector(key, first_group, groups, [&](const VU* x, size_t at) {
    for (size_t j = 0; j < 4; ++j) hn::StoreU(x[j], du, out + at + 16 * j);
  });
}

void Uniform(PhiloxKey key, uint64_t first_group, size_t groups,
             const UniformParams32& p, float* out) {
  const DF df;
  const VF low = hn::Set(df, p.low);
  const VF width = hn::Set(df, p.width);
  const VF lowest = hn::Set(df, p.min);
  const VF highest = hn::Set(df, p.max);
  const VF scale = hn::Set(df, 0x1p-24f);
  ForEachVector(key, first_group, groups, [&](const VU* x, size_t at) {
    for (size_t j = 0; j < 4; ++j) {
      const VF u = hn::Mul(Top24(x[j]), scale);
      const VF v = hn::Add(low, hn::Mul(width, u));
      hn::StoreU(hn::Min(hn::Max(v, lowest), highest), df, out + at + 16 * j);
    }
  });
}

void Normal(PhiloxKey key, uint64_t first_group, size_t groups,
            const NormalParams32& p, float* out) {
  const DF df;
  const VF mean = hn::Set(df, p.mean);
  const VF sigma = hn::Set(df, p.sigma);
  const VF one = hn::Set(df, 1.0f);
  const VF scale = hn::Set(df, 0x1p-24f);
  const VF minus_two = hn::Set(df, -2.0f);
  constexpr size_t K = 2 * kVectors;  // (pair, vector) of a group
  ForEachGroup(
      key, first_group, groups, out, [&](VU(&x)[4][kVectors], float* o) {
        VF r[K], c[K], s[K];
        VU angle[K];
        ONNX_REINIT_EACH(i, K) {
          const size_t pair = i / kVectors, v = i % kVectors;
          r[i] = hn::Mul(hn::Add(Top24(x[2 * pair][v]), one), scale);
          angle[i] = x[2 * pair + 1][v];
        }
        Log(r);
        ONNX_REINIT_EACH(i, K) { r[i] = hn::Sqrt(hn::Mul(r[i], minus_two)); }
        CosSin(angle, c, s);
        ONNX_REINIT_EACH(i, K) {
          float* at = o + 32 * (i / kVectors) + kLanes * (i % kVectors);
          hn::StoreU(hn::Add(mean, hn::Mul(sigma, hn::Mul(r[i], c[i]))), df,
                     at);
          hn::StoreU(hn::Add(mean, hn::Mul(sigma, hn::Mul(r[i], s[i]))), df,
                     at + 16);
        }
      });
}

void Sign(PhiloxKey key, uint64_t first_group, size_t groups,
          const SignParams32& p, float* out) {
  const DF df;
  const DU du;
  const VU value = hn::Set(du, p.value_bits);
  const VU sign_bit = hn::Set(du, 0x80000000u);
  ForEachVector(key, first_group, groups, [&](const VU* x, size_t at) {
    for (size_t j = 0; j < 4; ++j) {
      hn::StoreU(hn::BitCast(df, hn::Xor(value, hn::And(x[j], sign_bit))), df,
                 out + at + 16 * j);
    }
  });
}

void TruncatedNormal(PhiloxKey key, uint64_t first_group, size_t groups,
                     const TruncatedParams32& p, float* out) {
  const DF df;
  const DI di;
  const VF p_low = hn::Set(df, p.p_low);
  const VF p_width = hn::Set(df, p.p_width);
  const VF sign = hn::Set(df, p.sign);
  const VF mean = hn::Set(df, p.mean);
  const VF sigma = hn::Set(df, p.sigma);
  const VF lowest = hn::Set(df, p.min);
  const VF highest = hn::Set(df, p.max);
  const VF scale = hn::Set(df, 0x1p-23f);
  const VF half_step = hn::Set(df, 0x1p-24f);
  constexpr size_t K = 2 * kVectors;  // half a group at a time
  ForEachGroup(
      key, first_group, groups, out, [&](VU(&x)[4][kVectors], float* o) {
        for (size_t half = 0; half < 2; ++half) {
          VF z[K];
          ONNX_REINIT_EACH(i, K) {
            const size_t j = 2 * half + i / kVectors, v = i % kVectors;
            const VF n23 =
                hn::ConvertTo(df, hn::BitCast(di, hn::ShiftRight<9>(x[j][v])));
            const VF u = hn::Add(hn::Mul(n23, scale), half_step);
            z[i] = hn::Add(p_low, hn::Mul(u, p_width));
          }
          NormalQuantile(z);
          ONNX_REINIT_EACH(i, K) {
            const size_t j = 2 * half + i / kVectors, v = i % kVectors;
            const VF value = hn::Add(mean, hn::Mul(sigma, hn::Mul(sign, z[i])));
            hn::StoreU(hn::Min(hn::Max(value, lowest), highest), df,
                       o + 16 * j + kLanes * v);
          }
        }
      });
}

// Sums of d = x - center and d² over values[0..n), in double precision, with
// 16 partial sums (value i goes to sum i % 16) added pairwise at the end: the
// same additions in the same order at every level.
void Moments(const float* values, size_t n, double center, double* sum,
             double* sum_sq) {
  using DD = hn::CappedTag<double, 8>;
  using DH = hn::Rebind<float, DD>;
  const DD dd;
  const DH dh;
  constexpr size_t kDoubles = hn::MaxLanes(DD());
  constexpr size_t kParts = 16 / kDoubles;
  static_assert(16 % kDoubles == 0, "16 partial sums are whole vectors");
  hn::Vec<DD> s[kParts], q[kParts];
  for (size_t k = 0; k < kParts; ++k) {
    s[k] = hn::Zero(dd);
    q[k] = hn::Zero(dd);
  }
  const hn::Vec<DD> c = hn::Set(dd, center);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (size_t k = 0; k < kParts; ++k) {
      const hn::Vec<DD> d = hn::Sub(
          hn::PromoteTo(dd, hn::LoadU(dh, values + i + k * kDoubles)), c);
      s[k] = hn::Add(s[k], d);
      q[k] = hn::Add(q[k], hn::Mul(d, d));
    }
  }
  double ps[16], pq[16];
  for (size_t k = 0; k < kParts; ++k) {
    hn::StoreU(s[k], dd, ps + k * kDoubles);
    hn::StoreU(q[k], dd, pq + k * kDoubles);
  }
  for (size_t j = 0; i < n; ++i, ++j) {
    const double d = static_cast<double>(values[i]) - center;
    ps[j] += d;
    pq[j] += d * d;
  }
  for (size_t width = 8; width >= 1; width /= 2) {
    for (size_t j = 0; j < width; ++j) {
      ps[j] += ps[j + width];
      pq[j] += pq[j + width];
    }
  }
  *sum = ps[0];
  *sum_sq = pq[0];
}

}  // namespace

extern const FloatSamplerKernels kFloatSamplerKernels;
const FloatSamplerKernels kFloatSamplerKernels = {
    &Words, &Uniform, &Normal, &Sign, &TruncatedNormal, &Moments};

}  // namespace HWY_NAMESPACE
}  // namespace onnx_reinit
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace onnx_reinit {

const FloatSamplerKernels& FloatSamplerKernelsFor(SimdLevel level) {
  switch (ResolveSimdLevel(level)) {
#if HWY_TARGETS & HWY_AVX3
    case SimdLevel::kAvx512:
      return N_AVX3::kFloatSamplerKernels;
#endif
#if HWY_TARGETS & HWY_AVX2
    case SimdLevel::kAvx2:
      return N_AVX2::kFloatSamplerKernels;
#endif
    default:  // the static target: EMU128 on x86-64's SSE2 baseline
      return HWY_NAMESPACE::kFloatSamplerKernels;
  }
}

}  // namespace onnx_reinit
#endif  // HWY_ONCE
