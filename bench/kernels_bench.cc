// Google Benchmark for the hot kernels: the single-precision kernels at each
// SIMD level on 1 and 2 threads (items/s: 32-bit words for Philox, values
// otherwise), sampling values of each distribution kind in double precision,
// encoding them to a dtype, and orthogonal fills (n x n, single precision, all
// cores, at the best and the baseline SIMD level). Run:
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
//   -DONNX_REINIT_BUILD_BENCH=ON cmake --build build-bench --target
//   kernels_bench && build-bench/bin/kernels_bench
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "random/float_kernels.h"
#include "random/philox.h"
#include "rewrite/value_encoding.h"
#include "strategy/orthogonal.h"
#include "strategy/sampler.h"
#include "util/simd_level.h"

namespace onnx_reinit {
namespace {

constexpr size_t kValues = 1 << 16;  // one rewrite chunk

void RunSampler(benchmark::State& state, const Distribution& dist) {
  std::vector<double> out(kValues);
  const PhiloxKey key = TensorKey(1, "bench");
  uint64_t first = 0;
  for (auto _ : state) {
    SampleValues(dist, key, first, kValues, out.data());
    benchmark::DoNotOptimize(out.data());
    first += kValues;
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}

void BM_SampleNormal(benchmark::State& state) {
  RunSampler(state, Distribution::Normal(0, 0.02));
}
void BM_SampleUniform(benchmark::State& state) {
  RunSampler(state, Distribution::Uniform(-0.1, 0.1));
}
void BM_SampleRandomSign(benchmark::State& state) {
  RunSampler(state, Distribution::RandomSign(0.01));
}
void BM_SampleTruncatedNormal(benchmark::State& state) {
  RunSampler(state, Distribution::TruncatedNormal(0, 0.02, -0.04, 0.04));
}
void BM_SampleConstant(benchmark::State& state) {
  RunSampler(state, Distribution::Constant(0));
}

// The single-precision kernels (random/float_kernels.h) at one SIMD level,
// on 1 and 2 threads (each thread its own tensor key; items/s summed).
template <typename Fill>
void RunFloatKernel(benchmark::State& state, SimdLevel level, Fill fill) {
  if (!CpuSupports(level)) {
    state.SkipWithError("this CPU lacks the level");
    return;
  }
  const FloatSamplerKernels& kernels = FloatSamplerKernelsFor(level);
  constexpr size_t kGroups = kValues / kGroupValues;
  std::vector<float> out(kValues);
  const PhiloxKey key =
      TensorKey(1, "bench" + std::to_string(state.thread_index()));
  uint64_t group = 0;
  for (auto _ : state) {
    fill(kernels, key, group, kGroups, out.data());
    benchmark::DoNotOptimize(out.data());
    group += kGroups;
  }
  state.SetItemsProcessed(state.iterations() * kValues);
  state.SetLabel(std::string(SimdLevelName(level)));
}

void BM_Float_Philox(benchmark::State& state) {
  RunFloatKernel(
      state, static_cast<SimdLevel>(state.range(0)),
      [](const FloatSamplerKernels& k, PhiloxKey key, uint64_t g, size_t n,
         float* out) { k.words(key, g, n, reinterpret_cast<uint32_t*>(out)); });
}
void BM_Float_Uniform(benchmark::State& state) {
  RunFloatKernel(state, static_cast<SimdLevel>(state.range(0)),
                 [](const FloatSamplerKernels& k, PhiloxKey key, uint64_t g,
                    size_t n, float* out) {
                   k.uniform(key, g, n, {-0.1f, 0.2f, -0.1f, 0.1f}, out);
                 });
}
void BM_Float_Normal(benchmark::State& state) {
  RunFloatKernel(state, static_cast<SimdLevel>(state.range(0)),
                 [](const FloatSamplerKernels& k, PhiloxKey key, uint64_t g,
                    size_t n, float* out) {
                   k.normal(key, g, n, {0.0f, 0.02f}, out);
                 });
}
void BM_Float_Sign(benchmark::State& state) {
  RunFloatKernel(
      state, static_cast<SimdLevel>(state.range(0)),
      [](const FloatSamplerKernels& k, PhiloxKey key, uint64_t g, size_t n,
         float* out) { k.sign(key, g, n, {0x3c23d70au}, out); });
}
void BM_Float_TruncatedNormal(benchmark::State& state) {
  // N(0, 0.02²) on ±2σ: Φ(-2) = 0.02275013194817921.
  const TruncatedParams32 p{0.02275013194817921f,
                            0.9544997361036416f,
                            1.0f,
                            0.0f,
                            0.02f,
                            -0.04f,
                            0.04f};
  RunFloatKernel(
      state, static_cast<SimdLevel>(state.range(0)),
      [&p](const FloatSamplerKernels& k, PhiloxKey key, uint64_t g, size_t n,
           float* out) { k.truncated_normal(key, g, n, p, out); });
}

void RunEncode(benchmark::State& state, int32_t dtype, bool varint) {
  std::vector<double> values(kValues);
  SampleValues(Distribution::Normal(0, 1), TensorKey(2, "x"), 0, kValues,
               values.data());
  std::vector<uint8_t> bytes(kValues * kMaxEncodedValueBytes);
  ValueEncoding encoding;
  encoding.varint = varint;
  for (auto _ : state) {
    std::vector<double> copy = values;
    benchmark::DoNotOptimize(
        EncodeValues(encoding, dtype, copy.data(), kValues, bytes.data()));
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}

void BM_EncodeFloat(benchmark::State& state) { RunEncode(state, 1, false); }
void BM_EncodeFloat16Raw(benchmark::State& state) {
  RunEncode(state, 10, false);
}
void BM_EncodeFloat16Varint(benchmark::State& state) {
  RunEncode(state, 10, true);
}

void RunOrthogonal(benchmark::State& state, SimdLevel simd) {
  const int64_t n = state.range(0);
  std::vector<double> out(static_cast<size_t>(n * n));
  OrthogonalOptions options;
  options.threads = 0;
  options.simd = simd;
  for (auto _ : state) {
    if (!FillOrthogonal({1, n, n}, 1.0, TensorKey(3, "w"), out.data(), options)
             .ok()) {
      state.SkipWithError("FillOrthogonal failed");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n * n);
  state.SetLabel(UsesAvx2FmaKernels(simd) ? "avx2_fma" : "baseline");
}
void BM_OrthogonalBest(benchmark::State& state) {
  RunOrthogonal(state, SimdLevel::kAuto);
}
void BM_OrthogonalBaseline(benchmark::State& state) {
  RunOrthogonal(state, SimdLevel::kBaseline);
}

BENCHMARK(BM_SampleNormal);
// Arg: the SimdLevel (3 avx512, 2 avx2, 1 baseline).
#define FLOAT_KERNEL(name) \
  BENCHMARK(name)->DenseRange(1, 3)->ThreadRange(1, 2)->UseRealTime()
FLOAT_KERNEL(BM_Float_Philox);
FLOAT_KERNEL(BM_Float_Uniform);
FLOAT_KERNEL(BM_Float_Normal);
FLOAT_KERNEL(BM_Float_Sign);
FLOAT_KERNEL(BM_Float_TruncatedNormal);
BENCHMARK(BM_SampleUniform);
BENCHMARK(BM_SampleRandomSign);
BENCHMARK(BM_SampleTruncatedNormal);
BENCHMARK(BM_SampleConstant);
BENCHMARK(BM_EncodeFloat);
BENCHMARK(BM_EncodeFloat16Raw);
BENCHMARK(BM_EncodeFloat16Varint);
BENCHMARK(BM_OrthogonalBest)
    ->Arg(1024)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OrthogonalBaseline)
    ->Arg(1024)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace onnx_reinit

BENCHMARK_MAIN();
