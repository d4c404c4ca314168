// THE strategy table: the only place a strategy is defined. One row =
// canonical name, aliases, parameters (name, default, kind, allowed words),
// the fans it needs, a formula for docs, an optional cross-parameter check,
// and the function from (parameters, fans) to a Distribution. Formulas are
// those of strategy/strategy.h (torch.nn.init conventions).
#include "strategy/strategy_table.h"

#include <cmath>
#include <cstddef>
#include <utility>
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

template <typename Row, size_t N>
std::vector<absl::string_view> RowNames(const Row (&rows)[N]) {
  std::vector<absl::string_view> names;
  for (const Row& row : rows) names.push_back(row.name);
  return names;
}

// The row of `rows` named `name` (ParseParam checked that there is one).
template <typename Row, size_t N>
const Row& RowNamed(const Row (&rows)[N], absl::string_view name) {
  for (const Row& row : rows) {
    if (row.name == name) return row;
  }
  return rows[0];
}

// "must be > 0" for a parameter that the kNonNegativeNumber kind already
// holds to >= 0.
absl::Status CheckPositive(absl::string_view written,
                           const Strategy::Param& p) {
  if (p.number > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("strategy \"", written, "\": parameter \"", p.name,
                   "\" must be > 0, got \"", p.text, "\""));
}

// ---- Truncated normals ----------------------------------------------------

// Std of N(0, 1) truncated to [-2, 2]: Keras/JAX divide σ by it so that the
// truncated values have the std asked for (INIT_REFERENCE.md §3).
constexpr double kTruncatedStdAtTwoSigma = 0.87962566103423978;

// Keras's truncated_normal for a target std s: N(0, σ²), σ = s / 0.8796...,
// truncated to [-2σ, 2σ]; its std is s again. s = 0 is the point 0.
Distribution KerasTruncatedNormal(double target_std) {
  const double sigma = target_std / kTruncatedStdAtTwoSigma;
  return Distribution::TruncatedNormal(0, sigma, -2 * sigma, 2 * sigma);
}

// flavor=torch|keras of the *_normal strategies, for a target std.
struct FlavorRow {
  absl::string_view name;
  Distribution (*make)(double target_std);
};
constexpr FlavorRow kFlavors[] = {
    {"torch", [](double s) { return Distribution::Normal(0, s); }},
    {"keras", KerasTruncatedNormal},
};

ParamDef FlavorParam() {
  return {"flavor", "torch", ParamKind::kWord, RowNames(kFlavors)};
}

Distribution WithFlavor(const Strategy::Param& flavor, double target_std) {
  return RowNamed(kFlavors, flavor.text).make(target_std);
}

// truncated_normal: p = {mean, std, a, b, bounds}. bounds=absolute: [a, b];
// bounds=sigma: [mean + a·std, mean + b·std].
Distribution TruncatedNormalOf(const Params& p) {
  const double mean = p[0].number;
  const double std = p[1].number;
  const bool sigma = p[4].text == "sigma";
  const double low = sigma ? mean + p[2].number * std : p[2].number;
  const double high = sigma ? mean + p[3].number * std : p[3].number;
  return Distribution::TruncatedNormal(mean, std, low, high);
}

// Farthest the interval may lie from the mean, in std: the sampler's
// probabilities stay normal doubles (Φ(-36)·2^-53 > 2^-1022).
constexpr double kMaxTruncationDistance = 36;

absl::Status CheckTruncatedNormal(absl::string_view written, const Params& p) {
  ONNX_REINIT_RETURN_IF_ERROR(CheckPositive(written, p[1]));
  if (!(p[2].number < p[3].number)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy \"", written,
        "\": parameter \"a\" must be < parameter \"b\", got a=", p[2].text,
        ", b=", p[3].text));
  }
  const Distribution d = TruncatedNormalOf(p);
  if (!std::isfinite(d.low) || !std::isfinite(d.high)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy \"", written, "\": bounds mean + a·std = ", d.low,
        " and mean + b·std = ", d.high, " must be finite"));
  }
  const double alpha = (d.low - d.mean) / d.std;
  const double beta = (d.high - d.mean) / d.std;
  if (alpha > kMaxTruncationDistance || beta < -kMaxTruncationDistance) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy \"", written, "\": the interval [", d.low, ", ", d.high,
        "] lies more than ", kMaxTruncationDistance,
        " std from the mean (mean=", p[0].text, ", std=", p[1].text, ")"));
  }
  return absl::OkStatus();
}

// ---- variance_scaling -----------------------------------------------------

// mode: the n of var = scale / n. fan_in and fan_out need only that fan;
// the others need both (strategy.cc, NeededFans).
struct ModeRow {
  absl::string_view name;
  double (*fan)(const Fans& f);
};
constexpr ModeRow kModes[] = {
    {"fan_in", FanIn},
    {"fan_out", FanOut},
    {"fan_avg", [](const Fans& f) { return 0.5 * FanInPlusOut(f); }},
    {"fan_geo_avg",
     [](const Fans& f) { return std::sqrt(FanIn(f) * FanOut(f)); }},
};

// distribution: from the variance.
struct VarianceDistributionRow {
  absl::string_view name;
  Distribution (*make)(double variance);
};
constexpr VarianceDistributionRow kVarianceDistributions[] = {
    {"truncated_normal",
     [](double var) { return KerasTruncatedNormal(std::sqrt(var)); }},
    {"untruncated_normal",
     [](double var) { return Distribution::Normal(0, std::sqrt(var)); }},
    {"uniform", [](double var) { return Symmetric(std::sqrt(3 * var)); }},
};

// ---- Structured and depth-aware strategies -------------------------------

absl::Status CheckDirac(absl::string_view written, const Params& p) {
  const double g = p[0].number;
  if (g >= 1 && g == std::floor(g) && g < 1e9) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("strategy \"", written,
                   "\": parameter \"groups\" must be a whole number >= 1, "
                   "got \"",
                   p[0].text, "\""));
}

absl::Status CheckSparse(absl::string_view written, const Params& p) {
  if (p[0].number <= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "strategy \"", written,
      "\": parameter \"sparsity\" must be in [0, 1], got \"", p[0].text, "\""));
}

absl::Status CheckLayers(absl::string_view written, const Params& p) {
  const double n = p[1].number;
  if (n == std::floor(n) && n < 1e9) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("strategy \"", written,
                   "\": parameter \"n_layers\" must be a whole number "
                   "(0 = count from the graph), got \"",
                   p[1].text, "\""));
}

Distribution WithGain(Distribution::Structure structure, double gain) {
  Distribution d = Distribution::Structured(structure);
  d.gain = gain;
  return d;
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
  t.push_back(
      {"truncated_normal",
       {},
       {{"mean", "0", ParamKind::kNumber, {}},
        {"std", "1", ParamKind::kNonNegativeNumber, {}},
        {"a", "-2", ParamKind::kNumber, {}},
        {"b", "2", ParamKind::kNumber, {}},
        {"bounds", "absolute", ParamKind::kWord, {"absolute", "sigma"}}},
       FanUse::kNone,
       "N(mean, std²) truncated to [a, b] (bounds=absolute, torch's "
       "trunc_normal_) or [mean + a·std, mean + b·std] (bounds=sigma, "
       "JAX); std > 0, a < b",
       CheckTruncatedNormal,
       [](const Params& p, const Fans&) -> Make {
         return TruncatedNormalOf(p);
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
  t.push_back(
      {"xavier_normal",
       {"glorot_normal"},
       {{"gain", "1", ParamKind::kNonNegativeNumber, {}}, FlavorParam()},
       FanUse::kFanInAndOut,
       "N(0, s²), s = gain·√(2/(fan_in+fan_out)); flavor=keras: "
       "truncated, N(0, (s/0.8796)²) on ±2·s/0.8796",
       nullptr,
       [](const Params& p, const Fans& f) -> Make {
         return WithFlavor(p[1],
                           p[0].number * std::sqrt(2.0 / FanInPlusOut(f)));
       }});
  t.push_back({"he_uniform",
               {"kaiming_uniform"},
               HeParams(),
               FanUse::kByMode,
               "U(±gain·√(3/fan)), fan by mode, gain of the nonlinearity",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 ONNX_REINIT_ASSIGN_OR_RETURN(
                     const double gain,
                     NonlinearityGain(p[1].text, p[2].number));
                 const double fan = HeFan(p, f);
                 return Symmetric(gain * std::sqrt(3.0 / fan));
               }});
  std::vector<ParamDef> he_normal_params = HeParams();
  he_normal_params.push_back(FlavorParam());
  t.push_back({"he_normal",
               {"kaiming_normal"},
               std::move(he_normal_params),
               FanUse::kByMode,
               "N(0, s²), s = gain/√fan, fan by mode, gain of the "
               "nonlinearity; flavor=keras: truncated, N(0, (s/0.8796)²) on "
               "±2·s/0.8796",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 ONNX_REINIT_ASSIGN_OR_RETURN(
                     const double gain,
                     NonlinearityGain(p[1].text, p[2].number));
                 const double fan = HeFan(p, f);
                 return WithFlavor(p[3], gain / std::sqrt(fan));
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
               {FlavorParam()},
               FanUse::kFanIn,
               "N(0, 1/fan_in); flavor=keras: truncated, N(0, (s/0.8796)²) "
               "on ±2·s/0.8796, s = √(1/fan_in)",
               nullptr,
               [](const Params& p, const Fans& f) -> Make {
                 return WithFlavor(p[0], std::sqrt(1.0 / FanIn(f)));
               }});
  t.push_back({"variance_scaling",
               {},
               {{"scale", "1", ParamKind::kNonNegativeNumber, {}},
                {"mode", "fan_in", ParamKind::kWord, RowNames(kModes)},
                {"distribution", "truncated_normal", ParamKind::kWord,
                 RowNames(kVarianceDistributions)}},
               FanUse::kByMode,
               "var = scale/n, n = fan_in, fan_out, (fan_in+fan_out)/2 or "
               "√(fan_in·fan_out) by mode; truncated_normal: N(0, σ²) on ±2σ, "
               "σ = √var/0.8796; untruncated_normal: N(0, var); uniform: "
               "U(±√(3·var)) (Keras VarianceScaling)",
               [](absl::string_view written, const Params& p) {
                 return CheckPositive(written, p[0]);
               },
               [](const Params& p, const Fans& f) -> Make {
                 const double n = RowNamed(kModes, p[1].text).fan(f);
                 return RowNamed(kVarianceDistributions, p[2].text)
                     .make(p[0].number / n);
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
  // Not a distribution: the tensor keeps its values (Strategy::keeps()).
  t.push_back({"orthogonal",
               {},
               {{"gain", "1", ParamKind::kNumber, {}}},
               FanUse::kNone,
               "QR of an N(0, 1) matrix with the sign fix, times gain; rows = "
               "dim 0, cols = the rest (per gate block and direction for "
               "LSTM/GRU/RNN W and R)",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 return WithGain(Distribution::Structure::kOrthogonal,
                                 p[0].number);
               }});
  t.push_back({"identity",
               {"eye"},
               {{"gain", "1", ParamKind::kNumber, {}}},
               FanUse::kNone,
               "gain on the diagonal of a 2-D tensor, 0 elsewhere (partial "
               "when rectangular)",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 return WithGain(Distribution::Structure::kIdentity,
                                 p[0].number);
               }});
  t.push_back({"dirac",
               {},
               {{"groups", "1", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kNone,
               "1 at the centre tap k//2 of channel d -> d in each group, 0 "
               "elsewhere (a Conv that passes its input through)",
               CheckDirac,
               [](const Params& p, const Fans&) -> Make {
                 Distribution d =
                     Distribution::Structured(Distribution::Structure::kDirac);
                 d.groups = static_cast<int64_t>(p[0].number);
                 return d;
               }});
  t.push_back({"sparse",
               {},
               {{"sparsity", "0.1", ParamKind::kNonNegativeNumber, {}},
                {"std", "0.01", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kNone,
               "N(0, std²), then in each column exactly ⌈sparsity·rows⌉ rows "
               "set to 0 (torch's sparse_, 2-D)",
               CheckSparse,
               [](const Params& p, const Fans&) -> Make {
                 Distribution d =
                     Distribution::Structured(Distribution::Structure::kSparse);
                 d.sparsity = p[0].number;
                 d.std = p[1].number;
                 return d;
               }});
  t.push_back({"forget_bias",
               {},
               {{"value", "1", ParamKind::kNumber, {}}},
               FanUse::kNone,
               "LSTM B: value on the forget gate (ONNX order i, o, f, c) of "
               "the input bias Wb, 0 elsewhere; 0 for GRU/RNN biases",
               nullptr,
               [](const Params& p, const Fans&) -> Make {
                 Distribution d = Distribution::Structured(
                     Distribution::Structure::kForgetBias);
                 d.value = p[0].number;
                 return d;
               }});
  t.push_back({"gpt2",
               {},
               {{"std", "0.02", ParamKind::kNonNegativeNumber, {}},
                {"n_layers", "0", ParamKind::kNonNegativeNumber, {}}},
               FanUse::kNone,
               "N(0, std²); output projections of residual branches N(0, "
               "std²/(2·n_layers)), n_layers counted from the graph when 0",
               CheckLayers,
               [](const Params& p, const Fans& f) -> Make {
                 if (!f.residual_projection) {
                   return Distribution::Normal(0, p[0].number);
                 }
                 const double n = p[1].number > 0
                                      ? p[1].number
                                      : static_cast<double>(f.n_layers);
                 if (n <= 0) {
                   return absl::FailedPreconditionError(
                       "strategy \"gpt2\" needs n_layers: the graph has no "
                       "residual branches to count; give n_layers");
                 }
                 return Distribution::Normal(0, p[0].number / std::sqrt(2 * n));
               }});
  t.push_back({"zero_residual_branch",
               {},
               {},
               FanUse::kNone,
               "0 for the last Conv weight or BatchNormalization scale of each "
               "residual branch (torchvision's zero_init_residual); every "
               "other tensor gets its role's default",
               nullptr,
               [](const Params&, const Fans& f) -> Make {
                 if (f.residual_branch_end) return Distribution::Constant(0);
                 return absl::FailedPreconditionError(
                     "not the end of a residual branch");
               }});
  t.push_back({kKeepStrategyName,
               {},
               {},
               FanUse::kNone,
               "leave the values as they are (writes nothing)",
               nullptr,
               [](const Params&, const Fans&) -> Make {
                 return absl::FailedPreconditionError(
                     "strategy \"keep\" writes no values");
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
