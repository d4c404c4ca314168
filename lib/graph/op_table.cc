#include "graph/op_table.h"

namespace onnx_reinit {
namespace {

constexpr Role W = Role::kWeight;
constexpr Role B = Role::kBias;
constexpr Role U = Role::kUnhandled;
constexpr FanRule kNone = FanRule::kGemmB;  // unused for kUnhandled rows

constexpr SlotRule kRules[] = {
    // op_type        slot role fan rule                weight_slot
    {"Gemm", 0, W, FanRule::kGemmA, -1},
    {"Gemm", 1, W, FanRule::kGemmB, -1},
    {"Gemm", 2, B, FanRule::kGemmB, 1},
    {"MatMul", 0, W, FanRule::kMatMulInput0, -1},
    {"MatMul", 1, W, FanRule::kMatMulInput1, -1},
    {"Conv", 1, W, FanRule::kConv, -1},
    {"Conv", 2, B, FanRule::kConv, 1},
    {"ConvTranspose", 1, W, FanRule::kConvTranspose, -1},
    {"ConvTranspose", 2, B, FanRule::kConvTranspose, 1},
    // Real parameters that a later version gives roles of their own.
    {"LSTM", 1, U, kNone, -1},
    {"LSTM", 2, U, kNone, -1},
    {"LSTM", 3, U, kNone, -1},
    {"LSTM", 7, U, kNone, -1},
    {"GRU", 1, U, kNone, -1},
    {"GRU", 2, U, kNone, -1},
    {"GRU", 3, U, kNone, -1},
    {"RNN", 1, U, kNone, -1},
    {"RNN", 2, U, kNone, -1},
    {"RNN", 3, U, kNone, -1},
    {"BatchNormalization", 1, U, kNone, -1},
    {"BatchNormalization", 2, U, kNone, -1},
    {"BatchNormalization", 3, U, kNone, -1},
    {"BatchNormalization", 4, U, kNone, -1},
    {"LayerNormalization", 1, U, kNone, -1},
    {"LayerNormalization", 2, U, kNone, -1},
    {"InstanceNormalization", 1, U, kNone, -1},
    {"InstanceNormalization", 2, U, kNone, -1},
    {"GroupNormalization", 1, U, kNone, -1},
    {"GroupNormalization", 2, U, kNone, -1},
    {"Gather", 0, U, kNone, -1},
    {"PRelu", 1, U, kNone, -1},
    {"Einsum", -1, U, kNone, -1},
};

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kWeight:
      return "weight";
    case Role::kBias:
      return "bias";
    case Role::kUnhandled:
      return "unhandled";
    case Role::kNotWeight:
      return "not_weight";
  }
  return "not_weight";
}

const SlotRule* FindSlotRule(absl::string_view domain,
                             absl::string_view op_type, int slot) {
  if (!domain.empty() && domain != "ai.onnx") return nullptr;
  for (const SlotRule& rule : kRules) {
    if (rule.op_type == op_type && (rule.slot == slot || rule.slot == -1)) {
      return &rule;
    }
  }
  return nullptr;
}

}  // namespace onnx_reinit
