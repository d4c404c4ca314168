#include "graph/fans.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace onnx_reinit {
namespace {

absl::Status RankError(absl::string_view expected, size_t rank) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected rank ", expected, ", got ", rank));
}

// Positive dims whose product fits in int64: then every product of some of
// them (kernel sizes, fans) fits too, and no rule below can overflow.
absl::Status CheckPositive(absl::Span<const int64_t> dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dims must be positive, got ", d));
    }
    if (__builtin_mul_overflow(product, d, &product)) {
      return absl::InvalidArgumentError(
          "the dims hold more than 2^63 - 1 elements");
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

std::optional<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node,
                                                  absl::string_view name) {
  for (const onnx::AttributeProto& attr : node.attribute()) {
    if (attr.name() == name) {
      return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
    }
  }
  return std::nullopt;
}

std::string StringAttribute(const onnx::NodeProto& node,
                            absl::string_view name) {
  for (const onnx::AttributeProto& attr : node.attribute()) {
    if (attr.name() == name) return attr.s();
  }
  return "";
}

namespace {

// Hidden size of a recurrent node with `gates` gates whose W or R has
// `gate_rows` = G·H rows.
absl::StatusOr<int64_t> HiddenSize(const onnx::NodeProto& node, int gates,
                                   int64_t gate_rows) {
  int64_t h = IntAttribute(node, "hidden_size", 0);
  if (h <= 0) h = gate_rows / gates;
  if (h <= 0 || gate_rows % gates != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        gate_rows, " rows are not ", gates, " gates of equal size"));
  }
  return h;
}

absl::StatusOr<Fans> RecurrentFans(FanRule rule, const onnx::NodeProto& node,
                                   absl::Span<const int64_t> dims) {
  int gates = 1;
  bool is_w = false, is_r = false;
  switch (rule) {
    case FanRule::kLstmW:
      gates = 4;
      is_w = true;
      break;
    case FanRule::kLstmR:
      gates = 4;
      is_r = true;
      break;
    case FanRule::kLstmB:
    case FanRule::kLstmP:
      gates = 4;
      break;
    case FanRule::kGruW:
      gates = 3;
      is_w = true;
      break;
    case FanRule::kGruR:
      gates = 3;
      is_r = true;
      break;
    case FanRule::kGruB:
      gates = 3;
      break;
    case FanRule::kRnnW:
      is_w = true;
      break;
    case FanRule::kRnnR:
      is_r = true;
      break;
    default:
      break;
  }
  if (is_w || is_r) {
    if (dims.size() != 3) return RankError("3", dims.size());
    absl::StatusOr<int64_t> h = HiddenSize(node, gates, dims[1]);
    if (!h.ok()) return h.status();
    return Fans{is_w ? dims[2] : *h, *h};
  }
  if (dims.size() != 2) return RankError("2", dims.size());
  // B [D, 2·G·H], P [D, 3·H]
  const int64_t per = rule == FanRule::kLstmP ? 3 : 2 * gates;
  absl::StatusOr<int64_t> h = HiddenSize(node, per, dims[1]);
  if (!h.ok()) return h.status();
  return Fans{*h, *h};
}

// Einsum: letters of each operand and of the output from the equation.
absl::StatusOr<Fans> EinsumFans(const onnx::NodeProto& node, int slot,
                                absl::Span<const int64_t> dims) {
  std::string eq = StringAttribute(node, "equation");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  const size_t arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("...") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "equation \"", eq, "\" has no explicit output or uses ellipsis"));
  }
  const std::string output = eq.substr(arrow + 2);
  std::vector<std::string> operands = absl::StrSplit(eq.substr(0, arrow), ',');
  if (slot < 0 || slot >= static_cast<int>(operands.size())) {
    return absl::InvalidArgumentError("operand not in the equation");
  }
  const std::string& mine = operands[slot];
  if (mine.size() != dims.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("operand \"", mine, "\" has ", mine.size(),
                     " letters but rank ", dims.size()));
  }
  Fans fans{1, 1};
  for (size_t i = 0; i < mine.size(); ++i) {
    const char letter = mine[i];
    bool in_other = false;
    for (int o = 0; o < static_cast<int>(operands.size()); ++o) {
      if (o != slot && operands[o].find(letter) != std::string::npos) {
        in_other = true;
      }
    }
    const bool in_output = output.find(letter) != std::string::npos;
    if (!in_output) fans.fan_in *= dims[i];
    if (in_output && !in_other) fans.fan_out *= dims[i];
  }
  return fans;
}

}  // namespace

absl::StatusOr<Fans> ComputeFans(FanRule rule, const onnx::NodeProto& node,
                                 absl::Span<const int64_t> dims,
                                 FanConvention convention, int slot) {
  if (absl::Status s = CheckPositive(dims); !s.ok()) return s;
  const bool torch = convention == FanConvention::kTorch;
  switch (rule) {
    case FanRule::kNone:
      return Fans{};
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
    case FanRule::kLstmW:
    case FanRule::kLstmR:
    case FanRule::kLstmB:
    case FanRule::kLstmP:
    case FanRule::kGruW:
    case FanRule::kGruR:
    case FanRule::kGruB:
    case FanRule::kRnnW:
    case FanRule::kRnnR:
    case FanRule::kRnnB:
      return RecurrentFans(rule, node, dims);
    case FanRule::kAttentionWeight: {  // [E, 3·E']
      if (dims.size() != 2) return RankError("2", dims.size());
      if (dims[1] % 3 != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(dims[1], " columns are not 3 equal Q, K, V blocks"));
      }
      return Fans{dims[0], dims[1] / 3};
    }
    case FanRule::kEinsumOperand:
      return EinsumFans(node, slot, dims);
  }
  return absl::InternalError("unhandled fan rule");
}

}  // namespace onnx_reinit
