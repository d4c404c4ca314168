#include "strategy/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "random/fast_math.h"
#include "random/float_kernels.h"
#include "random/philox_inline.h"

namespace onnx_reinit {
namespace {

// Blocks per batch: the words of a batch, and the values made from them, are
// computed in straight loops over arrays that the compiler vectorizes. Every
// operation is exactly rounded IEEE arithmetic, so vector and scalar code give
// the same bits (random/fast_math.h).
constexpr size_t kBatchBlocks = 128;

// The batch functions below are inlined into one function per SIMD level
// (GenerateBatch*), each compiled for its level's instructions; the same
// exactly rounded operations give the same bits in all of them.
#define ONNX_REINIT_BATCH_INLINE inline __attribute__((always_inline))

struct Batch {
  uint64_t w0[kBatchBlocks];
  uint64_t w1[kBatchBlocks];
  double v0[kBatchBlocks];          // value of element 2b
  double v1[kBatchBlocks];          // value of element 2b + 1
  double values[2 * kBatchBlocks];  // v0 and v1 interleaved
};

// Philox words of blocks [first_block, first_block + n) in stream 0: the
// same function as philox_internal::Block, computed round by round over
// arrays so that each round is one vectorizable loop.
ONNX_REINIT_BATCH_INLINE void PhiloxWords(PhiloxKey key, uint64_t first_block,
                                          size_t n, Batch* batch) {
  uint32_t x0[kBatchBlocks], x1[kBatchBlocks], x2[kBatchBlocks],
      x3[kBatchBlocks];
  for (size_t i = 0; i < n; ++i) {
    const uint64_t block = first_block + i;
    x0[i] = static_cast<uint32_t>(block);
    x1[i] = static_cast<uint32_t>(block >> 32);
    x2[i] = 0;  // stream
    x3[i] = 0;
  }
  uint32_t k0 = key[0];
  uint32_t k1 = key[1];
  for (int round = 0; round < philox_internal::kRounds; ++round) {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t p0 =
          static_cast<uint64_t>(philox_internal::kMultiplier0) * x0[i];
      const uint64_t p1 =
          static_cast<uint64_t>(philox_internal::kMultiplier1) * x2[i];
      const uint32_t y0 = static_cast<uint32_t>(p1 >> 32) ^ x1[i] ^ k0;
      const uint32_t y2 = static_cast<uint32_t>(p0 >> 32) ^ x3[i] ^ k1;
      x1[i] = static_cast<uint32_t>(p1);
      x3[i] = static_cast<uint32_t>(p0);
      x0[i] = y0;
      x2[i] = y2;
    }
    k0 += philox_internal::kWeyl0;
    k1 += philox_internal::kWeyl1;
  }
  for (size_t i = 0; i < n; ++i) {
    batch->w0[i] = x0[i] | (static_cast<uint64_t>(x1[i]) << 32);
    batch->w1[i] = x2[i] | (static_cast<uint64_t>(x3[i]) << 32);
  }
}

ONNX_REINIT_BATCH_INLINE void UniformValues(double low, double width, size_t n,
                                            Batch* batch) {
  for (size_t i = 0; i < n; ++i) {
    batch->v0[i] = low + width * philox_internal::Uniform(batch->w0[i]);
    batch->v1[i] = low + width * philox_internal::Uniform(batch->w1[i]);
  }
}

ONNX_REINIT_BATCH_INLINE void NormalValues(double mean, double sigma, size_t n,
                                           Batch* batch) {
  for (size_t i = 0; i < n; ++i) {
    const double u0 = philox_internal::Uniform(batch->w0[i]);
    const double u1 = philox_internal::Uniform(batch->w1[i]);
    const double r = std::sqrt(-2.0 * fast_math::Log01(u0));
    double s, c;
    fast_math::SinCosTwoPi(u1, &s, &c);
    batch->v0[i] = mean + sigma * (r * c);
    batch->v1[i] = mean + sigma * (r * s);
  }
}

// Truncated normal by inversion, one uniform per value (random/fast_math.h):
// z = sign·Φ⁻¹(p_low + u·p_width), clamped to [low, high] after scaling so
// that no rounding of Φ⁻¹ near a bound can step outside it. An interval too
// narrow for that (Distribution::IsNearlyUniform) inverts the linear density
// ∝ 1 - tilt·s on s in [-1, 1] instead: to first order in tilt,
//   s = (2u - 1) - 2·tilt·u(1 - u), that is
//   x = low + (high - low)·u·(1 - tilt·(1 - u)),
// clamped to [low, high] (tilt = 0 is the uniform sampler's formula).
struct TruncatedNormalParams {
  double mean;
  double sigma;
  double low;
  double high;
  fast_math::TruncatedNormalWindow window;
  bool nearly_uniform;
  double tilt;
};

// One value by inversion from u in (0, 1), clamped to [low, high].
ONNX_REINIT_BATCH_INLINE double InvertedValue(const TruncatedNormalParams& t,
                                              double u) {
  const double z = fast_math::TruncatedStandardNormal(t.window, u);
  return fast_math::Min(fast_math::Max(t.mean + t.sigma * z, t.low), t.high);
}

// One value of a nearly uniform truncated normal from u in (0, 1).
ONNX_REINIT_BATCH_INLINE double NearlyUniformValue(
    const TruncatedNormalParams& t, double u) {
  const double x = t.low + (t.high - t.low) * (u * (1.0 - t.tilt * (1.0 - u)));
  return fast_math::Min(fast_math::Max(x, t.low), t.high);
}

ONNX_REINIT_BATCH_INLINE void TruncatedNormalValues(
    const TruncatedNormalParams& t, size_t n, Batch* batch) {
  if (t.nearly_uniform) {
    for (size_t i = 0; i < n; ++i) {
      batch->v0[i] =
          NearlyUniformValue(t, philox_internal::Uniform(batch->w0[i]));
      batch->v1[i] =
          NearlyUniformValue(t, philox_internal::Uniform(batch->w1[i]));
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    batch->v0[i] = InvertedValue(t, philox_internal::Uniform(batch->w0[i]));
    batch->v1[i] = InvertedValue(t, philox_internal::Uniform(batch->w1[i]));
  }
}

// Bit 63 of the word flips the sign bit of `value`.
ONNX_REINIT_BATCH_INLINE void SignValues(double value, size_t n, Batch* batch) {
  constexpr uint64_t kSignBit = uint64_t{1} << 63;
  const uint64_t value_bits = fast_math::Bits(value);
  for (size_t i = 0; i < n; ++i) {
    batch->v0[i] = fast_math::FromBits(value_bits ^ (batch->w0[i] & kSignBit));
    batch->v1[i] = fast_math::FromBits(value_bits ^ (batch->w1[i] & kSignBit));
  }
}

// The constants of a truncated normal, computed once per SampleValues call.
TruncatedNormalParams TruncatedParams(const Distribution& d) {
  return {d.mean,
          d.std,
          d.low,
          d.high,
          fast_math::MakeTruncatedNormalWindow((d.low - d.mean) / d.std,
                                               (d.high - d.mean) / d.std),
          d.IsNearlyUniform(),
          d.Shape().tilt};
}

// Whether every value of `dist` is one number, and which.
bool IsConstant(const Distribution& dist, double* value) {
  switch (dist.kind) {
    case Distribution::Kind::kConstant:
      *value = dist.value;
      return true;
    case Distribution::Kind::kTruncatedNormal:
      // Degenerate (std == 0 or low >= high): the point of distribution.h.
      if (dist.std > 0 && dist.low < dist.high) return false;
      *value = fast_math::Min(fast_math::Max(dist.mean, dist.low), dist.high);
      return true;
    case Distribution::Kind::kUniform:
    case Distribution::Kind::kNormal:
    case Distribution::Kind::kRandomSign:
      return false;
  }
  return false;
}

ONNX_REINIT_BATCH_INLINE void FillBatch(const Distribution& dist,
                                        const TruncatedNormalParams& trunc,
                                        size_t n, Batch* batch) {
  switch (dist.kind) {
    case Distribution::Kind::kUniform:
      UniformValues(dist.low, dist.high - dist.low, n, batch);
      return;
    case Distribution::Kind::kNormal:
      NormalValues(dist.mean, dist.std, n, batch);
      return;
    case Distribution::Kind::kRandomSign:
      SignValues(dist.value, n, batch);
      return;
    case Distribution::Kind::kTruncatedNormal:
      TruncatedNormalValues(trunc, n, batch);
      return;
    case Distribution::Kind::kConstant:
      return;  // handled without random numbers
  }
}

// Philox words and values of blocks [block, block + n), one build per level.
#define ONNX_REINIT_GENERATE_BATCH(name, ...)                              \
  __VA_ARGS__ void name(const Distribution& dist,                          \
                        const TruncatedNormalParams& trunc, PhiloxKey key, \
                        uint64_t block, size_t n, Batch* batch) {          \
    PhiloxWords(key, block, n, batch);                                     \
    FillBatch(dist, trunc, n, batch);                                      \
  }
ONNX_REINIT_GENERATE_BATCH(GenerateBatchBaseline, /*baseline target*/)
#if defined(__x86_64__)
ONNX_REINIT_GENERATE_BATCH(GenerateBatchAvx2, __attribute__((target("avx2"))))
ONNX_REINIT_GENERATE_BATCH(
    GenerateBatchAvx512,
    __attribute__((target("avx2,avx512f,avx512vl,avx512dq,avx512bw"))))
#endif
#undef ONNX_REINIT_GENERATE_BATCH

using GenerateBatchFn = void (*)(const Distribution&,
                                 const TruncatedNormalParams&, PhiloxKey,
                                 uint64_t, size_t, Batch*);

GenerateBatchFn GenerateBatchFor(SimdLevel level) {
  switch (ResolveSimdLevel(level)) {
#if defined(__x86_64__)
    case SimdLevel::kAvx512:
      return &GenerateBatchAvx512;
    case SimdLevel::kAvx2:
      return &GenerateBatchAvx2;
#endif
    default:
      return &GenerateBatchBaseline;
  }
}

// The float32 parameters of `dist` for the kernels of random/float_kernels.h,
// and the far-tail truncated normals that take the double-precision path.
struct FloatPlan {
  Distribution::Kind kind = Distribution::Kind::kConstant;
  UniformParams32 uniform{};
  NormalParams32 normal{};
  SignParams32 sign{};
  TruncatedParams32 truncated{};
  bool truncated_in_double = false;
  TruncatedNormalParams truncated_double{};
};

FloatPlan PlanFloats(const Distribution& dist) {
  FloatPlan plan;
  plan.kind = dist.kind;
  switch (dist.kind) {
    case Distribution::Kind::kUniform:
      plan.uniform = {static_cast<float>(dist.low),
                      static_cast<float>(dist.high - dist.low),
                      static_cast<float>(dist.low),
                      static_cast<float>(dist.high)};
      break;
    case Distribution::Kind::kNormal:
      plan.normal = {static_cast<float>(dist.mean),
                     static_cast<float>(dist.std)};
      break;
    case Distribution::Kind::kRandomSign: {
      const float value = static_cast<float>(dist.value);
      std::memcpy(&plan.sign.value_bits, &value, sizeof(value));
      break;
    }
    case Distribution::Kind::kTruncatedNormal: {
      plan.truncated_double = TruncatedParams(dist);
      const fast_math::TruncatedNormalWindow& w = plan.truncated_double.window;
      const double p_high = w.p_low + w.p_width;
      constexpr double kSmallest = 0x1p-100;
      plan.truncated_in_double =
          plan.truncated_double.nearly_uniform ||
          !(w.p_width >= kSmallest && w.p_low + w.p_width >= kSmallest &&
            (w.p_low == 0 || w.p_low >= kSmallest) &&
            w.p_width >= 0x1p-8 * p_high);
      plan.truncated = {
          static_cast<float>(w.p_low),  static_cast<float>(w.p_width),
          static_cast<float>(w.sign),   static_cast<float>(dist.mean),
          static_cast<float>(dist.std), static_cast<float>(dist.low),
          static_cast<float>(dist.high)};
      break;
    }
    case Distribution::Kind::kConstant:
      break;
  }
  return plan;
}

// Groups [first_group, first_group + groups) into out (64 values each).
void FloatGroups(const FloatPlan& plan, const FloatSamplerKernels& kernels,
                 PhiloxKey key, uint64_t first_group, size_t groups,
                 float* out) {
  switch (plan.kind) {
    case Distribution::Kind::kUniform:
      kernels.uniform(key, first_group, groups, plan.uniform, out);
      return;
    case Distribution::Kind::kNormal:
      kernels.normal(key, first_group, groups, plan.normal, out);
      return;
    case Distribution::Kind::kRandomSign:
      kernels.sign(key, first_group, groups, plan.sign, out);
      return;
    case Distribution::Kind::kTruncatedNormal:
      if (!plan.truncated_in_double) {
        kernels.truncated_normal(key, first_group, groups, plan.truncated, out);
        return;
      }
      {
        // Rare (far-tail or nearly uniform windows): word by word, in
        // double precision.
        static_assert(sizeof(float) == sizeof(uint32_t), "float32");
        const TruncatedNormalParams& t = plan.truncated_double;
        uint32_t words[kGroupValues];
        for (size_t g = 0; g < groups; ++g) {
          kernels.words(key, first_group + g, 1, words);
          for (size_t e = 0; e < kGroupValues; ++e) {
            const double u =
                static_cast<double>(words[e] >> 9) * 0x1p-23 + 0x1p-24;
            out[g * kGroupValues + e] =
                static_cast<float>(t.nearly_uniform ? NearlyUniformValue(t, u)
                                                    : InvertedValue(t, u));
          }
        }
      }
      return;
    case Distribution::Kind::kConstant:
      return;
  }
}

}  // namespace

void SampleFloats(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, SimdLevel simd, float* out) {
  double constant = 0;
  if (IsConstant(dist, &constant)) {
    std::fill(out, out + count, static_cast<float>(constant));
    return;
  }
  if (count == 0) return;
  const FloatPlan plan = PlanFloats(dist);
  const FloatSamplerKernels& kernels = FloatSamplerKernelsFor(simd);
  const uint64_t end = first + count;
  uint64_t group = first / kGroupValues;
  const uint64_t end_group = (end + kGroupValues - 1) / kGroupValues;
  float partial[kGroupValues];
  // A first group that starts before `first`.
  if (first % kGroupValues != 0) {
    FloatGroups(plan, kernels, key, group, 1, partial);
    const uint64_t from = first % kGroupValues;
    const uint64_t n = std::min<uint64_t>(kGroupValues - from, count);
    std::memcpy(out, partial + from, n * sizeof(float));
    out += n;
    ++group;
  }
  // Whole groups straight into `out`.
  const uint64_t whole_end = end / kGroupValues;
  if (group < whole_end) {
    FloatGroups(plan, kernels, key, group, whole_end - group, out);
    out += (whole_end - group) * kGroupValues;
    group = whole_end;
  }
  // A last group that ends after `end`.
  if (group < end_group) {
    FloatGroups(plan, kernels, key, group, 1, partial);
    std::memcpy(out, partial, (end - group * kGroupValues) * sizeof(float));
  }
}

void SampleValues(const Distribution& dist, PhiloxKey key, uint64_t first,
                  size_t count, double* out, SimdLevel simd) {
  double constant = 0;
  if (IsConstant(dist, &constant)) {
    std::fill(out, out + count, constant);
    return;
  }
  if (count == 0) return;
  const TruncatedNormalParams trunc =
      dist.kind == Distribution::Kind::kTruncatedNormal
          ? TruncatedParams(dist)
          : TruncatedNormalParams{};
  const GenerateBatchFn generate = GenerateBatchFor(simd);
  Batch batch;
  const uint64_t end = first + count;  // one past the last element
  uint64_t block = first >> 1;
  const uint64_t last_block = (end - 1) >> 1;
  uint64_t element = first;
  while (block <= last_block) {
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>(kBatchBlocks, last_block - block + 1));
    generate(dist, trunc, key, block, n, &batch);
    // Element 2(block + i) + j is v_j[i]: interleave, then copy the range.
    for (size_t i = 0; i < n; ++i) {
      batch.values[2 * i] = batch.v0[i];
      batch.values[2 * i + 1] = batch.v1[i];
    }
    const uint64_t batch_first = 2 * block;
    const uint64_t from = std::max(element, batch_first);
    const uint64_t to = std::min(end, batch_first + 2 * n);
    std::memcpy(out, batch.values + (from - batch_first),
                (to - from) * sizeof(double));
    out += to - from;
    element = 2 * (block + n);
    block += n;
  }
}

}  // namespace onnx_reinit
