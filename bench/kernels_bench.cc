// Google Benchmark for the hot kernels: sampling values of each distribution
// kind, encoding them to a dtype, and orthogonal fills (n x n, single
// precision, all cores, at the best and the baseline SIMD level). Run:
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
//   -DONNX_REINIT_BUILD_BENCH=ON cmake --build build-bench --target
//   kernels_bench && build-bench/bin/kernels_bench
#include <vector>

#include "benchmark/benchmark.h"
#include "random/philox.h"
#include "rewrite/value_encoding.h"
#include "strategy/orthogonal.h"
#include "strategy/sampler.h"

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
