#include "support/rules_for.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "gtest/gtest.h"

namespace onnx_reinit::testing {

const RuleSet* RulesFor(const std::string& weight_strategy,
                        const std::string& bias_strategy) {
  static std::mutex mu;
  static auto* cache = new std::map<std::pair<std::string, std::string>,
                                    std::unique_ptr<RuleSet>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*cache)[{weight_strategy, bias_strategy}];
  if (!slot) {
    RuleOptions options;
    options.weight_strategy = weight_strategy;
    options.bias_strategy = bias_strategy;
    absl::StatusOr<RuleSet> rules = RuleSet::Build(options);
    EXPECT_TRUE(rules.ok()) << rules.status();
    if (!rules.ok()) rules = RuleSet::Build(RuleOptions{});
    slot = std::make_unique<RuleSet>(*std::move(rules));
  }
  return slot.get();
}

}  // namespace onnx_reinit::testing
