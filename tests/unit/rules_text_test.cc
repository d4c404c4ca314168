// The --rule syntax: 'SELECTOR:STRATEGY', what each form parses to, and the
// exact message for each mistake.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "rules/rules.h"

namespace onnx_reinit {
namespace {

// The parsed rule in protobuf text format, on one line.
std::string Parsed(const std::string& text) {
  const absl::StatusOr<Rule> rule = ParseRuleText(text);
  EXPECT_TRUE(rule.ok()) << text << ": " << rule.status();
  if (!rule.ok()) return "";
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string out;
  printer.PrintToString(*rule, &out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void ExpectError(const std::string& text, const std::string& message) {
  const absl::StatusOr<Rule> rule = ParseRuleText(text);
  ASSERT_FALSE(rule.ok()) << text;
  EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(rule.status().message(), message) << text;
}

// ---- valid forms ------------------------------------------------------------

TEST(RuleTextTest, ParsesTheDocumentedExamples) {
  EXPECT_EQ(Parsed("role=embedding:normal(std=0.02)"),
            "select { role: \"embedding\" } strategy: \"normal(std=0.02)\"");
  EXPECT_EQ(Parsed("name=~^enc\\..*\\.bias$:zeros"),
            "select { name_regex: \"^enc\\\\..*\\\\.bias$\" } strategy: "
            "\"zeros\"");
  EXPECT_EQ(Parsed("op=Conv,role=weight:he_uniform"),
            "select { role: \"weight\" op_type: \"Conv\" } strategy: "
            "\"he_uniform\"");
  EXPECT_EQ(Parsed("role=norm_scale:keep"),
            "select { role: \"norm_scale\" } keep: true");
  EXPECT_EQ(Parsed("dtype=FLOAT16,min_elements=1024:xavier_uniform"),
            "select { dtype: \"FLOAT16\" min_elements: 1024 } strategy: "
            "\"xavier_uniform\"");
}

TEST(RuleTextTest, EmptyOrStarSelectorMatchesEverything) {
  EXPECT_EQ(Parsed(":zeros"), "select { } strategy: \"zeros\"");
  EXPECT_EQ(Parsed("*:zeros"), "select { } strategy: \"zeros\"");
}

TEST(RuleTextTest, SplitsSeveralValuesOfOneKeyAtBars) {
  EXPECT_EQ(Parsed("role=bias|recurrent_bias,scope=main|subgraph:zeros"),
            "select { role: \"bias\" role: \"recurrent_bias\" scope: \"main\" "
            "scope: \"subgraph\" } strategy: \"zeros\"");
  EXPECT_EQ(Parsed("dtype=FLOAT|DOUBLE,op=Gemm|MatMul:ones"),
            "select { op_type: \"Gemm\" op_type: \"MatMul\" dtype: \"FLOAT\" "
            "dtype: \"DOUBLE\" } strategy: \"ones\"");
}

TEST(RuleTextTest, ExactNamesBecomeQuotedAlternatives) {
  EXPECT_EQ(Parsed("name=fc.weight|fc.bias:zeros"),
            "select { name_regex: \"fc\\\\.weight|fc\\\\.bias\" } strategy: "
            "\"zeros\"");
}

TEST(RuleTextTest, RankAndMinElementsAreWholeNumbers) {
  EXPECT_EQ(Parsed("rank=0:ones"), "select { rank: 0 } strategy: \"ones\"");
  EXPECT_EQ(Parsed("min_elements=18446744073709551615:ones"),
            "select { min_elements: 18446744073709551615 } strategy: \"ones\"");
}

TEST(RuleTextTest, StrategyIsAfterTheLastColonOutsideParentheses) {
  // The regex may contain ':' (also inside a group).
  EXPECT_EQ(Parsed("name=~ns:layer(?::x)?:zeros"),
            "select { name_regex: \"ns:layer(?::x)?\" } strategy: \"zeros\"");
  // A ':' inside the strategy's parentheses does not split.
  const absl::StatusOr<Rule> rule =
      ParseRuleText("role=weight:normal(std=1:2)");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.status().message(),
            "strategy \"normal\": parameter \"std\" must be a number >= 0, "
            "got \"1:2\"");
}

TEST(RuleTextTest, RegexValueMayContainCommasAndBars) {
  EXPECT_EQ(Parsed("name=~l{1,3}|m,role=weight:ones"),
            "select { role: \"weight\" name_regex: \"l{1,3}|m\" } strategy: "
            "\"ones\"");
}

TEST(RuleTextTest, IgnoresWhitespaceAroundTokens) {
  EXPECT_EQ(Parsed("  role = bias | norm_bias , op = Conv :  zeros "),
            "select { role: \"bias\" role: \"norm_bias\" op_type: \"Conv\" } "
            "strategy: \"zeros\"");
}

TEST(RuleTextTest, DescribeSelectorWritesRuleSyntaxInKeyOrder) {
  const absl::StatusOr<Rule> rule = ParseRuleText(
      "scope=main,min_elements=5,rank=2,dtype=FLOAT,name=~a.*,op=Conv,"
      "role=weight|bias:zeros");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(DescribeSelector(rule->select()),
            "role=weight|bias,op=Conv,name=~a.*,dtype=FLOAT,rank=2,"
            "min_elements=5,scope=main");
  EXPECT_EQ(DescribeSelector(Selector()), "*");
}

// ---- errors
// -------------------------------------------------------------------

TEST(RuleTextTest, RejectsTextWithoutSeparator) {
  ExpectError("role=weight",
              "expected SELECTOR:STRATEGY (e.g. "
              "role=embedding:normal(std=0.02) or *:zeros), found no ':' "
              "outside parentheses");
}

TEST(RuleTextTest, RejectsAnEmptyStrategy) {
  ExpectError("role=weight: ",
              "no strategy after ':'; give a strategy (e.g. zeros) or keep");
}

TEST(RuleTextTest, RejectsUnknownKeysListingTheKnownOnes) {
  ExpectError("rol=weight:zeros",
              "unknown key \"rol\"; known: role, op, name, dtype, rank, "
              "min_elements, scope");
  ExpectError("op_type=Conv:zeros",
              "unknown key \"op_type\"; known: role, op, name, dtype, rank, "
              "min_elements, scope");
}

TEST(RuleTextTest, RejectsItemsThatAreNotKeyValue) {
  ExpectError("weight:zeros",
              "selector item \"weight\" is not KEY=VALUE (keys: role, op, "
              "name, dtype, rank, min_elements, scope)");
  ExpectError("role=weight,Conv:zeros",
              "selector item \"Conv\" is not KEY=VALUE (keys: role, op, "
              "name, dtype, rank, min_elements, scope)");
}

TEST(RuleTextTest, RejectsEmptyItemsAndValues) {
  ExpectError("role=weight,,op=Conv:zeros",
              "empty selector item; separate KEY=VALUE items with one ',' "
              "(e.g. role=embedding:normal(std=0.02))");
  ExpectError("role=weight,:zeros",
              "empty selector item; separate KEY=VALUE items with one ',' "
              "(e.g. role=embedding:normal(std=0.02))");
  ExpectError("role=:zeros", "empty value for key \"role\"");
  ExpectError("role=bias|:zeros", "empty value for key \"role\"");
  ExpectError("name=~:zeros", "empty value for key \"name\" (=~)");
}

TEST(RuleTextTest, RejectsARepeatedKey) {
  const std::string message =
      "key \"role\" given twice; give several values with '|' (e.g. "
      "role=bias|recurrent_bias)";
  ExpectError("role=bias,role=recurrent_bias:zeros", message);
  ExpectError("name=a,name=~b.*:zeros",
              "key \"name\" given twice; give several values with '|' (e.g. "
              "role=bias|recurrent_bias)");
}

TEST(RuleTextTest, RejectsRegexOperatorOnOtherKeys) {
  ExpectError("role=~w.*:zeros",
              "key \"role\" does not take =~ (only name=~REGEX does)");
}

TEST(RuleTextTest, RejectsUnknownRoleScopeAndDtype) {
  ExpectError("role=embeding:zeros",
              "unknown role \"embeding\"; known: weight, bias, embedding, "
              "recurrent_input, recurrent_hidden, recurrent_bias, "
              "recurrent_peephole, norm_scale, norm_bias, running_mean, "
              "running_var, prelu_slope, positional_embedding, class_token, "
              "layer_scale, not_weight");
  ExpectError("scope=graph:zeros",
              "unknown scope \"graph\"; known: main, subgraph, function, "
              "training");
  ExpectError("dtype=FP16:zeros",
              "unknown dtype \"FP16\"; known: FLOAT, UINT8, INT8, UINT16, "
              "INT16, INT32, INT64, STRING, BOOL, FLOAT16, DOUBLE, UINT32, "
              "UINT64, COMPLEX64, COMPLEX128, BFLOAT16");
}

TEST(RuleTextTest, RejectsBadNumbers) {
  ExpectError("rank=-1:zeros", "rank must be a whole number >= 0, got \"-1\"");
  ExpectError("rank=2|3:zeros",
              "rank must be a whole number >= 0, got \"2|3\"");
  ExpectError("min_elements=1e3:zeros",
              "min_elements must be a whole number >= 0, got \"1e3\"");
  ExpectError("min_elements=18446744073709551616:zeros",
              "min_elements must be a whole number >= 0, got "
              "\"18446744073709551616\"");
}

TEST(RuleTextTest, RejectsABadRegexWithRe2sMessage) {
  ExpectError("name=~([:zeros", "name_regex \"([\": missing ]: [");
  ExpectError("name=~a)b:zeros", "name_regex \"a)b\": unexpected ): a)b");
}

TEST(RuleTextTest, RejectsBadStrategiesWithTheStrategyMessage) {
  ExpectError("role=weight:normal(sd=1)",
              "strategy \"normal\": unknown parameter \"sd\"; accepted: "
              "mean, std");
  const absl::StatusOr<Rule> rule = ParseRuleText("role=weight:he_norml");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(std::string(rule.status().message())
                .rfind("unknown strategy \"he_norml\"; known: uniform, ", 0),
            0u)
      << rule.status();
}

}  // namespace
}  // namespace onnx_reinit
