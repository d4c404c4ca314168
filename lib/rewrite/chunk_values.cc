#include "rewrite/chunk_values.h"

#include <algorithm>

#include "onnx/onnx_pb.h"
#include "random/float_kernels.h"
#include "strategy/sampler.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "FLOAT values are written as the host's floats");

namespace onnx_reinit {
namespace {

ChunkStats MeasureFloats(const float* values, size_t n, double center,
                         SimdLevel simd) {
  ChunkStats stats;
  stats.n = n;
  FloatSamplerKernelsFor(simd).moments(values, n, center, &stats.sum,
                                       &stats.sum_sq);
  return stats;
}

ChunkStats Measure(const double* values, size_t n, double center) {
  double sum[4] = {0, 0, 0, 0};
  double sum_sq[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) {
      const double d = values[i + j] - center;
      sum[j] += d;
      sum_sq[j] += d * d;
    }
  }
  for (; i < n; ++i) {
    const double d = values[i] - center;
    sum[0] += d;
    sum_sq[0] += d * d;
  }
  return {n, (sum[0] + sum[1]) + (sum[2] + sum[3]),
          (sum_sq[0] + sum_sq[1]) + (sum_sq[2] + sum_sq[3])};
}

// Whether `dtype` takes the single-precision stream.
bool UsesFloatStream(int32_t dtype) {
  return dtype == onnx::TensorProto::FLOAT ||
         dtype == onnx::TensorProto::FLOAT16 ||
         dtype == onnx::TensorProto::BFLOAT16;
}

}  // namespace

ChunkScratch::ChunkScratch(size_t max_count)
    : max_count_(max_count),
      doubles_(new double[max_count]),
      floats_(new float[max_count]) {}

size_t GenerateChunk(const ChunkSource& source, uint64_t first, size_t count,
                     ChunkScratch* scratch, uint8_t* out, ChunkStats* stats) {
  if (source.filled == nullptr && source.dtype == onnx::TensorProto::FLOAT &&
      reinterpret_cast<uintptr_t>(out) % alignof(float) == 0) {
    // Sampled straight into `out`: the bytes of a little-endian float are
    // its encoding.
    float* values = reinterpret_cast<float*>(out);
    SampleFloats(*source.distribution, source.key, first, count, source.simd,
                 values);
    *stats = MeasureFloats(values, count, source.target_mean, source.simd);
    return count * sizeof(float);
  }
  if (source.filled == nullptr && UsesFloatStream(source.dtype)) {
    float* values = scratch->floats();
    SampleFloats(*source.distribution, source.key, first, count, source.simd,
                 values);
    const size_t bytes =
        EncodeFloatValues(source.encoding, source.dtype, values, count, out);
    *stats = MeasureFloats(values, count, source.target_mean, source.simd);
    return bytes;
  }
  double* values = scratch->doubles();
  if (source.filled != nullptr) {
    std::copy_n(source.filled + first, count, values);
  } else {
    SampleValues(*source.distribution, source.key, first, count, values,
                 source.simd);
  }
  const size_t bytes =
      EncodeValues(source.encoding, source.dtype, values, count, out);
  *stats = Measure(values, count, source.target_mean);
  return bytes;
}

}  // namespace onnx_reinit
