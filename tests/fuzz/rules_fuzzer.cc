// Fuzz target: the rule and strategy parsers (lib/rules/rules.h,
// lib/strategy/strategy.h) on any text.
//
// The whole input goes through ParseStrategySpec, ParseStrategy,
// ParseRuleText and ParseProfile; its lines (at most 16) are then --rule
// values, and its first line also --strategy and --bias_strategy, of a
// RuleSet::Build that, when it succeeds, chooses a rule for a tensor of
// every known role and scope. Invariants beyond "no crash":
//   * every error is InvalidArgument (the headers' only parse error);
//   * a parsed strategy prints (ToString) as text that parses back to the
//     same text;
//   * its distribution for fans from 1 to 2^63-1 (including fan_in +
//     fan_out > 2^63-1) is an error or has no NaN target (mean, std,
//     bound).
// Seeds: tests/fuzz/seeds/rules/. Dictionary: onnx.dict.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "fuzz_support.h"
#include "rules/rules.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace {

void CheckError(const absl::Status& status) {
  ONNX_REINIT_FUZZ_CHECK(
      status.ok() || status.code() == absl::StatusCode::kInvalidArgument,
      status.ToString());
}

void CheckStrategy(const Strategy& strategy) {
  const std::string text = strategy.ToString();
  const absl::StatusOr<Strategy> again = ParseStrategy(text);
  ONNX_REINIT_FUZZ_CHECK(again.ok(), "\"", text,
                         "\" does not parse back: ", again.status().ToString());
  ONNX_REINIT_FUZZ_CHECK(again->ToString() == text, "\"", text,
                         "\" parses back as \"", again->ToString(), "\"");
  if (strategy.keeps()) return;
  constexpr int64_t kMax = INT64_MAX;
  const int64_t fans[][2] = {{1, 1},    {3, 5},    {1 << 20, 7},
                             {kMax, 1}, {1, kMax}, {kMax, kMax}};
  for (const auto& [in, out] : fans) {
    Fans f;
    f.fan_in = in;
    f.fan_out = out;
    f.n_layers = 12;
    const absl::StatusOr<Distribution> d = strategy.DistributionFor(f);
    if (!d.ok()) continue;
    ONNX_REINIT_FUZZ_CHECK(
        !std::isnan(d->TargetMean()) && !std::isnan(d->TargetStd()) &&
            !std::isnan(d->TargetBound()),
        "\"", text, "\" with fans ", in, ", ", out, " has a NaN target");
  }
}

void BuildAndChoose(const std::vector<std::string>& lines) {
  RuleOptions options;
  options.cli_rules = lines;
  if (!lines.empty()) {
    options.weight_strategy = lines.front();
    options.bias_strategy = lines.back();
  }
  absl::StatusOr<RuleSet> rules = RuleSet::Build(options);
  if (!rules.ok()) {
    // A first line that is no strategy: the rules alone.
    options.weight_strategy.reset();
    options.bias_strategy.reset();
    rules = RuleSet::Build(options);
  }
  CheckError(rules.status());
  if (!rules.ok()) return;
  TensorFacts facts;
  facts.name = lines.empty() ? "w" : lines.front();
  facts.op_type = "Conv";
  facts.dtype = 1;
  facts.rank = 4;
  facts.element_count = 64;
  CheckEveryRoleAndScopeIsChosen(*rules, facts);
}

}  // namespace
}  // namespace onnx_reinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onnx_reinit;  // NOLINT: a fuzz entry point
  const std::string text(reinterpret_cast<const char*>(data), size);

  CheckError(ParseStrategySpec(text).status());
  const absl::StatusOr<Strategy> strategy = ParseStrategy(text);
  CheckError(strategy.status());
  if (strategy.ok()) CheckStrategy(*strategy);
  CheckError(ParseRuleText(text).status());
  CheckError(ParseProfile(text).status());

  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (lines.size() > 16) lines.resize(16);
  BuildAndChoose(lines);
  return 0;
}
