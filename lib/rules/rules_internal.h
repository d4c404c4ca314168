// Private to lib/rules (and its tests): compiled rules and the tables of
// built-in rules. rules/rules.h is the public interface.
#ifndef ONNX_REINIT_RULES_RULES_INTERNAL_H_
#define ONNX_REINIT_RULES_RULES_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "rules/rules.h"
#include "strategy/strategy.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace onnx_reinit {
namespace rules_internal {

// A validated Rule, ready to match (selector.cc).
struct CompiledRule {
  std::string label;  // RuleChoice::rule
  bool keep = false;
  Strategy strategy;  // resolved unless keep
  std::vector<std::string> roles;
  std::vector<std::string> op_types;
  std::shared_ptr<const re2::RE2> name_regex;  // null: any name
  std::vector<int32_t> dtypes;
  std::optional<int> rank;
  uint64_t min_elements = 0;
  std::vector<std::string> scopes;

  // The selector semantics of rules/rules.h, including the not_weight
  // exception.
  bool Matches(const TensorFacts& facts) const;
};

// Validates and compiles `rule` (label left empty). InvalidArgument, without
// any prefix, naming the offending field: `unknown role "embeding"; known:
// ...`, `name_regex "([": missing ]: [`, `rank must be >= 0, got -1`,
// strategy errors as ParseStrategy gives them, and a rule with no action or
// with keep: false.
[[nodiscard]] absl::StatusOr<CompiledRule> CompileRule(const Rule& rule);

// Compiles every rule of `config`, labelled `config rule N "name"` or
// `config rule N (SELECTOR)`. Errors are prefixed `SOURCE: rule N: `.
[[nodiscard]] absl::StatusOr<std::vector<CompiledRule>> CompileConfig(
    const Config& config, absl::string_view source);

// One built-in rule: the tensors of `role` get `action`, a strategy or
// "keep". An empty role matches every role but not_weight.
struct RoleAction {
  absl::string_view role;
  absl::string_view action;
};

// The built-in defaults, one row per known role plus a final catch-all.
const std::vector<RoleAction>& DefaultRules();

// A profile's name as users write it and its rules.
struct ProfileRow {
  Profile profile;
  absl::string_view name;
  const std::vector<RoleAction>* rules;
};

// Every profile but kNone, in the order messages list them.
const std::vector<ProfileRow>& ProfileTable();

}  // namespace rules_internal
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RULES_RULES_INTERNAL_H_
