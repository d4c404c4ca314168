// Private to lib/strategy (and its tests): the rows of the strategy table and
// the list of nonlinearities the gain table knows. strategy/strategy.h is the
// public interface; everything there reads StrategyTable().
#ifndef ONNX_REINIT_STRATEGY_STRATEGY_TABLE_H_
#define ONNX_REINIT_STRATEGY_STRATEGY_TABLE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "strategy/distribution.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace strategy_internal {

enum class ParamKind {
  kNumber,             // any finite number
  kNonNegativeNumber,  // a finite number >= 0
  kWord,               // one of `words`
};

struct ParamDef {
  absl::string_view name;
  absl::string_view default_text;  // parsed like user text; shown in docs
  ParamKind kind = ParamKind::kNumber;
  std::vector<absl::string_view> words;  // kWord: allowed values, default first
};

// Which fans a strategy needs; DistributionFor() checks them before make().
enum class FanUse {
  kNone,
  kFanIn,
  kFanOut,
  kFanInAndOut,
  kByMode,  // fan_in or fan_out, as the "mode" parameter says
};

// Parameters arrive in the row's ParamDef order, validated and defaulted.
using Params = std::vector<Strategy::Param>;

struct StrategyRow {
  absl::string_view name;  // canonical
  std::vector<absl::string_view> aliases;
  std::vector<ParamDef> params;
  FanUse fans = FanUse::kNone;
  absl::string_view formula;  // for DescribeStrategies()
  // Checks that involve several parameters (e.g. a <= b); `written` is the
  // name the user wrote, for messages. Null when there are none.
  absl::Status (*check)(absl::string_view written, const Params& p) = nullptr;
  // The distribution for these parameters and fans; the fans `fans` names
  // are known (> 0) when it is called.
  absl::StatusOr<Distribution> (*make)(const Params& p,
                                       const Fans& fans) = nullptr;
};

// The table, in the order strategies are listed to users.
const std::vector<StrategyRow>& StrategyTable();

// The nonlinearities NonlinearityGain() accepts, in its table order (relu
// first, the default of he_*'s nonlinearity parameter).
const std::vector<absl::string_view>& NonlinearityNames();

}  // namespace strategy_internal
}  // namespace onnx_reinit

#endif  // ONNX_REINIT_STRATEGY_STRATEGY_TABLE_H_
