// Validating a Rule and matching its selector against a tensor's facts.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "dtype/dtype.h"
#include "onnx/onnx_pb.h"
#include "re2/re2.h"
#include "rules/rules.h"
#include "rules/rules_internal.h"
#include "strategy/strategy.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

constexpr absl::string_view kNotWeight = "not_weight";

// ONNX data type names (FLOAT, UINT8, ...) in enum order, without UNDEFINED.
const std::vector<std::pair<std::string, int32_t>>& DTypeNames() {
  static const auto* const names = [] {
    auto* v = new std::vector<std::pair<std::string, int32_t>>();
    for (int i = onnx::TensorProto_DataType_DataType_MIN;
         i <= onnx::TensorProto_DataType_DataType_MAX; ++i) {
      if (i == onnx::TensorProto::UNDEFINED ||
          !onnx::TensorProto_DataType_IsValid(i)) {
        continue;
      }
      v->emplace_back(DTypeName(i), i);
    }
    return v;
  }();
  return *names;
}

bool Contains(const std::vector<absl::string_view>& known,
              absl::string_view value) {
  return std::find(known.begin(), known.end(), value) != known.end();
}

// Checks every value of a repeated name field against `known`.
absl::Status CheckNames(
    absl::string_view what,
    const google::protobuf::RepeatedPtrField<std::string>& values,
    const std::vector<absl::string_view>& known) {
  for (const std::string& value : values) {
    if (!Contains(known, value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown ", what, " \"", value,
                       "\"; known: ", absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> DTypeByName(const std::string& name) {
  std::vector<absl::string_view> known;
  for (const auto& [known_name, value] : DTypeNames()) {
    if (known_name == name) return value;
    known.push_back(known_name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown dtype \"", name, "\"; known: ", absl::StrJoin(known, ", ")));
}

template <typename T>
bool AnyOf(const std::vector<T>& allowed, const T& value) {
  return allowed.empty() ||
         std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

const std::vector<absl::string_view>& KnownRoles() {
  static const auto* const roles =
      new std::vector<absl::string_view>{"weight",
                                         "bias",
                                         "embedding",
                                         "recurrent_input",
                                         "recurrent_hidden",
                                         "recurrent_bias",
                                         "recurrent_peephole",
                                         "norm_scale",
                                         "norm_bias",
                                         "running_mean",
                                         "running_var",
                                         "prelu_slope",
                                         "positional_embedding",
                                         "class_token",
                                         "layer_scale",
                                         kNotWeight};
  return *roles;
}

const std::vector<absl::string_view>& KnownScopes() {
  static const auto* const scopes = new std::vector<absl::string_view>{
      "main", "subgraph", "function", "training"};
  return *scopes;
}

namespace rules_internal {

bool CompiledRule::Matches(const TensorFacts& facts) const {
  // A not_weight tensor only matches a rule that names its role.
  if (roles.empty() && facts.role == kNotWeight) return false;
  return AnyOf(roles, facts.role) && AnyOf(op_types, facts.op_type) &&
         (name_regex == nullptr || RE2::FullMatch(facts.name, *name_regex)) &&
         AnyOf(dtypes, facts.dtype) &&
         (!rank.has_value() || *rank == facts.rank) &&
         facts.element_count >= min_elements && AnyOf(scopes, facts.scope);
}

absl::StatusOr<CompiledRule> CompileRule(const Rule& rule) {
  const Selector& s = rule.select();
  CompiledRule compiled;

  ONNX_REINIT_RETURN_IF_ERROR(CheckNames("role", s.role(), KnownRoles()));
  compiled.roles.assign(s.role().begin(), s.role().end());
  compiled.op_types.assign(s.op_type().begin(), s.op_type().end());
  if (!s.name_regex().empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(s.name_regex(), options);
    if (!regex->ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "name_regex \"", s.name_regex(), "\": ", regex->error()));
    }
    compiled.name_regex = std::move(regex);
  }
  for (const std::string& name : s.dtype()) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const int32_t dtype, DTypeByName(name));
    compiled.dtypes.push_back(dtype);
  }
  if (s.has_rank()) {
    if (s.rank() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("rank must be >= 0, got ", s.rank()));
    }
    compiled.rank = s.rank();
  }
  compiled.min_elements = s.min_elements();
  ONNX_REINIT_RETURN_IF_ERROR(CheckNames("scope", s.scope(), KnownScopes()));
  compiled.scopes.assign(s.scope().begin(), s.scope().end());

  switch (rule.action_case()) {
    case Rule::kStrategy: {
      ONNX_REINIT_ASSIGN_OR_RETURN(compiled.strategy,
                                   ParseStrategy(rule.strategy()));
      break;
    }
    case Rule::kKeep:
      if (!rule.keep()) {
        return absl::InvalidArgumentError(
            "keep: false is not an action; set a strategy, or keep: true");
      }
      compiled.keep = true;
      break;
    case Rule::ACTION_NOT_SET:
      return absl::InvalidArgumentError(
          "no action: set a strategy (e.g. strategy: \"zeros\") or keep: "
          "true");
  }
  return compiled;
}

absl::StatusOr<std::vector<CompiledRule>> CompileConfig(
    const Config& config, absl::string_view source) {
  std::vector<CompiledRule> rules;
  for (int i = 0; i < config.rule_size(); ++i) {
    const Rule& rule = config.rule(i);
    absl::StatusOr<CompiledRule> compiled = CompileRule(rule);
    if (!compiled.ok()) {
      return absl::Status(compiled.status().code(),
                          absl::StrCat(source, ": rule ", i + 1, ": ",
                                       compiled.status().message()));
    }
    compiled->label =
        rule.name().empty()
            ? absl::StrCat("config rule ", i + 1, " (",
                           DescribeSelector(rule.select()), ")")
            : absl::StrCat("config rule ", i + 1, " \"", rule.name(), "\"");
    rules.push_back(*std::move(compiled));
  }
  return rules;
}

}  // namespace rules_internal
}  // namespace onnx_reinit
