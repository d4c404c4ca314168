// NonlinearityGain: torch.nn.init.calculate_gain as a small table.
#include <cmath>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "strategy/strategy.h"
#include "strategy/strategy_table.h"

namespace onnx_reinit {
namespace {

struct GainRow {
  absl::string_view name;
  double (*gain)(double negative_slope);
};

// relu first: it is the default nonlinearity of he_uniform / he_normal.
constexpr GainRow kGains[] = {
    {"relu", [](double) { return std::sqrt(2.0); }},
    {"linear", [](double) { return 1.0; }},
    {"leaky_relu", [](double ns) { return std::sqrt(2.0 / (1.0 + ns * ns)); }},
    {"tanh", [](double) { return 5.0 / 3.0; }},
    {"sigmoid", [](double) { return 1.0; }},
    {"selu", [](double) { return 0.75; }},
};

}  // namespace

namespace strategy_internal {

const std::vector<absl::string_view>& NonlinearityNames() {
  static const auto* const names = [] {
    auto* v = new std::vector<absl::string_view>;
    for (const GainRow& row : kGains) v->push_back(row.name);
    return v;
  }();
  return *names;
}

}  // namespace strategy_internal

absl::StatusOr<double> NonlinearityGain(std::string_view name,
                                        double negative_slope) {
  // Debian's Abseil has its own string_view type, so convert once here.
  const absl::string_view nonlinearity(name.data(), name.size());
  for (const GainRow& row : kGains) {
    if (row.name == nonlinearity) return row.gain(negative_slope);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown nonlinearity \"", nonlinearity, "\"; known: ",
      absl::StrJoin(strategy_internal::NonlinearityNames(), ", ")));
}

}  // namespace onnx_reinit
