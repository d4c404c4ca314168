// Rules: choosing, per tensor, a strategy or "keep".
//
// A rule is a selector (which tensors) and an action (a strategy, or keep).
// Rules come from five sources, tried in this order; the first rule whose
// selector matches a tensor decides:
//
//   1. --rule flags, in the order given        "--rule 1 (role=embedding)"
//   2. the --config file's rules, in order     "config rule 3 \"emb\"",
//                                              "config rule 4 (role=bias)"
//   3. --strategy (roles weight, recurrent_input, recurrent_hidden) and
//      --bias_strategy (roles bias, recurrent_bias)
//                                              "--strategy", "--bias_strategy"
//   4. the profile's rules (--profile=torch)   "profile torch (role=weight)"
//   5. the built-in defaults, one per role     "default (role=bias)"
//
// The quoted strings are RuleChoice::rule, how a plan names the deciding rule.
//
// Selectors (proto/config.proto): every field that is set must match; an
// empty field matches anything; a repeated field matches when any of its
// values does; name_regex must match the whole name (RE2 syntax). One
// exception keeps a catch-all such as '*:zeros' from touching shapes and
// other non-parameters: a selector matches a not_weight tensor only when it
// lists role "not_weight" explicitly.
//
// Built-in defaults (defaults.cc): weight he_normal; bias zeros; embedding
// normal(mean=0, std=1); recurrent_input, recurrent_hidden he_normal;
// recurrent_bias, recurrent_peephole zeros; norm_scale ones; norm_bias zeros;
// running_mean zeros; running_var ones; prelu_slope constant(value=0.25);
// positional_embedding normal(mean=0, std=0.02); class_token zeros;
// layer_scale constant(value=1e-6); not_weight keep; any other role keep.
//
// Profiles (defaults.cc): torch = torch's reset_parameters: weight and bias
// fan_in_uniform; recurrent_* fan_out_uniform (fan_out = hidden size);
// embedding normal(mean=0, std=1); norm_scale ones; norm_bias zeros;
// running_mean zeros; running_var ones; prelu_slope constant(value=0.25);
// positional_embedding normal(std=0.02) and class_token zeros (torchvision's
// ViT), layer_scale constant(value=1e-6) (ConvNeXt).
// keras = Keras 3's layer defaults: weight and recurrent_input
// xavier_uniform, recurrent_hidden orthogonal (per gate block), bias zeros,
// recurrent_bias forget_bias(value=1), embedding U(±0.05), norms 1 / 0,
// running statistics 0 / 1, prelu_slope zeros, positional_embedding
// U(±0.05) (a keras.layers.Embedding of positions), class_token zeros,
// layer_scale constant(value=1e-6).
#ifndef ONNX_REINIT_RULES_RULES_H_
#define ONNX_REINIT_RULES_RULES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "strategy/strategy.h"

namespace onnx_reinit {

// What the planner knows about one tensor when choosing its rule.
struct TensorFacts {
  std::string name;
  std::string role;     // one of KnownRoles(), e.g. "weight"
  std::string op_type;  // of the node that decided the role; "" when none
  int32_t dtype = 0;    // onnx::TensorProto::DataType
  int rank = 0;
  uint64_t element_count = 0;
  std::string scope;  // one of KnownScopes(), e.g. "main"
};

// The decision for one tensor.
struct RuleChoice {
  bool keep = false;
  Strategy strategy;  // resolved; default-constructed when keep
  // How the plan names the matched rule, e.g. "--rule 1 (role=embedding)",
  // "config rule 3 \"emb\"", "--strategy", "default (role=bias)",
  // "profile torch (role=weight)".
  std::string rule;
};

enum class Profile { kNone, kTorch, kKeras };

// "torch" -> kTorch, "keras" -> kKeras, "" or "none" -> kNone.
// InvalidArgument for anything else: `unknown profile "tf"; known: torch,
// keras`.
[[nodiscard]] absl::StatusOr<Profile> ParseProfile(absl::string_view text);

// The roles and scopes selectors may name, in the order messages list them.
const std::vector<absl::string_view>& KnownRoles();
const std::vector<absl::string_view>& KnownScopes();

struct RuleOptions {
  Config config;                               // from --config (LoadConfigFile)
  std::vector<std::string> cli_rules;          // --rule texts, in order
  std::optional<std::string> weight_strategy;  // --strategy, if given
  std::optional<std::string> bias_strategy;    // --bias_strategy, if given
  Profile profile = Profile::kNone;
};

namespace rules_internal {
struct CompiledRule;
}  // namespace rules_internal

// All rules, validated and compiled, in the order they are tried. Cheap to
// copy (compiled rules are shared and immutable); safe to use from several
// threads.
class RuleSet {
 public:
  // Validates every source before returning; errors name the source:
  //   --rule 2 "role=embeding:zeros": unknown role "embeding"; known: ...
  //   config: rule 3: name_regex "([": missing ]: [
  //   --strategy: unknown strategy "foo"; known: ...
  // InvalidArgument for any bad rule, strategy or parameter.
  [[nodiscard]] static absl::StatusOr<RuleSet> Build(
      const RuleOptions& options);

  // The first matching rule's decision. Always matches (the defaults cover
  // every role; a role they do not know is kept).
  RuleChoice Choose(const TensorFacts& facts) const;

 private:
  RuleSet() = default;
  std::vector<std::shared_ptr<const rules_internal::CompiledRule>> rules_;
};

// Reads a Config: "*.json" as protobuf JSON, anything else as protobuf text
// format; unknown fields are errors either way. Every rule is validated as
// in RuleSet::Build, with messages prefixed by `path`:
//   config.textproto: rule 3: name_regex "([": missing ]: [
//   config.json: rule 1: strategy "normal": unknown parameter "sd"; ...
// NotFound when the file does not exist; InvalidArgument naming the file,
// and the line and column where the text parser gives them, for syntax
// errors and unknown fields.
[[nodiscard]] absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// Parses and validates one --rule value, 'SELECTOR:STRATEGY':
//
//   role=embedding:normal(std=0.02)
//   name=~^enc\..*\.bias$:zeros
//   op=Conv,role=weight:he_uniform
//   role=norm_scale:keep
//   dtype=FLOAT16,min_elements=1024:xavier_uniform
//   *:zeros                      (or ':zeros': an empty selector)
//
// STRATEGY is the text after the last ':' that is not inside parentheses
// (so a regex may contain ':'; a strategy never does), and "keep" means keep.
// SELECTOR is KEY=VALUE items separated by ','; keys: role, op (op_type),
// name (exact) or name=~REGEX (RE2, whole-name match), dtype, rank,
// min_elements, scope. Several values of one key are separated by '|'
// (role=bias|recurrent_bias), except in name=~ where '|' is the regex's
// alternation. A name=~ value runs to the next ',' that is followed by
// `word=` (so a regex may contain ',' as in a{1,3}), or to the end. Each key
// may appear once. Whitespace around items, keys and values is ignored.
// InvalidArgument with a message that does not repeat the text (the caller
// prefixes it), e.g. `unknown key "rol"; known: role, op, name, dtype, rank,
// min_elements, scope`.
[[nodiscard]] absl::StatusOr<Rule> ParseRuleText(absl::string_view text);

// "role=embedding", "role=weight,op=Conv", "name=~enc\..*", "*" (empty):
// a selector in --rule syntax, keys in the order listed above.
std::string DescribeSelector(const Selector& selector);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RULES_RULES_H_
