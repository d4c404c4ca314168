#include "graph/op_table.h"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace onnx_reinit {
namespace {

constexpr Role kW = Role::kWeight;
constexpr Role kB = Role::kBias;
constexpr FanRule kNoFans = FanRule::kNone;

constexpr SlotRule kRules[] = {
    // domain, op_type, slot, role, fan rule, weight_slot (biases)
    {"", "Gemm", 0, kW, FanRule::kGemmA, -1},
    {"", "Gemm", 1, kW, FanRule::kGemmB, -1},
    {"", "Gemm", 2, kB, FanRule::kGemmB, 1},
    {"", "MatMul", 0, kW, FanRule::kMatMulInput0, -1},
    {"", "MatMul", 1, kW, FanRule::kMatMulInput1, -1},
    {"", "Conv", 1, kW, FanRule::kConv, -1},
    {"", "Conv", 2, kB, FanRule::kConv, 1},
    {"", "ConvTranspose", 1, kW, FanRule::kConvTranspose, -1},
    {"", "ConvTranspose", 2, kB, FanRule::kConvTranspose, 1},
    {"", "Einsum", -1, kW, FanRule::kEinsumOperand, -1},
    {"", "LSTM", 1, Role::kRecurrentInput, FanRule::kLstmW, -1},
    {"", "LSTM", 2, Role::kRecurrentHidden, FanRule::kLstmR, -1},
    {"", "LSTM", 3, Role::kRecurrentBias, FanRule::kLstmB, -1},
    {"", "LSTM", 7, Role::kRecurrentPeephole, FanRule::kLstmP, -1},
    {"", "GRU", 1, Role::kRecurrentInput, FanRule::kGruW, -1},
    {"", "GRU", 2, Role::kRecurrentHidden, FanRule::kGruR, -1},
    {"", "GRU", 3, Role::kRecurrentBias, FanRule::kGruB, -1},
    {"", "RNN", 1, Role::kRecurrentInput, FanRule::kRnnW, -1},
    {"", "RNN", 2, Role::kRecurrentHidden, FanRule::kRnnR, -1},
    {"", "RNN", 3, Role::kRecurrentBias, FanRule::kRnnB, -1},
    {"", "Gather", 0, Role::kEmbedding, kNoFans, -1},
    {"", "BatchNormalization", 1, Role::kNormScale, kNoFans, -1},
    {"", "BatchNormalization", 2, Role::kNormBias, kNoFans, -1},
    {"", "BatchNormalization", 3, Role::kRunningMean, kNoFans, -1},
    {"", "BatchNormalization", 4, Role::kRunningVar, kNoFans, -1},
    {"", "LayerNormalization", 1, Role::kNormScale, kNoFans, -1},
    {"", "LayerNormalization", 2, Role::kNormBias, kNoFans, -1},
    {"", "InstanceNormalization", 1, Role::kNormScale, kNoFans, -1},
    {"", "InstanceNormalization", 2, Role::kNormBias, kNoFans, -1},
    {"", "GroupNormalization", 1, Role::kNormScale, kNoFans, -1},
    {"", "GroupNormalization", 2, Role::kNormBias, kNoFans, -1},
    {"", "PRelu", 1, Role::kPreluSlope, kNoFans, -1},
    {"com.microsoft", "Attention", 1, kW, FanRule::kAttentionWeight, -1},
    {"com.microsoft", "Attention", 2, kB, FanRule::kAttentionWeight, 1},
};

struct RoleNameRow {
  Role role;
  absl::string_view name;
};

constexpr RoleNameRow kRoleNames[] = {
    {Role::kEmbedding, "embedding"},
    {Role::kWeight, "weight"},
    {Role::kRecurrentInput, "recurrent_input"},
    {Role::kRecurrentHidden, "recurrent_hidden"},
    {Role::kRecurrentBias, "recurrent_bias"},
    {Role::kRecurrentPeephole, "recurrent_peephole"},
    {Role::kBias, "bias"},
    {Role::kNormScale, "norm_scale"},
    {Role::kNormBias, "norm_bias"},
    {Role::kRunningMean, "running_mean"},
    {Role::kRunningVar, "running_var"},
    {Role::kPreluSlope, "prelu_slope"},
    {Role::kPositionalEmbedding, "positional_embedding"},
    {Role::kClassToken, "class_token"},
    {Role::kLayerScale, "layer_scale"},
    {Role::kNotWeight, "not_weight"},
};

struct FormalInputsRow {
  absl::string_view domain;
  absl::string_view op_type;
  int since_version;
  absl::string_view inputs;  // formal names separated by ' '
  bool variadic_tail;
};

#include "graph/op_table_formal_inputs.inc"

}  // namespace

absl::string_view RoleName(Role role) {
  for (const RoleNameRow& row : kRoleNames) {
    if (row.role == role) return row.name;
  }
  return "not_weight";
}

absl::string_view RoleNames() {
  return "embedding, weight, recurrent_input, recurrent_hidden, "
         "recurrent_bias, recurrent_peephole, bias, norm_scale, norm_bias, "
         "running_mean, running_var, prelu_slope, positional_embedding, "
         "class_token, layer_scale, not_weight";
}

const SlotRule* FindSlotRule(absl::string_view domain,
                             absl::string_view op_type, int slot) {
  if (domain == "ai.onnx") domain = "";
  for (const SlotRule& rule : kRules) {
    if (rule.domain == domain && rule.op_type == op_type &&
        (rule.slot == slot || rule.slot == -1)) {
      return &rule;
    }
  }
  return nullptr;
}

absl::string_view FormalInputName(absl::string_view domain,
                                  absl::string_view op_type, int opset,
                                  int slot) {
  if (slot < 0) return "";
  // The first row after (domain, op_type, opset); the one before it is the
  // newest schema of that operator not newer than opset, if it is that
  // operator's at all.
  const FormalInputsRow* const end = std::end(kFormalInputs);
  const FormalInputsRow* after = std::upper_bound(
      std::begin(kFormalInputs), end, std::make_tuple(domain, op_type, opset),
      [](const auto& key, const FormalInputsRow& row) {
        return key <
               std::make_tuple(row.domain, row.op_type, row.since_version);
      });
  if (after == std::begin(kFormalInputs)) return "";
  const FormalInputsRow& row = *std::prev(after);
  if (row.domain != domain || row.op_type != op_type || row.inputs.empty()) {
    return "";
  }
  absl::string_view rest = row.inputs;
  for (int i = 0;; ++i) {
    const size_t space = rest.find(' ');
    const absl::string_view name = rest.substr(0, space);
    if (i == slot) return name;
    if (space == absl::string_view::npos) {
      return row.variadic_tail ? name : absl::string_view();
    }
    rest.remove_prefix(space + 1);
  }
}

absl::string_view FormalInputsOnnxVersion() { return kFormalInputsOnnxVersion; }

}  // namespace onnx_reinit
