// Loading --config files (protobuf text format and JSON) from a temporary
// folder: valid files, and the exact message for each kind of mistake.
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "rules/rules.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using testing::MakeTempDir;
using testing::WriteFile;

// Writes `text` to DIR/file and loads it. `*path` receives the full path.
absl::StatusOr<Config> Load(const std::string& file, const std::string& text,
                            std::string* path) {
  *path = MakeTempDir() + "/" + file;
  WriteFile(*path, text);
  return LoadConfigFile(*path);
}

void ExpectLoadError(const std::string& file, const std::string& text,
                     const std::string& message_after_path) {
  std::string path;
  const absl::StatusOr<Config> config = Load(file, text, &path);
  ASSERT_FALSE(config.ok()) << file;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(config.status().message()), path + message_after_path);
}

constexpr char kTextConfig[] = R"pb(
  # Embeddings as in BERT; norms untouched.
  rule {
    name: "emb"
    select { role: "embedding" }
    strategy: "normal(std=0.02)"
  }
  rule {
    select { name_regex: "enc\\..*\\.bias" op_type: "Gemm" rank: 1 }
    strategy: "zeros"
  }
  rule {
    select { role: [ "norm_scale", "norm_bias" ] }
    keep: true
  }
)pb";

constexpr char kJsonConfig[] = R"json({
  "rule": [
    {"name": "emb", "select": {"role": ["embedding"]},
     "strategy": "normal(std=0.02)"},
    {"select": {"nameRegex": "enc\\..*\\.bias", "op_type": ["Gemm"],
                "rank": 1}, "strategy": "zeros"},
    {"select": {"role": ["norm_scale", "norm_bias"]}, "keep": true}
  ]
})json";

void ExpectTheExampleConfig(const Config& config) {
  ASSERT_EQ(config.rule_size(), 3);
  EXPECT_EQ(config.rule(0).name(), "emb");
  EXPECT_EQ(config.rule(0).strategy(), "normal(std=0.02)");
  EXPECT_EQ(config.rule(1).select().name_regex(), "enc\\..*\\.bias");
  EXPECT_TRUE(config.rule(1).select().has_rank());
  EXPECT_EQ(config.rule(1).select().rank(), 1);
  EXPECT_FALSE(config.rule(0).select().has_rank());
  EXPECT_TRUE(config.rule(2).keep());
  EXPECT_EQ(config.rule(2).select().role_size(), 2);
}

TEST(RuleConfigFileTest, LoadsTextFormat) {
  std::string path;
  const absl::StatusOr<Config> config =
      Load("config.textproto", kTextConfig, &path);
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectTheExampleConfig(*config);
}

TEST(RuleConfigFileTest, LoadsJsonForDotJsonFiles) {
  std::string path;
  const absl::StatusOr<Config> config = Load("config.json", kJsonConfig, &path);
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectTheExampleConfig(*config);
}

TEST(RuleConfigFileTest, EmptyTextFileHasNoRules) {
  std::string path;
  const absl::StatusOr<Config> config = Load("empty.txtpb", "", &path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->rule_size(), 0);
}

TEST(RuleConfigFileTest, LoadedRulesDriveTheRuleSet) {
  std::string path;
  absl::StatusOr<Config> config = Load("config.textproto", kTextConfig, &path);
  ASSERT_TRUE(config.ok()) << config.status();
  RuleOptions options;
  options.config = *std::move(config);
  const absl::StatusOr<RuleSet> set = RuleSet::Build(options);
  ASSERT_TRUE(set.ok()) << set.status();
  TensorFacts facts;
  facts.name = "enc.0.bias";
  facts.role = "bias";
  facts.op_type = "Gemm";
  facts.rank = 1;
  facts.scope = "main";
  EXPECT_EQ(set->Choose(facts).rule,
            "config rule 2 (op=Gemm,name=~enc\\..*"
            "\\.bias,rank=1)");
  facts.role = "embedding";
  EXPECT_EQ(set->Choose(facts).rule, "config rule 1 \"emb\"");
  facts.role = "norm_bias";
  facts.name = "ln.bias";
  EXPECT_TRUE(set->Choose(facts).keep);
}

TEST(RuleConfigFileTest, MissingFileIsNotFound) {
  const std::string path = MakeTempDir() + "/nope.textproto";
  const absl::StatusOr<Config> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(), "cannot open config file \"" + path +
                                           "\": No such file or directory");
}

TEST(RuleConfigFileTest, TextUnknownFieldNamesLineAndColumn) {
  ExpectLoadError("config.textproto",
                  "rule {\n  select { role: \"weight\" }\n  stratgy: "
                  "\"zeros\"\n}\n",
                  ": line 3, column 10: Message type \"onnx_reinit.Rule\" has "
                  "no field named \"stratgy\".");
}

TEST(RuleConfigFileTest, TextSyntaxErrorNamesLineAndColumn) {
  ExpectLoadError("config.textproto",
                  "rule {\n  select { role: \"weight\" }\n  strategy "
                  "\"zeros\"\n}\n",
                  ": line 3, column 12: Expected \":\", found \"\"zeros\"\".");
}

TEST(RuleConfigFileTest, JsonUnknownFieldIsAnError) {
  ExpectLoadError("config.json",
                  R"json({"rule": [{"select": {"role": ["weight"]},
                                "stratgy": "zeros"}]})json",
                  ": (rule[0]) stratgy: Cannot find field.");
}

TEST(RuleConfigFileTest, JsonSyntaxErrorIsAnError) {
  ExpectLoadError("config.json", "{\"rule\": [ {\"strategy\": \"zeros\" ]}",
                  ": Expected , or } after key:value pair.\n"
                  "\"strategy\": \"zeros\" ]}\n"
                  "                    ^");
}

TEST(RuleConfigFileTest, BadRegexNamesFileRuleAndField) {
  ExpectLoadError("config.textproto",
                  "rule { select { role: \"bias\" } strategy: \"zeros\" }\n"
                  "rule { select { role: \"bias\" } strategy: \"zeros\" }\n"
                  "rule { select { name_regex: \"([\" } strategy: \"zeros\" "
                  "}\n",
                  ": rule 3: name_regex \"([\": missing ]: [");
}

TEST(RuleConfigFileTest, UnknownStrategyParameterNamesFileAndRule) {
  ExpectLoadError("config.json",
                  R"json({"rule": [{"strategy": "normal(sd=0.02)"}]})json",
                  ": rule 1: strategy \"normal\": unknown parameter \"sd\"; "
                  "accepted: mean, std");
}

TEST(RuleConfigFileTest, UnknownStrategyNamesFileAndRule) {
  std::string path;
  const absl::StatusOr<Config> config =
      Load("config.textproto",
           "rule { keep: true }\nrule { strategy: \"xavier\" }", &path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(config.status().message())
                .rfind(path + ": rule 2: unknown strategy \"xavier\"; known: "
                              "uniform, ",
                       0),
            0u)
      << config.status();
}

TEST(RuleConfigFileTest, RuleWithoutActionNamesFileAndRule) {
  ExpectLoadError("rules.txt", "rule { select { role: \"weight\" } }",
                  ": rule 1: no action: set a strategy (e.g. strategy: "
                  "\"zeros\") or keep: true");
}

}  // namespace
}  // namespace onnx_reinit
