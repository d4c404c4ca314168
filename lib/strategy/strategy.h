// Strategies: parsing "name(k=v, ...)", the table of strategies, and turning
// a strategy plus a tensor's fans into a Distribution.
//
// The table (strategy/strategy_table.cc) is the only place a strategy is
// defined: one row = canonical name, aliases, parameters with defaults, whether
// it needs fans, and the function from (parameters, fans) to a Distribution.
//
//   uniform(a=-0.01, b=0.01)          U(a, b)
//   zeros / ones / constant(value=0)  fill
//   random_sign(value=0.01)           ±value, probability 1/2 each (σ=value);
//                                     alias small
//   normal(mean=0, std=0.1)           N(mean, std²)
//   xavier_uniform(gain=1)            U(±gain·√(6/(fi+fo)));  glorot_uniform
//   xavier_normal(gain=1)             N(0, gain²·2/(fi+fo));  glorot_normal
//   he_uniform(mode, nonlinearity, negative_slope)
//                                     U(±gain·√(3/fan));      kaiming_uniform
//   he_normal(mode, nonlinearity, negative_slope)
//                                     N(0, gain²/fan);        kaiming_normal
//       mode = fan_in (default) | fan_out; nonlinearity = relu (default) |
//       linear | leaky_relu | tanh | sigmoid | selu; negative_slope = 0
//   lecun_uniform                     U(±√(3/fi))
//   lecun_normal                      N(0, 1/fi)
//   fan_in_uniform                    U(±1/√fi): torch's Linear/Conv default;
//                                     for a bias, fi is its weight's fan_in
//   fan_out_uniform                   U(±1/√fo): torch's LSTM/GRU/RNN default;
//                                     fo is the hidden size
//   truncated_normal(mean=0, std=1, a=-2, b=2, bounds=absolute)
//                                     N(mean, std²) conditioned on [a, b]
//                                     (torch trunc_normal_: absolute bounds)
//                                     or, bounds=sigma, on [mean + a·std,
//                                     mean + b·std] (JAX truncated_normal);
//                                     std > 0, a < b
//   variance_scaling(scale=1, mode=fan_in, distribution=truncated_normal)
//                                     var = scale/n, n = fi | fo | (fi+fo)/2 |
//                                     √(fi·fo) for mode = fan_in | fan_out |
//                                     fan_avg | fan_geo_avg; distribution =
//                                     truncated_normal: N(0, σ²) on ±2σ with
//                                     σ = √var / 0.87962566103423978 (its std
//                                     is √var) | untruncated_normal: N(0, var)
//                                     | uniform: U(±√(3·var)) (Keras
//                                     VarianceScaling)
//   keep                              writes nothing: the tensor keeps its
//                                     values (keeps(); no distribution)
//
// xavier_normal, he_normal and lecun_normal take flavor = torch (default:
// untruncated, as above) | keras (the same target std s through
// variance_scaling's truncated_normal: N(0, (s/0.8796...)²) on
// ±2·s/0.8796..., as Keras GlorotNormal / HeNormal / LecunNormal). ToString()
// shows flavor only when it is keras.
#ifndef ONNX_REINIT_STRATEGY_STRATEGY_H_
#define ONNX_REINIT_STRATEGY_STRATEGY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "strategy/distribution.h"

namespace onnx_reinit {

// Canonical name of the strategy that leaves values as they are.
inline constexpr char kKeepStrategyName[] = "keep";

// A strategy as written by a user: name and raw key=value parameters.
struct StrategySpec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;
};

// Parses "name", "name()" or "name(k=v, k2=v2)"; whitespace around tokens is
// ignored. InvalidArgument (quoting the text) on malformed syntax or a
// repeated key. Does not check the name or keys against the table.
[[nodiscard]] absl::StatusOr<StrategySpec> ParseStrategySpec(
    std::string_view text);

// Fans of the tensor a strategy is applied to; 0 means unknown.
struct Fans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
  // Graph facts the depth-aware strategies use (graph/residual.h): the
  // tensor is the output projection of a residual branch (gpt2), it ends a
  // residual branch (zero_residual_branch); the number of transformer layers
  // counted from the graph (0 = unknown).
  bool residual_projection = false;
  bool residual_branch_end = false;
  int64_t n_layers = 0;
};

// A strategy with its name resolved (aliases mapped to the canonical name) and
// every parameter validated and filled with its default.
class Strategy {
 public:
  struct Param {
    std::string name;
    std::string text;   // as shown, e.g. "0.02" or "fan_in"
    double number = 0;  // numeric parameters only
  };

  const std::string& name() const { return name_; }
  const std::vector<Param>& params() const { return params_; }
  // True when the distribution depends on fan_in and/or fan_out.
  bool needs_fans() const;
  // True for "keep": the tensor's values are left as they are, and there is
  // no distribution to sample.
  bool keeps() const;
  // "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)"; "zeros";
  // every parameter in table order, except a flavor at its default (torch).
  std::string ToString() const;

  // The distribution for a tensor with these fans. FailedPrecondition when
  // the strategy needs a fan that is 0 (unknown), and for keep:
  // "strategy \"keep\" writes no values".
  [[nodiscard]] absl::StatusOr<Distribution> DistributionFor(
      const Fans& fans) const;

 private:
  friend absl::StatusOr<Strategy> ResolveStrategy(const StrategySpec& spec);
  int row_ = 0;
  std::string name_;
  std::vector<Param> params_;
};

// Validates a spec against the table. InvalidArgument for an unknown strategy
// (listing the known names), an unknown parameter (listing the accepted ones),
// a value that is not a finite number or not one of the allowed words, or a
// value out of range (e.g. std < 0, a > b, an unknown nonlinearity, a
// truncated_normal interval more than 36 std from its mean).
[[nodiscard]] absl::StatusOr<Strategy> ResolveStrategy(
    const StrategySpec& spec);

// Parse + resolve in one step.
[[nodiscard]] absl::StatusOr<Strategy> ParseStrategy(std::string_view text);

// One line per strategy for --help and docs:
// "name(params) aliases: ... — formula".
std::vector<std::string> DescribeStrategies();

// torch.nn.init.calculate_gain: linear, sigmoid -> 1; tanh -> 5/3;
// relu -> sqrt(2); leaky_relu -> sqrt(2 / (1 + negative_slope^2)); selu -> 3/4.
// InvalidArgument for any other name.
[[nodiscard]] absl::StatusOr<double> NonlinearityGain(
    std::string_view nonlinearity, double negative_slope);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_STRATEGY_H_
