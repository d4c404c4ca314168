// RuleSet: every source of rules, validated and compiled, in the order they
// are tried (rules/rules.h).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "rules/rules.h"
#include "rules/rules_internal.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

using rules_internal::CompiledRule;
using rules_internal::CompileRule;
using rules_internal::RoleAction;

// A flag that sets the strategy of a group of roles.
struct StrategyFlag {
  absl::string_view flag;
  std::optional<std::string> RuleOptions::*value;
  std::vector<absl::string_view> roles;
};

const std::vector<StrategyFlag>& StrategyFlags() {
  static const auto* const flags = new std::vector<StrategyFlag>{
      {"--strategy",
       &RuleOptions::weight_strategy,
       {"weight", "recurrent_input", "recurrent_hidden"}},
      {"--bias_strategy",
       &RuleOptions::bias_strategy,
       {"bias", "recurrent_bias"}},
  };
  return *flags;
}

absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// A built-in row as a compiled rule labelled "ORIGIN (role=ROLE)".
absl::StatusOr<CompiledRule> CompileBuiltIn(const RoleAction& row,
                                            absl::string_view origin) {
  Rule rule;
  if (!row.role.empty()) rule.mutable_select()->add_role(std::string(row.role));
  if (row.action == "keep") {
    rule.set_keep(true);
  } else {
    rule.set_strategy(std::string(row.action));
  }
  absl::StatusOr<CompiledRule> compiled = CompileRule(rule);
  if (!compiled.ok()) {  // a bad table row: a bug, not a user error
    return absl::InternalError(
        absl::StrCat(origin, " rule for role \"", row.role,
                     "\": ", compiled.status().message()));
  }
  compiled->label = row.role.empty()
                        ? absl::StrCat(origin, " (other roles)")
                        : absl::StrCat(origin, " (role=", row.role, ")");
  return compiled;
}

}  // namespace

absl::StatusOr<RuleSet> RuleSet::Build(const RuleOptions& options) {
  std::vector<CompiledRule> rules;

  // 1. --rule, in order.
  for (size_t i = 0; i < options.cli_rules.size(); ++i) {
    const std::string& text = options.cli_rules[i];
    const std::string prefix =
        absl::StrCat("--rule ", i + 1, " \"", text, "\": ");
    absl::StatusOr<Rule> rule = ParseRuleText(text);
    if (!rule.ok()) return Prefixed(rule.status(), prefix);
    absl::StatusOr<CompiledRule> compiled = CompileRule(*rule);
    if (!compiled.ok()) return Prefixed(compiled.status(), prefix);
    compiled->label = absl::StrCat("--rule ", i + 1, " (",
                                   DescribeSelector(rule->select()), ")");
    rules.push_back(*std::move(compiled));
  }

  // 2. The config's rules (LoadConfigFile has checked them already, naming
  // the file; a Config built in code is checked here).
  ONNX_REINIT_ASSIGN_OR_RETURN(
      std::vector<CompiledRule> config_rules,
      rules_internal::CompileConfig(options.config, "config"));
  for (CompiledRule& rule : config_rules) rules.push_back(std::move(rule));

  // 3. --strategy and --bias_strategy.
  for (const StrategyFlag& flag : StrategyFlags()) {
    const std::optional<std::string>& value = options.*flag.value;
    if (!value.has_value()) continue;
    CompiledRule rule;
    rule.label = std::string(flag.flag);
    absl::StatusOr<Strategy> strategy = ParseStrategy(*value);
    if (!strategy.ok()) {
      return Prefixed(strategy.status(), absl::StrCat(flag.flag, ": "));
    }
    rule.strategy = *std::move(strategy);
    for (absl::string_view role : flag.roles) rule.roles.emplace_back(role);
    rules.push_back(std::move(rule));
  }

  // 4. The profile's rules.
  for (const rules_internal::ProfileRow& row : rules_internal::ProfileTable()) {
    if (row.profile != options.profile) continue;
    for (const RoleAction& action : *row.rules) {
      ONNX_REINIT_ASSIGN_OR_RETURN(
          CompiledRule rule,
          CompileBuiltIn(action, absl::StrCat("profile ", row.name)));
      rules.push_back(std::move(rule));
    }
  }

  // 5. The defaults.
  for (const RoleAction& action : rules_internal::DefaultRules()) {
    ONNX_REINIT_ASSIGN_OR_RETURN(CompiledRule rule,
                                 CompileBuiltIn(action, "default"));
    rules.push_back(std::move(rule));
  }

  RuleSet set;
  set.rules_.reserve(rules.size());
  for (CompiledRule& rule : rules) {
    set.rules_.push_back(std::make_shared<const CompiledRule>(std::move(rule)));
  }
  return set;
}

RuleChoice RuleSet::Choose(const TensorFacts& facts) const {
  for (const auto& rule : rules_) {
    if (!rule->Matches(facts)) continue;
    RuleChoice choice;
    choice.keep = rule->keep;
    if (!rule->keep) choice.strategy = rule->strategy;
    choice.rule = rule->label;
    return choice;
  }
  // Unreachable: the last default matches every role but not_weight, which
  // has its own default.
  RuleChoice choice;
  choice.keep = true;
  choice.rule = "default (other roles)";
  return choice;
}

}  // namespace onnx_reinit
