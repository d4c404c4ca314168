// Every model of Debian's libonnx-testdata (ONNX 1.12's backend test models:
// node/, pytorch-converted/, pytorch-operator/, simple/; real/ ships no
// model files), in-process with the default rules, through the batch path
// (batch/: the data folder listed, planned and re-initialized as one batch
// into a mirrored output tree, as `onnx-reinit DATA -o OUT` does):
//   1. every model plans;
//   2. every float record has a role and is either rewritten or kept with a
//      reason, and every not_weight record has a reason;
//   3. every model is re-initialized, every byte outside the value payloads of
//      the rewritten tensors is the input's, and every float initializer read
//      as a Gemm/MatMul/Conv/ConvTranspose weight or bias (found here without
//      the library's op table) is rewritten;
//   4. the number of tensors each role takes, by the consumer op that decided
//      it and the action, is the expected table (a change in role decisions
//      is a diff of that table);
//   5. the records per role over all models are printed (the coverage), and
//      at least some weights are rewritten.
// Failures are collected and reported in one message per check, so one run
// shows every model that fails.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "batch/discover.h"
#include "batch/layout.h"
#include "batch/run_batch.h"
#include "gtest/gtest.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"
#include "onnx_reinit/onnx_reinit.h"
#include "reinit.h"
#include "rules/rules.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/report_proto.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;

constexpr char kTestdataDir[] = "/usr/share/libonnx-testdata/data";

bool IsFloatDtype(const std::string& dtype) {
  return dtype == "FLOAT" || dtype == "DOUBLE" || dtype == "FLOAT16" ||
         dtype == "BFLOAT16";
}

std::string Joined(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\n");
}

// How many tensors of all libonnx-testdata models each role takes, by the op
// of the consumer that decided it and the action: "role by op: action".
// A change in role decisions must change this table, in the same commit.
const std::map<std::string, int>& ExpectedDecisions() {
  static const auto* const table = new std::map<std::string, int>{
      {"bias by Conv: rewrite", 24},
      {"bias by ConvTranspose: rewrite", 1},
      {"bias by Gemm: rewrite", 2},
      {"embedding by Gather: rewrite", 2},
      {"norm_bias by BatchNormalization: rewrite", 5},
      {"norm_bias by InstanceNormalization: rewrite", 1},
      {"norm_scale by BatchNormalization: rewrite", 5},
      {"norm_scale by InstanceNormalization: rewrite", 1},
      {"not_weight by -: keep", 3},
      {"not_weight by Add: keep", 27},
      {"not_weight by Div: keep", 10},
      {"not_weight by Equal: keep", 7},
      {"not_weight by Loop: keep", 6},
      {"not_weight by Min: keep", 3},
      {"not_weight by Mul: keep", 19},
      {"not_weight by Pow: keep", 1},
      {"not_weight by Range: keep", 6},
      {"not_weight by ReduceSum: keep", 14},
      {"not_weight by Reshape: keep", 37},
      {"not_weight by Resize: keep", 2},
      {"not_weight by SequenceAt: keep", 4},
      {"not_weight by SequenceConstruct: keep", 4},
      {"not_weight by SequenceErase: keep", 2},
      {"not_weight by SequenceInsert: keep", 2},
      {"not_weight by Slice: keep", 79},
      {"not_weight by Sub: keep", 12},
      {"not_weight by Tile: keep", 2},
      {"not_weight by Unsqueeze: keep", 20},
      {"not_weight by Where: keep", 10},
      {"prelu_slope by PRelu: rewrite", 6},
      {"running_mean by BatchNormalization: rewrite", 5},
      {"running_var by BatchNormalization: rewrite", 5},
      {"weight by Conv: rewrite", 27},
      {"weight by ConvTranspose: rewrite", 3},
      {"weight by Gemm: rewrite", 1},
      {"weight by MatMul: rewrite", 1},
  };
  return *table;
}

TEST(TestdataTest, EveryModelPlansAndReinitializesKeepingOtherBytes) {
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(fs::is_directory(kTestdataDir))
      << kTestdataDir
      << " is missing: install libonnx-testdata (scripts/install_deps.sh)";
  const FoundInputs found = FindModels({kTestdataDir});
  ASSERT_TRUE(IsBatch(found));
  const std::string out_dir = testing::MakeTempDir() + "/out";
  LayoutOptions layout;
  layout.out = out_dir;
  layout.out_canonical = CanonicalPath(out_dir);
  layout.seed = 11;
  absl::StatusOr<std::vector<BatchModel>> models = LayOutBatch(found, layout);
  ASSERT_TRUE(models.ok()) << models.status();
  // ONNX 1.12's package holds 1,072; fewer means the data is not all there.
  ASSERT_GE(models->size(), 1000u) << "models under " << kTestdataDir;

  Options api_options;
  api_options.seed = 11;
  absl::StatusOr<Reinitializer> reinitializer =
      Reinitializer::Create(api_options);
  ASSERT_TRUE(reinitializer.ok()) << reinitializer.status();
  BatchOptions options;
  options.reinitializer = &*reinitializer;

  // 1. and 3.: the batch, planned, then run; outcomes by model index.
  std::vector<ModelOutcome> plans(models->size());
  std::vector<ModelOutcome> runs(models->size());
  options.plan_only = true;
  RunBatch(*models, options, nullptr,
           [&](size_t i, ModelOutcome o) { plans[i] = std::move(o); });
  options.plan_only = false;
  RunBatch(*models, options, nullptr,
           [&](size_t i, ModelOutcome o) { runs[i] = std::move(o); });

  std::vector<std::string> plan_failures;
  std::vector<std::string> record_failures;
  std::vector<std::string> reinit_failures;
  std::vector<std::string> byte_failures;
  std::vector<std::string> size_changed;
  std::vector<std::string> plan_report_mismatch;
  std::vector<std::string> missed_rewrites;
  std::vector<std::string> not_as_alone;
  int expected_total = 0;
  // role -> {records, rewritten}
  std::map<std::string, std::pair<int, int>> per_role;
  // "role by deciding op: action" -> records
  std::map<std::string, int> decided;
  std::map<std::string, int> per_folder_rewritten;
  int rewritten_total = 0;
  int rewritten_weights = 0;
  int byte_checked = 0;

  for (size_t i = 0; i < models->size(); ++i) {
    const std::string& model = (*models)[i].input;
    const std::string& output = (*models)[i].output;
    const std::string& short_name = (*models)[i].relative;
    const std::string folder = short_name.substr(0, short_name.find('/'));

    // 1. Plan.
    if (!plans[i].status.ok()) {
      plan_failures.push_back(
          absl::StrCat(short_name, ": ", plans[i].status.ToString()));
      continue;
    }
    const Report plan_proto = testing::ToProto(plans[i].report);
    const Report* plan = &plan_proto;

    // 2. Every float record has a role and a decision with its reason.
    for (const TensorRecord& r : plan->tensors()) {
      const std::string where =
          absl::StrCat(short_name, " ", r.path(), " \"", r.name(), "\"");
      if (r.action() != "rewrite" && r.action() != "keep") {
        record_failures.push_back(
            absl::StrCat(where, ": action \"", r.action(), "\""));
      }
      if (IsFloatDtype(r.dtype())) {
        if (r.role().empty()) {
          record_failures.push_back(absl::StrCat(where, ": empty role"));
        }
        if (r.action() != "rewrite" && r.reason().empty()) {
          record_failures.push_back(absl::StrCat(where, ": role ", r.role(),
                                                 ", action \"", r.action(),
                                                 "\" without a reason"));
        }
      }
      if (r.role() == "not_weight" && r.reason().empty()) {
        record_failures.push_back(
            absl::StrCat(where, ": not_weight without a reason"));
      }
      // A kept float tensor that is not a weight says which consumer and
      // slot it reaches ("input 1 (B) of Add node ...: ..."), or that it
      // has none.
      if (IsFloatDtype(r.dtype()) && r.role() == "not_weight" &&
          r.reason() != "no consumer" &&
          r.reason().find("input ") == std::string::npos) {
        record_failures.push_back(absl::StrCat(
            where, ": reason names no consumer: \"", r.reason(), "\""));
      }
    }

    // 3. Reinitialized (by the batch), then compare bytes.
    if (!runs[i].status.ok()) {
      reinit_failures.push_back(
          absl::StrCat(short_name, ": ", runs[i].status.ToString()));
      continue;
    }
    const Report report_proto = testing::ToProto(runs[i].report);
    const Report* report = &report_proto;
    // The run did what the plan said.
    bool same_decisions = report->tensors_size() == plan->tensors_size();
    for (int i = 0; same_decisions && i < plan->tensors_size(); ++i) {
      same_decisions = report->tensors(i).path() == plan->tensors(i).path() &&
                       report->tensors(i).action() == plan->tensors(i).action();
    }
    if (!same_decisions) plan_report_mismatch.push_back(short_name);

    const std::set<std::string> expected =
        testing::LinearWeightsAndBiases(testing::ReadModel(model));
    expected_total += static_cast<int>(expected.size());
    std::set<std::string> rewritten_names;
    for (const TensorRecord& r : report->tensors()) {
      if (r.action() == "rewrite") rewritten_names.insert(r.name());
    }
    for (const std::string& name : expected) {
      if (!rewritten_names.count(name)) {
        missed_rewrites.push_back(absl::StrCat(short_name, ": \"", name, "\""));
      }
    }

    for (const TensorRecord& r : report->tensors()) {
      ++decided[absl::StrCat(r.role(), " by ",
                             r.op_type().empty() ? "-" : r.op_type(), ": ",
                             r.action())];
      auto& [records, rewritten] = per_role[r.role()];
      ++records;
      if (r.action() == "rewrite") {
        ++rewritten;
        ++rewritten_total;
        ++per_folder_rewritten[folder];
        if (r.role() == "weight") ++rewritten_weights;
      }
    }

    const std::string in_bytes = testing::ReadFile(model);
    const std::string out_bytes = testing::ReadFile(output);
    fs::remove(output);
    // The batch wrote what a run on this model alone writes.
    const std::string alone = out_dir + "/alone.onnx";
    RunControl control;
    control.seed = 11;
    absl::StatusOr<RunReport> single =
        reinitializer->Reinitialize(model, alone, control);
    if (!single.ok() || testing::ReadFile(alone) != out_bytes) {
      not_as_alone.push_back(short_name);
    }
    fs::remove(alone);
    if (in_bytes.size() != out_bytes.size()) {
      size_changed.push_back(absl::StrCat(short_name, ": ", in_bytes.size(),
                                          " -> ", out_bytes.size(), " bytes"));
      continue;
    }
    absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(in_bytes.data()), in_bytes.size()));
    if (!scanned.ok()) {
      byte_failures.push_back(absl::StrCat(
          short_name, ": ScanModel: ", scanned.status().ToString()));
      continue;
    }
    std::map<std::string, const TensorLocation*> by_path;
    for (size_t i = 0; i < scanned->layout.tensors.size(); ++i) {
      by_path[TensorPath(scanned->layout, i)] = &scanned->layout.tensors[i];
    }
    std::vector<bool> may_change(in_bytes.size(), false);
    for (const TensorRecord& r : report->tensors()) {
      if (r.action() != "rewrite") continue;
      auto it = by_path.find(r.path());
      if (it == by_path.end()) {
        byte_failures.push_back(absl::StrCat(short_name, ": rewritten \"",
                                             r.name(), "\" at ", r.path(),
                                             " is not in the scanned layout"));
        continue;
      }
      for (const ValueField& v : it->second->values) {
        for (uint64_t b = v.payload.offset; b < v.payload.end(); ++b) {
          may_change[b] = true;
        }
      }
    }
    ++byte_checked;
    size_t changed_outside = 0;
    size_t first = 0;
    for (size_t b = 0; b < in_bytes.size(); ++b) {
      if (!may_change[b] && in_bytes[b] != out_bytes[b]) {
        if (changed_outside++ == 0) first = b;
      }
    }
    if (changed_outside != 0) {
      byte_failures.push_back(absl::StrCat(
          short_name, ": ", changed_outside,
          " bytes changed outside the rewritten values, the first at ", first));
    }
  }

  EXPECT_TRUE(plan_failures.empty())
      << plan_failures.size() << " of " << models->size()
      << " models fail to plan:\n"
      << Joined(plan_failures);
  EXPECT_TRUE(record_failures.empty())
      << record_failures.size() << " records without a role or reason:\n"
      << Joined(record_failures);
  EXPECT_TRUE(reinit_failures.empty())
      << reinit_failures.size() << " models fail to reinitialize:\n"
      << Joined(reinit_failures);
  EXPECT_TRUE(byte_failures.empty())
      << byte_failures.size() << " models with changed bytes:\n"
      << Joined(byte_failures);
  EXPECT_TRUE(not_as_alone.empty())
      << not_as_alone.size()
      << " models written differently in the batch than alone:\n"
      << Joined(not_as_alone);
  EXPECT_TRUE(missed_rewrites.empty())
      << "Gemm/MatMul/Conv/ConvTranspose weights and biases not rewritten:\n"
      << Joined(missed_rewrites);
  EXPECT_TRUE(plan_report_mismatch.empty())
      << "the run's records differ from the plan's (paths or actions):\n"
      << Joined(plan_report_mismatch);

  // 4. Role decisions: every change shows up here as a diff of this table.
  std::vector<std::string> decided_lines;
  for (const auto& [key, n] : decided) {
    decided_lines.push_back(absl::StrCat("{\"", key, "\", ", n, "},"));
  }
  EXPECT_EQ(decided, ExpectedDecisions())
      << "role decisions over libonnx-testdata changed; now:\n"
      << Joined(decided_lines);

  // 5. Coverage.
  std::cout << "libonnx-testdata: " << models->size() << " models, "
            << rewritten_total << " tensors rewritten\n";
  std::cout << "  role                 records  rewritten\n";
  for (const auto& [role, counts] : per_role) {
    std::cout << "  " << role
              << std::string(std::max<size_t>(1, 21 - role.size()), ' ')
              << counts.first
              << std::string(9 - std::to_string(counts.first).size(), ' ')
              << counts.second << "\n";
    RecordProperty(
        absl::StrCat("role_", role),
        absl::StrCat(counts.first, " records, ", counts.second, " rewritten"));
  }
  for (const auto& [folder, n] : per_folder_rewritten) {
    std::cout << "  rewritten in " << folder << "/: " << n << "\n";
  }
  std::cout << "  byte check on " << byte_checked << " models\n";
  if (!size_changed.empty()) {
    std::cout << "  byte check skipped (output size differs) for "
              << size_changed.size() << " models:\n    "
              << absl::StrJoin(size_changed, "\n    ") << "\n";
  }
  std::cout << "  elapsed "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count()
            << " s\n";
  std::cout << "  Gemm/MatMul/Conv/ConvTranspose weights and biases found "
               "without the op table: "
            << expected_total << "\n";
  // libonnx-testdata 1.12 keeps only 32 such weights in initializers (its
  // node/ models take every operand as a graph input); the floor guards
  // against a run that finds (almost) none.
  EXPECT_GE(rewritten_weights, 30)
      << "weights rewritten over all of libonnx-testdata";
}

}  // namespace
}  // namespace onnx_reinit
