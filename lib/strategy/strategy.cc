// Strategy resolution, description and per-tensor distributions, all read
// from the table in strategy/strategy_table.cc.
#include "strategy/strategy.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "strategy/strategy_table.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

using strategy_internal::FanUse;
using strategy_internal::ParamDef;
using strategy_internal::ParamKind;
using strategy_internal::StrategyRow;
using strategy_internal::StrategyTable;

// Shortest "%.*g" form that reads back as exactly `x`: 0.02 -> "0.02",
// 1 -> "1", 1e-05 -> "1e-05".
std::string FormatNumber(double x) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

// Index of the row named `name` (canonical or alias), or -1.
int FindRow(absl::string_view name) {
  const std::vector<StrategyRow>& table = StrategyTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].name == name) return static_cast<int>(i);
    for (absl::string_view alias : table[i].aliases) {
      if (alias == name) return static_cast<int>(i);
    }
  }
  return -1;
}

std::string KnownNames() {
  std::vector<absl::string_view> names;
  for (const StrategyRow& row : StrategyTable()) names.push_back(row.name);
  return absl::StrJoin(names, ", ");
}

// Validates one parameter's text against its definition.
absl::StatusOr<Strategy::Param> ParseParam(absl::string_view written,
                                           const ParamDef& def,
                                           absl::string_view text) {
  Strategy::Param param;
  param.name = std::string(def.name);
  const auto error = [&](absl::string_view must_be) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy \"", written, "\": parameter \"", def.name,
                     "\" must be ", must_be, ", got \"", text, "\""));
  };
  switch (def.kind) {
    case ParamKind::kWord:
      for (absl::string_view word : def.words) {
        if (word == text) {
          param.text = std::string(text);
          return param;
        }
      }
      return error(
          absl::StrCat("one of {", absl::StrJoin(def.words, ", "), "}"));
    case ParamKind::kNumber:
    case ParamKind::kNonNegativeNumber: {
      const bool non_negative = def.kind == ParamKind::kNonNegativeNumber;
      double x = 0;
      if (!absl::SimpleAtod(text, &x) || !std::isfinite(x) ||
          (non_negative && !(x >= 0))) {
        return error(non_negative ? "a number >= 0" : "a finite number");
      }
      if (x == 0) x = 0;  // "-0" -> 0, so ToString shows "0"
      param.number = x;
      param.text = FormatNumber(x);
      return param;
    }
  }
  return error("valid");
}

// The fans `use` needs, by name and value, for this strategy's parameters.
std::vector<std::pair<absl::string_view, int64_t>> NeededFans(
    FanUse use, const std::vector<Strategy::Param>& params, const Fans& fans) {
  switch (use) {
    case FanUse::kNone:
      return {};
    case FanUse::kFanIn:
      return {{"fan_in", fans.fan_in}};
    case FanUse::kFanOut:
      return {{"fan_out", fans.fan_out}};
    case FanUse::kFanInAndOut:
      return {{"fan_in", fans.fan_in}, {"fan_out", fans.fan_out}};
    case FanUse::kByMode:
      // mode = fan_in or fan_out: that fan; fan_avg, fan_geo_avg: both.
      for (const Strategy::Param& p : params) {
        if (p.name != "mode") continue;
        if (p.text == "fan_in") return {{"fan_in", fans.fan_in}};
        if (p.text == "fan_out") return {{"fan_out", fans.fan_out}};
        return {{"fan_in", fans.fan_in}, {"fan_out", fans.fan_out}};
      }
      return {{"fan_in", fans.fan_in}};
  }
  return {};
}

// Parameters that ToString() shows only when they differ from their default:
// ones added to a strategy after its canonical text was in use, so that the
// canonical text (reports, plans, tests) of every existing use stays the same.
constexpr absl::string_view kShownOnlyWhenSet[] = {"flavor"};

bool ShownInCanonicalText(const ParamDef& def, const Strategy::Param& p) {
  for (absl::string_view name : kShownOnlyWhenSet) {
    if (def.name == name) return p.text != def.default_text;
  }
  return true;
}

}  // namespace

absl::StatusOr<Strategy> ResolveStrategy(const StrategySpec& spec) {
  const int row_index = FindRow(spec.name);
  if (row_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown strategy \"", spec.name, "\"; known: ", KnownNames()));
  }
  const StrategyRow& row = StrategyTable()[row_index];

  // Every given key must be a parameter of the row, given once.
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const std::string& key = spec.params[i].first;
    bool known = false;
    for (const ParamDef& def : row.params) known = known || def.name == key;
    if (!known) {
      std::vector<absl::string_view> accepted;
      for (const ParamDef& def : row.params) accepted.push_back(def.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "strategy \"", spec.name, "\": unknown parameter \"", key, "\"; ",
          accepted.empty()
              ? std::string("it takes no parameters")
              : absl::StrCat("accepted: ", absl::StrJoin(accepted, ", "))));
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec.params[j].first == key) {
        return absl::InvalidArgumentError(absl::StrCat("strategy \"", spec.name,
                                                       "\": parameter \"", key,
                                                       "\" given twice"));
      }
    }
  }

  Strategy strategy;
  strategy.row_ = row_index;
  strategy.name_ = std::string(row.name);
  for (const ParamDef& def : row.params) {
    absl::string_view text = def.default_text;
    for (const auto& [key, value] : spec.params) {
      if (key == def.name) text = value;
    }
    ONNX_REINIT_ASSIGN_OR_RETURN(Strategy::Param param,
                                 ParseParam(spec.name, def, text));
    strategy.params_.push_back(std::move(param));
  }
  if (row.check != nullptr) {
    ONNX_REINIT_RETURN_IF_ERROR(row.check(spec.name, strategy.params_));
  }
  return strategy;
}

absl::StatusOr<Strategy> ParseStrategy(std::string_view text) {
  ONNX_REINIT_ASSIGN_OR_RETURN(const StrategySpec spec,
                               ParseStrategySpec(text));
  return ResolveStrategy(spec);
}

bool Strategy::needs_fans() const {
  return StrategyTable()[row_].fans != FanUse::kNone;
}

bool Strategy::keeps() const {
  return StrategyTable()[row_].name == kKeepStrategyName;
}

std::string Strategy::ToString() const {
  const StrategyRow& row = StrategyTable()[row_];
  std::vector<std::string> parts;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    if (i < row.params.size() && !ShownInCanonicalText(row.params[i], p)) {
      continue;
    }
    parts.push_back(p.name + "=" + p.text);
  }
  if (parts.empty()) return name_;
  return absl::StrCat(name_, "(", absl::StrJoin(parts, ", "), ")");
}

absl::StatusOr<Distribution> Strategy::DistributionFor(const Fans& fans) const {
  const StrategyRow& row = StrategyTable()[row_];
  if (name_ != row.name || params_.size() != row.params.size()) {
    // A default-constructed Strategy, not one from ResolveStrategy().
    return absl::FailedPreconditionError(
        "strategy was not resolved (use ParseStrategy or ResolveStrategy)");
  }
  const auto needed = NeededFans(row.fans, params_, fans);
  std::vector<absl::string_view> names;
  std::vector<absl::string_view> bad;
  std::vector<std::string> bad_values;
  for (const auto& [fan_name, value] : needed) {
    names.push_back(fan_name);
    if (value <= 0) {
      bad.push_back(fan_name);
      bad_values.push_back(absl::StrCat(fan_name, "=", value));
    }
  }
  if (!bad.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "strategy \"", name_, "\" needs ", absl::StrJoin(names, " and "),
        ", but this tensor's ", absl::StrJoin(bad, " and "),
        bad.size() == 1 ? " is" : " are", " unknown (",
        absl::StrJoin(bad_values, ", "), ")"));
  }
  return row.make(params_, fans);
}

std::vector<std::string> DescribeStrategies() {
  std::vector<std::string> lines;
  for (const StrategyRow& row : StrategyTable()) {
    std::string line(row.name);
    if (!row.params.empty()) {
      std::vector<std::string> params;
      for (const ParamDef& def : row.params) {
        params.push_back(
            def.kind == ParamKind::kWord
                ? absl::StrCat(def.name, "=", absl::StrJoin(def.words, "|"))
                : absl::StrCat(def.name, "=", def.default_text));
      }
      absl::StrAppend(&line, "(", absl::StrJoin(params, ", "), ")");
    }
    if (!row.aliases.empty()) {
      absl::StrAppend(&line, " aliases: ", absl::StrJoin(row.aliases, ", "));
    }
    absl::StrAppend(&line, " — ", row.formula);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace onnx_reinit
