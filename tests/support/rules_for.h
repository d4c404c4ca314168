// Rule sets for tests: --strategy / --bias_strategy as the CLI would build
// them, cached so that plan options may point at them for the whole test.
#ifndef ONNX_REINIT_TESTS_SUPPORT_RULES_FOR_H_
#define ONNX_REINIT_TESTS_SUPPORT_RULES_FOR_H_

#include <string>

#include "rules/rules.h"

namespace onnx_reinit::testing {

// Fails the test (and returns the defaults) when a strategy does not parse.
const RuleSet* RulesFor(const std::string& weight_strategy,
                        const std::string& bias_strategy);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_RULES_FOR_H_
