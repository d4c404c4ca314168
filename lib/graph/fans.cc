#include "graph/fans.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace onnx_reinit {
namespace {

absl::Status RankError(absl::string_view expected, size_t rank) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected rank ", expected, ", got ", rank));
}

absl::Status CheckPositive(absl::Span<const int64_t> dims) {
  for (int64_t d : dims) {
    if (d <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dims must be positive, got ", d));
    }
  }
  return absl::OkStatus();
}

int64_t KernelSize(absl::Span<const int64_t> dims) {
  int64_t k = 1;
  for (size_t i = 2; i < dims.size(); ++i) k *= dims[i];
  return k;
}

absl::StatusOr<int64_t> Group(const onnx::NodeProto& node, int64_t channels,
                              absl::string_view what) {
  int64_t group = IntAttribute(node, "group", 1);
  if (group <= 0 || channels % group != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "group ", group, " does not divide the ", channels, " ", what));
  }
  return group;
}

absl::StatusOr<Fans> Fans2D(absl::Span<const int64_t> dims, bool in_is_dim0) {
  if (dims.size() != 2) return RankError("2", dims.size());
  if (in_is_dim0) return Fans{dims[0], dims[1]};
  return Fans{dims[1], dims[0]};
}

}  // namespace

absl::string_view FanConventionName(FanConvention convention) {
  return convention == FanConvention::kTorch ? "torch" : "semantic";
}

absl::StatusOr<FanConvention> ParseFanConvention(absl::string_view text) {
  if (text == "torch") return FanConvention::kTorch;
  if (text == "semantic") return FanConvention::kSemantic;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown fan convention \"", text, "\"; known: torch, semantic"));
}

int64_t IntAttribute(const onnx::NodeProto& node, absl::string_view name,
                     int64_t fallback) {
  for (const onnx::AttributeProto& attr : node.attribute()) {
    if (attr.name() == name) return attr.i();
  }
  return fallback;
}

absl::StatusOr<Fans> ComputeFans(FanRule rule, const onnx::NodeProto& node,
                                 absl::Span<const int64_t> dims,
                                 FanConvention convention) {
  if (absl::Status s = CheckPositive(dims); !s.ok()) return s;
  const bool torch = convention == FanConvention::kTorch;
  switch (rule) {
    case FanRule::kGemmA:  // [M, K], or [K, M] with transA
      return Fans2D(dims, /*in_is_dim0=*/IntAttribute(node, "transA", 0) != 0);
    case FanRule::kGemmB:  // [K, N], or [N, K] with transB
      return Fans2D(dims, /*in_is_dim0=*/IntAttribute(node, "transB", 0) == 0);
    case FanRule::kMatMulInput0: {
      if (dims.empty()) return RankError(">= 1", 0);
      if (dims.size() == 1) return Fans{dims[0], 1};
      return Fans{dims[dims.size() - 1], dims[dims.size() - 2]};
    }
    case FanRule::kMatMulInput1: {
      if (dims.empty()) return RankError(">= 1", 0);
      if (dims.size() == 1) return Fans{dims[0], 1};
      return Fans{dims[dims.size() - 2], dims[dims.size() - 1]};
    }
    case FanRule::kConv: {  // [M, C/g, k...]
      if (dims.size() < 3) return RankError(">= 3", dims.size());
      const int64_t k = KernelSize(dims);
      absl::StatusOr<int64_t> g = Group(node, dims[0], "output channels");
      if (!g.ok()) return g.status();
      const int64_t fan_out = torch ? dims[0] * k : dims[0] / *g * k;
      return Fans{dims[1] * k, fan_out};
    }
    case FanRule::kConvTranspose: {  // [C, M/g, k...]
      if (dims.size() < 3) return RankError(">= 3", dims.size());
      const int64_t k = KernelSize(dims);
      absl::StatusOr<int64_t> g = Group(node, dims[0], "input channels");
      if (!g.ok()) return g.status();
      if (torch) return Fans{dims[1] * k, dims[0] * k};
      return Fans{dims[0] / *g * k, dims[1] * k};
    }
  }
  return absl::InternalError("unhandled fan rule");
}

}  // namespace onnx_reinit
