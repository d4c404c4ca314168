// RuleSet: which rule decides a tensor, in which order the sources are
// tried, what each selector matches, the built-in defaults and profiles.
#include "rules/rules.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace {

TensorFacts Facts(const std::string& role, const std::string& name = "t",
                  const std::string& op_type = "Gemm") {
  TensorFacts facts;
  facts.name = name;
  facts.role = role;
  facts.op_type = op_type;
  facts.dtype = onnx::TensorProto::FLOAT;
  facts.rank = 2;
  facts.element_count = 64;
  facts.scope = "main";
  return facts;
}

RuleSet Build(const RuleOptions& options) {
  absl::StatusOr<RuleSet> set = RuleSet::Build(options);
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return *RuleSet::Build(RuleOptions());
  return *std::move(set);
}

RuleSet WithRules(const std::vector<std::string>& cli_rules) {
  RuleOptions options;
  options.cli_rules = cli_rules;
  return Build(options);
}

// "keep", or the chosen strategy's canonical text.
std::string Action(const RuleChoice& choice) {
  return choice.keep ? "keep" : choice.strategy.ToString();
}

std::string ActionFor(const RuleSet& set, const TensorFacts& facts) {
  return Action(set.Choose(facts));
}

void ExpectBuildError(const RuleOptions& options, absl::StatusCode code,
                      const std::string& message) {
  const absl::StatusOr<RuleSet> set = RuleSet::Build(options);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), code);
  EXPECT_EQ(set.status().message(), message);
}

Rule ConfigRule(const std::string& role, const std::string& strategy,
                const std::string& name = "") {
  Rule rule;
  if (!role.empty()) rule.mutable_select()->add_role(role);
  rule.set_strategy(strategy);
  rule.set_name(name);
  return rule;
}

constexpr char kKnownRoles[] =
    "weight, bias, embedding, recurrent_input, recurrent_hidden, "
    "recurrent_bias, recurrent_peephole, norm_scale, norm_bias, running_mean, "
    "running_var, prelu_slope, positional_embedding, class_token, layer_scale, "
    "not_weight";

// ---- first match wins, and the order of sources ----------------------------

TEST(RuleSetTest, FirstMatchingRuleWins) {
  const RuleSet set = WithRules(
      {"role=weight:zeros", "role=weight:ones", "role=bias:constant(value=2)"});
  const RuleChoice choice = set.Choose(Facts("weight"));
  EXPECT_EQ(Action(choice), "zeros");
  EXPECT_EQ(choice.rule, "--rule 1 (role=weight)");
  EXPECT_EQ(ActionFor(set, Facts("bias")), "constant(value=2)");
}

TEST(RuleSetTest, LaterRulesDecideWhatEarlierOnesDoNotMatch) {
  const RuleSet set = WithRules({"op=Conv:zeros", "role=weight:ones"});
  EXPECT_EQ(ActionFor(set, Facts("weight", "w", "Conv")), "zeros");
  const RuleChoice gemm = set.Choose(Facts("weight", "w", "Gemm"));
  EXPECT_EQ(Action(gemm), "ones");
  EXPECT_EQ(gemm.rule, "--rule 2 (role=weight)");
}

TEST(RuleSetTest, CliRulesComeBeforeConfigRules) {
  RuleOptions options;
  options.cli_rules = {"role=weight:zeros"};
  *options.config.add_rule() = ConfigRule("weight", "ones", "w");
  *options.config.add_rule() = ConfigRule("bias", "ones");
  const RuleSet set = Build(options);
  EXPECT_EQ(set.Choose(Facts("weight")).rule, "--rule 1 (role=weight)");
  const RuleChoice bias = set.Choose(Facts("bias"));
  EXPECT_EQ(Action(bias), "ones");
  EXPECT_EQ(bias.rule, "config rule 2 (role=bias)");
}

TEST(RuleSetTest, ConfigRulesAreNamedByTheirLabelWhenTheyHaveOne) {
  RuleOptions options;
  *options.config.add_rule() = ConfigRule("bias", "ones");
  *options.config.add_rule() = ConfigRule("bias", "zeros");
  *options.config.add_rule() =
      ConfigRule("embedding", "normal(std=0.02)", "emb");
  const RuleChoice choice = Build(options).Choose(Facts("embedding"));
  EXPECT_EQ(Action(choice), "normal(mean=0, std=0.02)");
  EXPECT_EQ(choice.rule, "config rule 3 \"emb\"");
}

TEST(RuleSetTest, ConfigRulesComeBeforeStrategyFlags) {
  RuleOptions options;
  *options.config.add_rule() = ConfigRule("weight", "ones");
  options.weight_strategy = "zeros";
  EXPECT_EQ(ActionFor(Build(options), Facts("weight")), "ones");
}

TEST(RuleSetTest, StrategyFlagsCoverWeightAndRecurrentKernels) {
  RuleOptions options;
  options.weight_strategy = "xavier_uniform";
  options.bias_strategy = "constant(value=0.5)";
  const RuleSet set = Build(options);
  for (const char* role : {"weight", "recurrent_input", "recurrent_hidden"}) {
    const RuleChoice choice = set.Choose(Facts(role));
    EXPECT_EQ(Action(choice), "xavier_uniform(gain=1)") << role;
    EXPECT_EQ(choice.rule, "--strategy") << role;
  }
  for (const char* role : {"bias", "recurrent_bias"}) {
    const RuleChoice choice = set.Choose(Facts(role));
    EXPECT_EQ(Action(choice), "constant(value=0.5)") << role;
    EXPECT_EQ(choice.rule, "--bias_strategy") << role;
  }
  // Other roles keep their defaults.
  EXPECT_EQ(set.Choose(Facts("recurrent_peephole")).rule,
            "default (role=recurrent_peephole)");
  EXPECT_EQ(set.Choose(Facts("embedding")).rule, "default (role=embedding)");
}

TEST(RuleSetTest, StrategyFlagsComeBeforeTheProfile) {
  RuleOptions options;
  options.weight_strategy = "zeros";
  options.profile = Profile::kTorch;
  const RuleSet set = Build(options);
  EXPECT_EQ(set.Choose(Facts("weight")).rule, "--strategy");
  EXPECT_EQ(set.Choose(Facts("bias")).rule, "profile torch (role=bias)");
}

TEST(RuleSetTest, ProfileComesBeforeTheDefaults) {
  RuleOptions options;
  options.profile = Profile::kTorch;
  const RuleChoice choice = Build(options).Choose(Facts("weight"));
  EXPECT_EQ(Action(choice), "fan_in_uniform");
  EXPECT_EQ(choice.rule, "profile torch (role=weight)");
}

TEST(RuleSetTest, KeepRuleKeepsWithoutAStrategy) {
  const RuleChoice choice =
      WithRules({"role=norm_scale:keep"}).Choose(Facts("norm_scale"));
  EXPECT_TRUE(choice.keep);
  EXPECT_EQ(choice.rule, "--rule 1 (role=norm_scale)");
}

TEST(RuleSetTest, ChosenStrategyIsResolvedAndUsable) {
  const RuleChoice choice =
      WithRules({"role=weight:glorot_normal"}).Choose(Facts("weight"));
  ASSERT_FALSE(choice.keep);
  EXPECT_EQ(choice.strategy.name(), "xavier_normal");
  const absl::StatusOr<Distribution> d =
      choice.strategy.DistributionFor({300, 200});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_DOUBLE_EQ(d->std, std::sqrt(2.0 / 500));
}

// ---- selectors --------------------------------------------------------------

TEST(RuleSelectorTest, EmptySelectorMatchesEveryParameter) {
  for (const char* text : {"*:ones", ":ones", " * : ones "}) {
    const RuleSet set = WithRules({text});
    for (const char* role : {"weight", "bias", "embedding", "norm_scale"}) {
      const RuleChoice choice = set.Choose(Facts(role));
      EXPECT_EQ(Action(choice), "ones") << text << " " << role;
      EXPECT_EQ(choice.rule, "--rule 1 (*)");
    }
  }
}

TEST(RuleSelectorTest, NotWeightMatchesOnlyARuleThatNamesIt) {
  const RuleSet catch_all = WithRules({"*:zeros"});
  const RuleChoice kept = catch_all.Choose(Facts("not_weight", "shape"));
  EXPECT_TRUE(kept.keep);
  EXPECT_EQ(kept.rule, "default (role=not_weight)");
  EXPECT_TRUE(WithRules({"name=shape:zeros"})
                  .Choose(Facts("not_weight", "shape"))
                  .keep);

  const RuleChoice named = WithRules({"role=not_weight,name=pos_embed:zeros"})
                               .Choose(Facts("not_weight", "pos_embed"));
  EXPECT_EQ(Action(named), "zeros");
}

TEST(RuleSelectorTest, RoleMatchesAnyOfSeveralValues) {
  const RuleSet set = WithRules({"role=bias|recurrent_bias:ones"});
  EXPECT_EQ(ActionFor(set, Facts("bias")), "ones");
  EXPECT_EQ(ActionFor(set, Facts("recurrent_bias")), "ones");
  EXPECT_NE(ActionFor(set, Facts("norm_bias")), "ones");
}

TEST(RuleSelectorTest, OpTypeMatchesExactly) {
  const RuleSet set = WithRules({"op=Conv|ConvTranspose:ones"});
  EXPECT_EQ(ActionFor(set, Facts("weight", "w", "Conv")), "ones");
  EXPECT_EQ(ActionFor(set, Facts("weight", "w", "ConvTranspose")), "ones");
  EXPECT_NE(ActionFor(set, Facts("weight", "w", "conv")), "ones");
  EXPECT_NE(ActionFor(set, Facts("weight", "w", "ConvInteger")), "ones");
}

TEST(RuleSelectorTest, NameRegexMustMatchTheWholeName) {
  const RuleSet set = WithRules({"name=~enc\\..*\\.bias:ones"});
  EXPECT_EQ(ActionFor(set, Facts("bias", "enc.layer0.bias")), "ones");
  EXPECT_NE(ActionFor(set, Facts("bias", "enc.layer0.bias_extra")), "ones");
  EXPECT_NE(ActionFor(set, Facts("bias", "dec.enc.layer0.bias")), "ones");
}

TEST(RuleSelectorTest, NameRegexAlternationIsAnchoredAsAWhole) {
  const RuleSet set = WithRules({"name=~a|b.c:ones"});
  EXPECT_EQ(ActionFor(set, Facts("weight", "a")), "ones");
  EXPECT_EQ(ActionFor(set, Facts("weight", "bxc")), "ones");
  EXPECT_NE(ActionFor(set, Facts("weight", "ab.c")), "ones");
}

TEST(RuleSelectorTest, ExactNameTreatsRegexCharactersLiterally) {
  const RuleSet set = WithRules({"name=fc.weight|fc.bias:ones"});
  EXPECT_EQ(ActionFor(set, Facts("weight", "fc.weight")), "ones");
  EXPECT_EQ(ActionFor(set, Facts("bias", "fc.bias")), "ones");
  EXPECT_NE(ActionFor(set, Facts("weight", "fcXweight")), "ones");
  EXPECT_NE(ActionFor(set, Facts("weight", "fc.weight2")), "ones");
}

TEST(RuleSelectorTest, DtypeMatchesOnnxTypeNames) {
  const RuleSet set = WithRules({"dtype=FLOAT16|BFLOAT16:ones"});
  TensorFacts facts = Facts("weight");
  facts.dtype = onnx::TensorProto::FLOAT16;
  EXPECT_EQ(ActionFor(set, facts), "ones");
  facts.dtype = onnx::TensorProto::BFLOAT16;
  EXPECT_EQ(ActionFor(set, facts), "ones");
  facts.dtype = onnx::TensorProto::FLOAT;
  EXPECT_NE(ActionFor(set, facts), "ones");
}

TEST(RuleSelectorTest, RankMatchesExactlyAndZeroIsARank) {
  const RuleSet set = WithRules({"rank=4:ones", "rank=0:zeros"});
  TensorFacts facts = Facts("weight");
  facts.rank = 4;
  EXPECT_EQ(ActionFor(set, facts), "ones");
  facts.rank = 0;
  EXPECT_EQ(ActionFor(set, facts), "zeros");
  facts.rank = 2;
  EXPECT_EQ(set.Choose(facts).rule, "default (role=weight)");
}

TEST(RuleSelectorTest, MinElementsIsInclusive) {
  const RuleSet set = WithRules({"min_elements=1024:ones"});
  TensorFacts facts = Facts("weight");
  facts.element_count = 1024;
  EXPECT_EQ(ActionFor(set, facts), "ones");
  facts.element_count = 1023;
  EXPECT_NE(ActionFor(set, facts), "ones");
}

TEST(RuleSelectorTest, ScopeMatchesAnyOfItsValues) {
  const RuleSet set = WithRules({"scope=subgraph|function:ones"});
  TensorFacts facts = Facts("weight");
  for (const char* scope : {"subgraph", "function"}) {
    facts.scope = scope;
    EXPECT_EQ(ActionFor(set, facts), "ones") << scope;
  }
  for (const char* scope : {"main", "training"}) {
    facts.scope = scope;
    EXPECT_NE(ActionFor(set, facts), "ones") << scope;
  }
}

TEST(RuleSelectorTest, EveryFieldOfASelectorMustMatch) {
  const RuleSet set = WithRules(
      {"op=Conv,role=weight,dtype=FLOAT,rank=4,min_elements=10,scope=main,"
       "name=~conv.*:ones"});
  TensorFacts facts = Facts("weight", "conv1.weight", "Conv");
  facts.rank = 4;
  EXPECT_EQ(ActionFor(set, facts), "ones");
  EXPECT_EQ(set.Choose(facts).rule,
            "--rule 1 (role=weight,op=Conv,name=~conv.*,dtype=FLOAT,rank=4,"
            "min_elements=10,scope=main)");
  const std::vector<void (*)(TensorFacts*)> spoilers = {
      [](TensorFacts* f) { f->role = "bias"; },
      [](TensorFacts* f) { f->op_type = "Gemm"; },
      [](TensorFacts* f) { f->name = "fc.weight"; },
      [](TensorFacts* f) { f->dtype = onnx::TensorProto::DOUBLE; },
      [](TensorFacts* f) { f->rank = 3; },
      [](TensorFacts* f) { f->element_count = 9; },
      [](TensorFacts* f) { f->scope = "subgraph"; },
  };
  for (size_t i = 0; i < spoilers.size(); ++i) {
    TensorFacts spoiled = facts;
    spoilers[i](&spoiled);
    EXPECT_NE(set.Choose(spoiled).rule.rfind("--rule", 0), 0u)
        << "spoiler " << i;
  }
}

// ---- defaults
// -----------------------------------------------------------------

TEST(RuleDefaultsTest, CoverEveryKnownRole) {
  const RuleSet set = Build(RuleOptions());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"weight", "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)"},
      {"bias", "zeros"},
      {"embedding", "normal(mean=0, std=1)"},
      {"recurrent_input",
       "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)"},
      {"recurrent_hidden",
       "he_normal(mode=fan_in, nonlinearity=relu, negative_slope=0)"},
      {"recurrent_bias", "zeros"},
      {"recurrent_peephole", "zeros"},
      {"norm_scale", "ones"},
      {"norm_bias", "zeros"},
      {"running_mean", "zeros"},
      {"running_var", "ones"},
      {"prelu_slope", "constant(value=0.25)"},
      {"positional_embedding", "normal(mean=0, std=0.02)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-06)"},
      {"not_weight", "keep"},
  };
  ASSERT_EQ(expected.size(), KnownRoles().size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [role, action] = expected[i];
    EXPECT_EQ(role, std::string(KnownRoles()[i]));
    const RuleChoice choice = set.Choose(Facts(role));
    EXPECT_EQ(Action(choice), action) << role;
    EXPECT_EQ(choice.rule, "default (role=" + role + ")");
  }
}

TEST(RuleDefaultsTest, KeepARoleTheyDoNotKnow) {
  const RuleChoice choice = Build(RuleOptions()).Choose(Facts("unhandled"));
  EXPECT_TRUE(choice.keep);
  EXPECT_EQ(choice.rule, "default (other roles)");
}

// ---- profiles
// -----------------------------------------------------------------

TEST(RuleProfileTest, ParsesProfileNames) {
  EXPECT_EQ(*ParseProfile("torch"), Profile::kTorch);
  EXPECT_EQ(*ParseProfile("keras"), Profile::kKeras);
  EXPECT_EQ(*ParseProfile(""), Profile::kNone);
  EXPECT_EQ(*ParseProfile("none"), Profile::kNone);
  const absl::StatusOr<Profile> bad = ParseProfile("Torch");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "unknown profile \"Torch\"; known: torch, keras");
}

TEST(RuleProfileTest, TorchFollowsResetParameters) {
  RuleOptions options;
  options.profile = Profile::kTorch;
  const RuleSet set = Build(options);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"weight", "fan_in_uniform"},
      {"bias", "fan_in_uniform"},
      {"recurrent_input", "fan_out_uniform"},
      {"recurrent_hidden", "fan_out_uniform"},
      {"recurrent_bias", "fan_out_uniform"},
      {"recurrent_peephole", "fan_out_uniform"},
      {"embedding", "normal(mean=0, std=1)"},
      {"norm_scale", "ones"},
      {"norm_bias", "zeros"},
      {"running_mean", "zeros"},
      {"running_var", "ones"},
      {"prelu_slope", "constant(value=0.25)"},
      {"positional_embedding", "normal(mean=0, std=0.02)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-06)"},
  };
  for (const auto& [role, action] : expected) {
    const RuleChoice choice = set.Choose(Facts(role));
    EXPECT_EQ(Action(choice), action) << role;
    EXPECT_EQ(choice.rule, "profile torch (role=" + role + ")");
  }
  const RuleChoice shape = set.Choose(Facts("not_weight"));
  EXPECT_TRUE(shape.keep);
  EXPECT_EQ(shape.rule, "default (role=not_weight)");
}

// torch.nn.LSTM(input_size=10, hidden_size=H): every parameter is drawn from
// U(-1/√H, 1/√H); the planner gives recurrent tensors fan_out = H.
TEST(RuleProfileTest, TorchRecurrentTensorsAreUniformInOneOverSqrtHidden) {
  RuleOptions options;
  options.profile = Profile::kTorch;
  const RuleSet set = Build(options);
  for (const char* role : {"recurrent_input", "recurrent_hidden",
                           "recurrent_bias", "recurrent_peephole"}) {
    const RuleChoice choice = set.Choose(Facts(role));
    const absl::StatusOr<Distribution> d =
        choice.strategy.DistributionFor({/*fan_in=*/10, /*fan_out=*/64});
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->kind, Distribution::Kind::kUniform) << role;
    EXPECT_DOUBLE_EQ(d->low, -1 / 8.0) << role;
    EXPECT_DOUBLE_EQ(d->high, 1 / 8.0) << role;
  }
}

TEST(RuleProfileTest, KerasUsesGlorotKernelsOrthogonalRecurrentAndForgetBias) {
  RuleOptions options;
  options.profile = Profile::kKeras;
  absl::StatusOr<RuleSet> set = RuleSet::Build(options);
  ASSERT_TRUE(set.ok()) << set.status();
  const std::vector<std::pair<const char*, const char*>> expected = {
      {"weight", "xavier_uniform(gain=1)"},
      {"recurrent_input", "xavier_uniform(gain=1)"},
      {"recurrent_hidden", "orthogonal(gain=1)"},
      {"recurrent_bias", "forget_bias(value=1)"},
      {"bias", "zeros"},
      {"embedding", "uniform(a=-0.05, b=0.05)"},
      {"norm_scale", "ones"},
      {"running_var", "ones"},
      {"positional_embedding", "uniform(a=-0.05, b=0.05)"},
      {"class_token", "zeros"},
      {"layer_scale", "constant(value=1e-06)"},
  };
  for (const auto& [role, strategy] : expected) {
    const RuleChoice choice = set->Choose(Facts(role));
    EXPECT_EQ(choice.strategy.ToString(), strategy) << role;
    EXPECT_EQ(choice.rule, absl::StrCat("profile keras (role=", role, ")"));
  }
}

// ---- Build's validation
// -------------------------------------------------------

TEST(RuleSetBuildTest, BadCliRuleIsNamedByPositionAndText) {
  RuleOptions options;
  options.cli_rules = {"role=weight:zeros", "role=embeding:zeros"};
  ExpectBuildError(options, absl::StatusCode::kInvalidArgument,
                   std::string("--rule 2 \"role=embeding:zeros\": unknown "
                               "role \"embeding\"; known: ") +
                       kKnownRoles);
}

TEST(RuleSetBuildTest, BadConfigRuleIsNamedByPosition) {
  RuleOptions options;
  *options.config.add_rule() = ConfigRule("weight", "zeros");
  *options.config.add_rule() = ConfigRule("bias", "normal(sd=1)");
  ExpectBuildError(options, absl::StatusCode::kInvalidArgument,
                   "config: rule 2: strategy \"normal\": unknown parameter "
                   "\"sd\"; accepted: mean, std");
}

TEST(RuleSetBuildTest, BadStrategyFlagsAreNamedByFlag) {
  RuleOptions options;
  options.weight_strategy = "normal(std=-1)";
  ExpectBuildError(options, absl::StatusCode::kInvalidArgument,
                   "--strategy: strategy \"normal\": parameter \"std\" must "
                   "be a number >= 0, got \"-1\"");
  options.weight_strategy = std::nullopt;
  options.bias_strategy = "zero";
  const absl::StatusOr<RuleSet> set = RuleSet::Build(options);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              ::testing::StartsWith(
                  "--bias_strategy: unknown strategy \"zero\"; known: "));
}

TEST(RuleSetBuildTest, ConfigRuleNeedsAnAction) {
  RuleOptions options;
  options.config.add_rule()->mutable_select()->add_role("weight");
  ExpectBuildError(options, absl::StatusCode::kInvalidArgument,
                   "config: rule 1: no action: set a strategy (e.g. "
                   "strategy: \"zeros\") or keep: true");
  options.config.mutable_rule(0)->set_keep(false);
  ExpectBuildError(options, absl::StatusCode::kInvalidArgument,
                   "config: rule 1: keep: false is not an action; set a "
                   "strategy, or keep: true");
}

TEST(RuleSetBuildTest, ConfigSelectorValuesAreChecked) {
  const std::vector<std::pair<void (*)(Selector*), std::string>> cases = {
      {[](Selector* s) {
         s->add_scope("training");
         s->add_scope("graph");
       },
       "config: rule 1: unknown scope \"graph\"; known: main, subgraph, "
       "function, training"},
      {[](Selector* s) { s->add_dtype("float16"); },
       "config: rule 1: unknown dtype \"float16\"; known: FLOAT, UINT8, INT8, "
       "UINT16, INT16, INT32, INT64, STRING, BOOL, FLOAT16, DOUBLE, UINT32, "
       "UINT64, COMPLEX64, COMPLEX128, BFLOAT16"},
      {[](Selector* s) { s->set_rank(-1); },
       "config: rule 1: rank must be >= 0, got -1"},
      {[](Selector* s) { s->set_name_regex("a(b"); },
       "config: rule 1: name_regex \"a(b\": missing ): a(b"},
  };
  for (const auto& [edit, message] : cases) {
    RuleOptions options;
    Rule* rule = options.config.add_rule();
    rule->set_keep(true);
    edit(rule->mutable_select());
    ExpectBuildError(options, absl::StatusCode::kInvalidArgument, message);
  }
}

}  // namespace
}  // namespace onnx_reinit
