// Structured initializations: values that are not independent draws from one
// distribution, so they cannot be written by strategy/sampler.h alone.
//
//   orthogonal(gain)     strategy/orthogonal.h
//   identity(gain)       torch.nn.init.eye_, Keras Identity
//   dirac(groups)        torch.nn.init.dirac_
//   sparse(sparsity, std)  Martens 2010; torch.nn.init.sparse_
//
// Every function is pure: the values are a function of the arguments (and of
// the Philox key where there is one) only, so the same key gives the same
// bytes on every run, whatever the thread count.
// Random numbers come from random/transforms.h only (no std:: distributions).
// `out` must hold the tensor's element count of doubles, row-major (the last
// dimension varies fastest); on an error nothing is written.
#ifndef ONNX_REINIT_STRATEGY_STRUCTURED_H_
#define ONNX_REINIT_STRATEGY_STRUCTURED_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "random/philox.h"
#include "strategy/distribution.h"
#include "strategy/orthogonal.h"

namespace onnx_reinit {

// torch's flattening for orthogonal_: one block, rows = dims[0], cols = the
// product of the other dims. InvalidArgument:
//   "orthogonal needs rank >= 2, got rank <n>"
//   "dims must be non-negative, got <d>"
//   "tensor has more than 2^62 elements"
[[nodiscard]] absl::StatusOr<MatrixBlocks> TorchFlattening(
    absl::Span<const int64_t> dims);

// The blocks FillStructured's orthogonal works on: one per gate and
// direction when `gate_blocks` > 1 splits dims [D, G·H, X] evenly (LSTM/GRU/
// RNN W and R: D·G blocks of H x X), otherwise TorchFlattening(dims).
[[nodiscard]] absl::StatusOr<MatrixBlocks> OrthogonalSplit(
    absl::Span<const int64_t> dims, int64_t gate_blocks);

// Identity (torch eye_, Keras Identity(gain)): dims = [rows, cols];
// out[r][c] = gain if r == c else 0, so a rectangular matrix gets a partial
// identity (min(rows, cols) ones on the main diagonal). InvalidArgument:
//   "identity needs rank 2, got rank <n>"
//   "dims must be non-negative, got <d>"
//   "tensor has more than 2^62 elements"
//   "gain must be finite, got <g>"
[[nodiscard]] absl::Status FillIdentity(absl::Span<const int64_t> dims,
                                        double gain, double* out);

// Dirac (torch dirac_(tensor, groups)): dims = [out, in, k0 (, k1 (, k2))],
// rank 3, 4 or 5. With out_per_group = out / groups and
// min_dim = min(out_per_group, in): for every g < groups and d < min_dim,
// element [g * out_per_group + d, d, k0 / 2, k1 / 2, ...] = 1 (the centre tap
// k // 2, as torch; JAX's delta_orthogonal uses (k - 1) // 2); every other
// element is 0. An empty tensor (some dim 0) is valid and nothing is written.
// InvalidArgument:
//   "dirac needs rank 3, 4 or 5, got rank <n>"
//   "dims must be non-negative, got <d>"
//   "tensor has more than 2^62 elements"
//   "groups must be positive, got <g>"
//   "groups <g> does not divide dim 0 (<out>)"
[[nodiscard]] absl::Status FillDirac(absl::Span<const int64_t> dims,
                                     int64_t groups, double* out);

// Sparse (torch sparse_, Martens 2010): dims = [rows, cols].
//   1. Every element is N(0, std²): std * z with z as for FillOrthogonal
//      (that is, SampleValues(Distribution::Normal(0, std), key, 0, n, out)).
//   2. In each column c, exactly k = ceil(sparsity * rows) distinct rows
//      are set to 0 (computed in double, as torch's math.ceil). The rows are
//      the first k entries of a partial Fisher–Yates shuffle of [0, rows): for
//      step s = 0 .. k-1, j = s + Bounded(rows - s), swap(perm[s], perm[j]).
//      Bounded(n) is Lemire's unbiased multiply-and-reject method on 64-bit
//      words: x = w * n (128-bit), accept hi64(x) when lo64(x) >= 2^64 mod n,
//      else draw the next word. Column c reads its own word stream, words
//      t = 0, 1, 2, ...: word t is w_{t % 2} of
//      PhiloxBlock(key, c * 2^32 + t / 2, stream = 1). So the choice depends
//      only on (key, column, rows, k) and never on the normal values
//      (stream 0).
// The zeroed rows are +0.0. A Box–Muller draw is never exactly 0, so with
// std > 0 (and std * z not underflowing) every column has exactly k zeros.
// InvalidArgument:
//   "sparse needs rank 2, got rank <n>"
//   "dims must be non-negative, got <d>"
//   "sparse needs rows and cols below 2^31, got <rows> x <cols>"
//   "sparsity must be in [0, 1], got <s>"
//   "std must be finite and non-negative, got <std>"
[[nodiscard]] absl::Status FillSparse(absl::Span<const int64_t> dims,
                                      double sparsity, double std,
                                      PhiloxKey key, double* out);

// What a structured fill promises for its values over the whole tensor, as
// the plan and report show it (the population mean and standard deviation,
// and a half-width around the mean that holds every value; 0 = unbounded):
//   orthogonal   mean 0, std |gain| / sqrt(max(rows, cols)) of the blocks
//                FillStructured uses (each block's squares sum to exactly
//                gain² min(rows, cols); only the small random mean is not
//                fixed), bound |gain|
//   identity     k = min(rows, cols) entries gain, the others 0
//   dirac        groups * min(out / groups, in) ones, the others 0
//   sparse       mean 0, std * sqrt((rows - k) / rows), k the zeros per column
//   forget bias  LSTM: one entry in 8 is `value`, the others 0; else all 0
// (two-valued fills: mean = a p, std = |a| sqrt(p (1 - p)), bound
// max(|a - mean|, |mean|) for the fraction p of entries equal to a).
// For dims CheckStructured accepts; all 0 for an empty tensor.
struct TargetMoments {
  double mean = 0;
  double std = 0;
  double bound = 0;
};
TargetMoments StructuredTargets(const Distribution& dist,
                                absl::Span<const int64_t> dims,
                                int64_t gate_blocks, absl::string_view op_type);

// The same for a part of a tensor of `dims`: the elements at flat indices
// `part` (graph/element_trace.h places a parameter's parts in its consumer's
// input). The whole tensor: StructuredTargets. orthogonal: every block the
// part touches must be whole (FailedPrecondition otherwise), and the moments
// are the whole tensor's; forget bias: two-valued with the part's own
// fraction of forget-gate entries; identity, dirac, sparse: FailedPrecondition
// (they describe the whole input only).
[[nodiscard]] absl::StatusOr<TargetMoments> StructuredTargetsOfPart(
    const Distribution& dist, absl::Span<const int64_t> dims,
    int64_t gate_blocks, absl::string_view op_type,
    absl::Span<const uint64_t> part);

// Whether FillStructured accepts these dims, without computing anything:
// the planner keeps, with this message as the reason, a tensor a structured
// strategy does not apply to (sparse on a 4-D Conv weight, identity on a
// bias, ...). Same messages as the Fill functions.
[[nodiscard]] absl::Status CheckStructured(const Distribution& dist,
                                           absl::Span<const int64_t> dims,
                                           absl::string_view op_type);

// The values of a structured distribution (Distribution::IsStructured())
// for a whole tensor of `dims`, dispatching to the functions above:
//   orthogonal   per block: `gate_blocks` > 1 splits [D, G·H, X] (LSTM/GRU/RNN
//                W and R) into D·G blocks of H x X, one per gate and
//                direction; otherwise TorchFlattening; `orthogonal`
//                says how (precision, threads, SIMD level)
//   identity, dirac, sparse   as above
//   forget bias  LSTM B [D, 8H] (op_type "LSTM"): `value` on entries
//                [4H·0 + 2H, 3H) of each direction — the forget gate of the
//                input bias Wb in ONNX gate order i, o, f, c — and 0 on every
//                other entry (Rb included); all zeros for other ops
// InvalidArgument from the function that does not accept the dims.
[[nodiscard]] absl::Status FillStructured(
    const Distribution& dist, absl::Span<const int64_t> dims,
    int64_t gate_blocks, absl::string_view op_type, PhiloxKey key, double* out,
    const OrthogonalOptions& orthogonal = {});

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_STRUCTURED_H_
