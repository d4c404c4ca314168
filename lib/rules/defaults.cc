// The built-in rules: the defaults (one row per role) and the profiles.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "rules/rules.h"
#include "rules/rules_internal.h"

namespace onnx_reinit {
namespace rules_internal {

const std::vector<RoleAction>& DefaultRules() {
  static const auto* const rules = new std::vector<RoleAction>{
      {"weight", "he_normal"},
      {"bias", "zeros"},
      {"embedding", "normal(mean=0, std=1)"},  // torch's nn.Embedding
      {"recurrent_input", "he_normal"},
      {"recurrent_hidden", "he_normal"},
      {"recurrent_bias", "zeros"},
      {"recurrent_peephole", "zeros"},
      {"norm_scale", "ones"},
      {"norm_bias", "zeros"},
      {"running_mean", "zeros"},
      {"running_var", "ones"},
      {"prelu_slope", "constant(value=0.25)"},  // torch's nn.PReLU
      // torchvision's VisionTransformer: pos_embedding normal(std=0.02),
      // class_token zeros; ConvNeXt's layer_scale starts at 1e-6.
      {"positional_embedding", "normal(mean=0, std=0.02)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-6)"},
      {"not_weight", "keep"},
      // A role this table does not know (a newer planner's): leave it.
      {"", "keep"},
  };
  return *rules;
}

namespace {

// torch's reset_parameters, module by module.
const std::vector<RoleAction>* TorchRules() {
  static const auto* const rules = new std::vector<RoleAction>{
      // Linear/Conv: kaiming_uniform(a=√5) = U(±1/√fan_in); the bias uses
      // the weight's fan_in.
      {"weight", "fan_in_uniform"},
      {"bias", "fan_in_uniform"},
      // LSTM/GRU/RNN: every parameter U(±1/√hidden_size); the planner gives
      // each recurrent tensor fan_out = hidden_size.
      {"recurrent_input", "fan_out_uniform"},
      {"recurrent_hidden", "fan_out_uniform"},
      {"recurrent_bias", "fan_out_uniform"},
      {"recurrent_peephole", "fan_out_uniform"},
      {"embedding", "normal(mean=0, std=1)"},
      {"norm_scale", "ones"},
      {"norm_bias", "zeros"},
      {"running_mean", "zeros"},
      {"running_var", "ones"},
      {"prelu_slope", "constant(value=0.25)"},
      // torchvision: ViT pos_embedding normal(std=0.02), class_token zeros
      // (timm draws it from trunc_normal(std=0.02): a --rule away);
      // ConvNeXt layer_scale 1e-6.
      {"positional_embedding", "normal(mean=0, std=0.02)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-6)"},
  };
  return rules;
}

// Keras 3's layer defaults: glorot_uniform kernels, orthogonal recurrent
// kernels (per gate block), zero biases with the LSTM forget-gate bias 1
// (unit_forget_bias), Embedding U(±0.05), normalization 1 / 0.
const std::vector<RoleAction>* KerasRules() {
  static const auto* const rules = new std::vector<RoleAction>{
      {"weight", "xavier_uniform"},
      {"bias", "zeros"},
      {"recurrent_input", "xavier_uniform"},
      {"recurrent_hidden", "orthogonal"},
      {"recurrent_bias", "forget_bias(value=1)"},
      {"recurrent_peephole", "zeros"},
      {"embedding", "uniform(a=-0.05, b=0.05)"},
      {"norm_scale", "ones"},
      {"norm_bias", "zeros"},
      {"running_mean", "zeros"},
      {"running_var", "ones"},
      {"prelu_slope", "zeros"},  // Keras PReLU alpha_initializer="zeros"
      // A Keras ViT learns positions with keras.layers.Embedding (U(±0.05))
      // and keras_hub adds its class token with initializer="zeros";
      // keras.applications'
      // ConvNeXt LayerScale starts at 1e-6.
      {"positional_embedding", "uniform(a=-0.05, b=0.05)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-6)"},
  };
  return rules;
}

}  // namespace

const std::vector<ProfileRow>& ProfileTable() {
  static const auto* const table = new std::vector<ProfileRow>{
      {Profile::kTorch, "torch", TorchRules()},
      {Profile::kKeras, "keras", KerasRules()},
  };
  return *table;
}

}  // namespace rules_internal

absl::StatusOr<Profile> ParseProfile(absl::string_view text) {
  if (text.empty() || text == "none") return Profile::kNone;
  std::vector<absl::string_view> known;
  for (const rules_internal::ProfileRow& row : rules_internal::ProfileTable()) {
    if (row.name == text) return row.profile;
    known.push_back(row.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown profile \"", text, "\"; known: ", absl::StrJoin(known, ", ")));
}

}  // namespace onnx_reinit
