// THE strategy table: the only place a strategy is defined. One row =
// canonical name, aliases, parameters (name, default, kind, allowed words),
// the fans it needs, a formula for docs, an optional cross-parameter check,
// and the function from (parameters, fans) to a Distribution. Formulas are
// those of strategy/strategy.h (torch.nn.init conventions).
#include "strategy/strategy_table.h"

#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace strategy_internal {
namespace {

using Make = absl::StatusOr<Distribution>;

// Symmetric U(-bound, bound).
Distribution Symmetric(double bound) {
  return Distribution::Uniform(-bound, bound);
}

double FanIn(const Fans& f) { return static_cast<double>(f.fan_in); }
double FanOut(const Fans& f) { return static_cast<double>(f.fan_out); }
double FanInPlusOut(const Fans& f) {
  return static_cast<double>(f.fan_in) + static_cast<double>(f.fan_out);
}

// he_*: p = {mode, nonlinearity, negative_slope}; fan is fan_in or fan_out.
double HeFan(const Params& p, const Fans& f) {
  return static_cast<double>(p[0].text == "fan_out" ? f.fan_out : f.fan_in);
}

absl::Status CheckUniform(absl::string_view written, const Params& p) {
  if (p[0].number <= p[1].number) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "strategy \"", written,
      "\": parameter \"a\" must be <= parameter \"b\", got a=", p[0].text,
      ", b=", p[1].text));
}

std::vector<ParamDef> HeParams() {
  return {
      {"mode", "fan_in", ParamKind::kWord, {"fan_in", "fan_out"}},
      {"nonlinearity", "relu", ParamKind::kWord, NonlinearityNames()},
      {"negative_slope", "0", ParamKind::kNumber, {}},
  };
}

std::vector<StrategyRow> BuildTable() {
  std::vector<StrategyRow> t;
  t.push_back({"uniform",
               {},
               {{"a", "-0.01", ParamKind::kNumber, {}},
                {"b", "0.01", ParamKind::kNumber, {}}},
               FanUse::kNone,
               "U(a, b), a <= b",
               CheckUniform,
               [](const Params& p, const Fans&) -> Make {
                 return Distribution::Uniform(p[0].number, p[1].number);
               }});
  t.push_back({"zeros",
               {},
               {},
               FanUse::kNone,
               "every value 0",
               nullptr,
               [](const Params&, const Fans&) -> Make {
                 return Distribution::Constant(0);
               }});
  t.push_back({"ones",
               {},
               {},
               FanUse::kNone,
               "every value 1",
               nullptr,
               [](const Params&, const Fans&) -> Make {
                 return Distribution::Constant(1);
               }});
  t.push_back({"constant",
               {},
               {{"value", "0", ParamKind::kNumber, {}}},
               FanUse::kNone,
               "every value = value",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 return Distribution::Constant(p[0].number);
               }});
  t.push_back({"random_sign",
               {"small"},
               {{"value", "0.01", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kNone,
               "+value or -value with probability 1/2 each (std = value)",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 return Distribution::RandomSign(p[0].number);
               }});
  t.push_back({"normal",
               {},
               {{"mean", "0", ParamKind::kNumber, {}},
                {"std", "0.1", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kNone,
               "N(mean, std²)",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 return Distribution::Normal(p[0].number, p[1].number);
               }});
  t.push_back({"xavier_uniform",
               {"glorot_uniform"},
               {{"gain", "1", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kFanInAndOut,
               "U(±gain·√(6/(fan_in+fan_out)))",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 return Symmetric(p[0].number *
                                  std::sqrt(6.0 / FanInPlusOut(f)));
               }});
  t.push_back({"xavier_normal",
               {"glorot_normal"},
               {{"gain", "1", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kFanInAndOut,
               "N(0, gain²·2/(fan_in+fan_out))",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 return Distribution::Normal(
                     0, p[0].number * std::sqrt(2.0 / FanInPlusOut(f)));
               }});
  t.push_back({"he_uniform",
               {"kaiming_uniform"},
               HeParams(),
               FanUse::kByMode,
               "U(±gain·√(3/fan)), fan by mode, gain of the nonlinearity",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 ASSIGN_OR_RETURN(const double gain,
                                  NonlinearityGain(p[1].text, p[2].number));
                 const double fan = HeFan(p, f);
                 return Symmetric(gain * std::sqrt(3.0 / fan));
               }});
  t.push_back({"he_normal",
               {"kaiming_normal"},
               HeParams(),
               FanUse::kByMode,
               "N(0, gain²/fan), fan by mode, gain of the nonlinearity",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 ASSIGN_OR_RETURN(const double gain,
                                  NonlinearityGain(p[1].text, p[2].number));
                 const double fan = HeFan(p, f);
                 return Distribution::Normal(0, gain / std::sqrt(fan));
               }});
  t.push_back({"lecun_uniform",
               {},
               {},
               FanUse::kFanIn,
               "U(±√(3/fan_in))",
               nullptr,
               [](const Params&, const Fans& f) -> Make {
                 return Symmetric(std::sqrt(3.0 / FanIn(f)));
               }});
  t.push_back({"lecun_normal",
               {},
               {},
               FanUse::kFanIn,
               "N(0, 1/fan_in)",
               nullptr,
               [](const Params&, const Fans& f) -> Make {
                 return Distribution::Normal(0, std::sqrt(1.0 / FanIn(f)));
               }});
  t.push_back({"fan_in_uniform",
               {},
               {},
               FanUse::kFanIn,
               "U(±1/√fan_in), torch's Linear/Conv default (a bias uses its "
               "weight's fan_in)",
               nullptr,
               [](const Params&, const Fans& f) -> Make {
                 return Symmetric(1.0 / std::sqrt(FanIn(f)));
               }});
  // torch's LSTM/GRU/RNN reset_parameters: U(±1/√hidden_size) for every
  // parameter; the planner gives each recurrent tensor fan_out = hidden size.
  t.push_back({"fan_out_uniform",
               {},
               {},
               FanUse::kFanOut,
               "U(±1/√fan_out), torch's LSTM/GRU/RNN default (fan_out = "
               "hidden size)",
               nullptr,
               [](const Params&, const Fans& f) -> Make {
                 return Symmetric(1.0 / std::sqrt(FanOut(f)));
               }});
  return t;
}

}  // namespace

const std::vector<StrategyRow>& StrategyTable() {
  static const auto* const table = new std::vector<StrategyRow>(BuildTable());
  return *table;
}

}  // namespace strategy_internal
}  // namespace onnx_reinit
