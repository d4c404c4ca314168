#include "strategy/structured.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "random/philox.h"
#include "random/transforms.h"
#include "strategy/distribution.h"
#include "strategy/sampler.h"
#include "strategy/structured_checks.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// Draws a uniform integer in [0, n), n >= 1, from column `column`'s word
// stream of FillSparse (words t, t+1, ...; advances *t past the words used).
// Lemire, "Fast random integer generation in an interval" (2019): the high
// word of w * n, rejecting w when the low word is below 2^64 mod n, which
// leaves exactly floor(2^64 / n) accepted words per result.
uint64_t BoundedDraw(PhiloxKey key, uint64_t column, uint64_t n, uint64_t* t) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  while (true) {
    const BlockWords words =
        PhiloxBlock(key, (column << 32) + (*t >> 1), /*stream=*/1);
    const uint64_t w = (*t & 1) == 0 ? words.w0 : words.w1;
    ++*t;
    const absl::uint128 x = absl::uint128(w) * n;
    if (absl::Uint128Low64(x) >= threshold) return absl::Uint128High64(x);
  }
}

// k = ceil(sparsity * rows) in double (as torch's math.ceil), at most rows.
int64_t SparseZerosPerColumn(int64_t rows, double sparsity) {
  return std::min<int64_t>(
      rows,
      static_cast<int64_t>(std::ceil(sparsity * static_cast<double>(rows))));
}

// Moments of a tensor of n values of which a fraction p equal a and the
// others 0.
TargetMoments TwoValued(double a, double p) {
  TargetMoments t;
  t.mean = a * p;
  t.std = std::abs(a) * std::sqrt(p * (1 - p));
  t.bound = std::max(std::abs(a - t.mean), std::abs(t.mean));
  return t;
}

}  // namespace

// The blocks orthogonal works on: per gate and direction when `gate_blocks`
// > 1 splits [D, G·H, X] evenly, else torch's flattening.
absl::StatusOr<MatrixBlocks> OrthogonalSplit(absl::Span<const int64_t> dims,
                                             int64_t gate_blocks) {
  if (gate_blocks > 1 && dims.size() == 3 && dims[0] > 0 &&
      gate_blocks % dims[0] == 0 && dims[1] % (gate_blocks / dims[0]) == 0) {
    MatrixBlocks blocks;
    blocks.blocks = gate_blocks;
    blocks.rows = dims[0] * dims[1] / gate_blocks;
    blocks.cols = dims[2];
    return blocks;
  }
  return TorchFlattening(dims);
}

absl::StatusOr<MatrixBlocks> TorchFlattening(absl::Span<const int64_t> dims) {
  if (dims.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("orthogonal needs rank >= 2, got rank ", dims.size()));
  }
  if (absl::Status s = CheckDims(dims); !s.ok()) return s;
  MatrixBlocks m;
  m.blocks = 1;
  m.rows = dims[0];
  m.cols = ElementCount(dims.subspan(1));
  return m;
}

absl::Status FillIdentity(absl::Span<const int64_t> dims, double gain,
                          double* out) {
  if (dims.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity needs rank 2, got rank ", dims.size()));
  }
  if (absl::Status s = CheckDims(dims); !s.ok()) return s;
  if (absl::Status s = CheckGain(gain); !s.ok()) return s;
  const int64_t rows = dims[0];
  const int64_t cols = dims[1];
  for (int64_t r = 0; r < rows; ++r) {
    double* row = out + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] = r == c ? gain : 0.0;
  }
  return absl::OkStatus();
}

absl::Status FillDirac(absl::Span<const int64_t> dims, int64_t groups,
                       double* out) {
  if (dims.size() < 3 || dims.size() > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("dirac needs rank 3, 4 or 5, got rank ", dims.size()));
  }
  if (absl::Status s = CheckDims(dims); !s.ok()) return s;
  if (groups <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("groups must be positive, got ", groups));
  }
  if (dims[0] % groups != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "groups ", groups, " does not divide dim 0 (", dims[0], ")"));
  }
  const int64_t count = ElementCount(dims);
  std::fill(out, out + count, 0.0);
  if (count == 0) return absl::OkStatus();

  // Row-major strides, and the offset of the centre tap within one
  // [out, in] slice's kernel.
  const int64_t kernel = ElementCount(dims.subspan(2));
  int64_t centre = 0;
  for (size_t i = 2; i < dims.size(); ++i) {
    centre = centre * dims[i] + dims[i] / 2;
  }
  const int64_t in = dims[1];
  const int64_t out_per_group = dims[0] / groups;
  const int64_t min_dim = std::min(out_per_group, in);
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t d = 0; d < min_dim; ++d) {
      const int64_t o = g * out_per_group + d;
      out[(o * in + d) * kernel + centre] = 1.0;
    }
  }
  return absl::OkStatus();
}

absl::Status FillSparse(absl::Span<const int64_t> dims, double sparsity,
                        double std, PhiloxKey key, double* out) {
  if (dims.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse needs rank 2, got rank ", dims.size()));
  }
  if (absl::Status s = CheckDims(dims); !s.ok()) return s;
  constexpr int64_t kLimit = int64_t{1} << 31;
  if (dims[0] >= kLimit || dims[1] >= kLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse needs rows and cols below 2^31, got ", dims[0],
                     " x ", dims[1]));
  }
  if (!(sparsity >= 0 && sparsity <= 1)) {  // also refuses NaN
    return absl::InvalidArgumentError(
        absl::StrCat("sparsity must be in [0, 1], got ", sparsity));
  }
  if (!(std::isfinite(std) && std >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("std must be finite and non-negative, got ", std));
  }
  const int64_t rows = dims[0];
  const int64_t cols = dims[1];
  const int64_t count = rows * cols;
  if (count == 0) return absl::OkStatus();

  SampleValues(Distribution::Normal(0, std), key, 0, static_cast<size_t>(count),
               out);
  const int64_t zeros = SparseZerosPerColumn(rows, sparsity);
  if (zeros == 0) return absl::OkStatus();

  // perm stays the identity between columns: each column's swaps are undone
  // in reverse order, so a column costs O(zeros), not O(rows).
  std::vector<uint32_t> perm(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) perm[r] = static_cast<uint32_t>(r);
  std::vector<uint32_t> picked(static_cast<size_t>(zeros));
  for (int64_t c = 0; c < cols; ++c) {
    uint64_t t = 0;  // next word of this column's stream
    for (int64_t s = 0; s < zeros; ++s) {
      const uint64_t j = s + BoundedDraw(key, static_cast<uint64_t>(c),
                                         static_cast<uint64_t>(rows - s), &t);
      picked[s] = static_cast<uint32_t>(j);
      std::swap(perm[s], perm[j]);
      out[static_cast<int64_t>(perm[s]) * cols + c] = 0.0;
    }
    for (int64_t s = zeros - 1; s >= 0; --s)
      std::swap(perm[s], perm[picked[s]]);
  }
  return absl::OkStatus();
}

absl::Status CheckStructured(const Distribution& dist,
                             absl::Span<const int64_t> dims,
                             absl::string_view op_type) {
  auto rank_error = [&](const char* what, const char* ranks) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " needs rank ", ranks, ", got rank ", dims.size()));
  };
  switch (dist.structure) {
    case Distribution::Structure::kOrthogonal:
      return TorchFlattening(dims).status();
    case Distribution::Structure::kIdentity:
      return dims.size() == 2 ? absl::OkStatus() : rank_error("identity", "2");
    case Distribution::Structure::kSparse:
      return dims.size() == 2 ? absl::OkStatus() : rank_error("sparse", "2");
    case Distribution::Structure::kDirac:
      if (dims.size() < 3 || dims.size() > 5) {
        return rank_error("dirac", "3, 4 or 5");
      }
      if (dist.groups <= 0 || dims[0] % dist.groups != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "groups ", dist.groups, " does not divide dim 0 (", dims[0], ")"));
      }
      return absl::OkStatus();
    case Distribution::Structure::kForgetBias:
      if (op_type == "LSTM" && (dims.size() != 2 || dims[1] % 8 != 0)) {
        return absl::InvalidArgumentError(
            "forget_bias needs an LSTM B of dims [D, 8H]");
      }
      return absl::OkStatus();
    case Distribution::Structure::kNone:
      break;
  }
  return absl::OkStatus();
}

absl::Status FillStructured(const Distribution& dist,
                            absl::Span<const int64_t> dims, int64_t gate_blocks,
                            absl::string_view op_type, PhiloxKey key,
                            double* out, const OrthogonalOptions& orthogonal) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  switch (dist.structure) {
    case Distribution::Structure::kOrthogonal: {
      absl::StatusOr<MatrixBlocks> blocks = OrthogonalSplit(dims, gate_blocks);
      if (!blocks.ok()) return blocks.status();
      return FillOrthogonal(*blocks, dist.gain, key, out, orthogonal);
    }
    case Distribution::Structure::kIdentity:
      return FillIdentity(dims, dist.gain, out);
    case Distribution::Structure::kDirac:
      return FillDirac(dims, dist.groups, out);
    case Distribution::Structure::kSparse:
      return FillSparse(dims, dist.sparsity, dist.std, key, out);
    case Distribution::Structure::kForgetBias: {
      std::fill(out, out + count, 0.0);
      if (op_type != "LSTM") return absl::OkStatus();
      if (dims.size() != 2 || dims[1] % 8 != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "forget_bias needs an LSTM B of dims [D, 8H], got rank ",
            dims.size()));
      }
      const int64_t h = dims[1] / 8;
      for (int64_t d = 0; d < dims[0]; ++d) {
        std::fill(out + d * dims[1] + 2 * h, out + d * dims[1] + 3 * h,
                  dist.value);
      }
      return absl::OkStatus();
    }
    case Distribution::Structure::kNone:
      break;
  }
  return absl::InternalError("FillStructured on an elementwise distribution");
}

TargetMoments StructuredTargets(const Distribution& dist,
                                absl::Span<const int64_t> dims,
                                int64_t gate_blocks,
                                absl::string_view op_type) {
  if (!CheckDims(dims).ok()) return {};
  const int64_t count = ElementCount(dims);
  if (count == 0) return {};
  const double n = static_cast<double>(count);
  switch (dist.structure) {
    case Distribution::Structure::kOrthogonal: {
      absl::StatusOr<MatrixBlocks> blocks = OrthogonalSplit(dims, gate_blocks);
      if (!blocks.ok()) return {};
      TargetMoments t;
      t.std =
          std::abs(dist.gain) /
          std::sqrt(static_cast<double>(std::max(blocks->rows, blocks->cols)));
      t.bound = std::abs(dist.gain);
      return t;
    }
    case Distribution::Structure::kIdentity:
      if (dims.size() != 2) return {};
      return TwoValued(dist.gain,
                       static_cast<double>(std::min(dims[0], dims[1])) / n);
    case Distribution::Structure::kDirac: {
      if (dims.size() < 3 || dist.groups <= 0) return {};
      const int64_t ones =
          dist.groups * std::min(dims[0] / dist.groups, dims[1]);
      return TwoValued(1.0, static_cast<double>(ones) / n);
    }
    case Distribution::Structure::kSparse: {
      if (dims.size() != 2) return {};
      const double rows = static_cast<double>(dims[0]);
      const double zeros =
          static_cast<double>(SparseZerosPerColumn(dims[0], dist.sparsity));
      TargetMoments t;
      t.std = dist.std * std::sqrt((rows - zeros) / rows);
      return t;
    }
    case Distribution::Structure::kForgetBias:
      if (op_type != "LSTM") return {};
      return TwoValued(dist.value, 1.0 / 8);
    case Distribution::Structure::kNone:
      break;
  }
  return {};
}

absl::StatusOr<TargetMoments> StructuredTargetsOfPart(
    const Distribution& dist, absl::Span<const int64_t> dims,
    int64_t gate_blocks, absl::string_view op_type,
    absl::Span<const uint64_t> part) {
  ONNX_REINIT_RETURN_IF_ERROR(CheckDims(dims));
  const uint64_t count = static_cast<uint64_t>(ElementCount(dims));
  if (part.size() == count) {
    return StructuredTargets(dist, dims, gate_blocks, op_type);
  }
  if (part.empty()) return TargetMoments{};
  switch (dist.structure) {
    case Distribution::Structure::kOrthogonal: {
      // Every block it touches must be whole: each block is orthogonal, so
      // whole blocks keep the moments of the full tensor.
      ONNX_REINIT_ASSIGN_OR_RETURN(const MatrixBlocks blocks,
                                   OrthogonalSplit(dims, gate_blocks));
      const uint64_t block = static_cast<uint64_t>(blocks.rows) *
                             static_cast<uint64_t>(blocks.cols);
      std::vector<uint64_t> touched(block == 0 ? 0 : count / block, 0);
      for (uint64_t i : part) {
        if (block == 0 || i / block >= touched.size()) {
          return absl::InternalError("element outside its consumer's input");
        }
        ++touched[i / block];
      }
      for (uint64_t t : touched) {
        if (t != 0 && t != block) {
          return absl::FailedPreconditionError(absl::StrCat(
              "orthogonal: the tensor holds only part of a ", blocks.rows,
              " x ", blocks.cols, " block of its consumer's input"));
        }
      }
      return StructuredTargets(dist, dims, gate_blocks, op_type);
    }
    case Distribution::Structure::kForgetBias: {
      if (op_type != "LSTM" || dims.size() != 2 || dims[1] % 8 != 0) {
        return TargetMoments{};
      }
      const uint64_t h = static_cast<uint64_t>(dims[1] / 8);
      uint64_t forget = 0;
      for (uint64_t i : part) {
        const uint64_t j = i % (8 * h);
        forget += (j >= 2 * h && j < 3 * h) ? 1 : 0;
      }
      return TwoValued(dist.value, static_cast<double>(forget) /
                                       static_cast<double>(part.size()));
    }
    default:
      return absl::FailedPreconditionError(
          "fills its consumer's whole input, of which this tensor is only a "
          "part");
  }
}

}  // namespace onnx_reinit
