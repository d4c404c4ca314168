#include "batch/layout.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {
namespace {

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// Where the model of `found` is written.
std::string OutputOf(const FoundModel& model, const InputRoot& root,
                     const LayoutOptions& options) {
  if (options.plan_only) return "";
  if (options.in_place) return model.path;
  return JoinPath(options.out, model.relative);
}

absl::Status CheckFolders(const FoundInputs& found,
                          const LayoutOptions& options) {
  if (options.plan_only || options.in_place) return absl::OkStatus();
  for (const InputRoot& root : found.roots) {
    if (!root.is_folder || root.canonical.empty()) continue;
    if (IsWithin(options.out_canonical, root.canonical)) {
      return Usage(absl::StrCat("-o \"", options.out,
                                "\" lies inside the input folder \"", root.path,
                                "\"; choose an output folder outside it"));
    }
    if (IsWithin(root.canonical, options.out_canonical)) {
      return Usage(absl::StrCat("the input folder \"", root.path,
                                "\" lies inside -o \"", options.out,
                                "\"; choose an output folder outside it"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SeedFrom> ParseSeedFrom(const std::string& text) {
  if (text == "none") return SeedFrom::kNone;
  if (text == "path") return SeedFrom::kPath;
  return Usage(
      absl::StrCat("--seed_from takes none or path, got \"", text, "\""));
}

uint64_t ModelSeed(uint64_t seed, SeedFrom from, const std::string& relative) {
  return from == SeedFrom::kPath ? SeedForPath(seed, relative) : seed;
}

absl::StatusOr<Shard> ParseShard(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  Shard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count) || shard.count < 1 ||
      shard.index < 0 || shard.index >= shard.count ||
      parts[0].find_first_not_of("0123456789") != std::string::npos ||
      parts[1].find_first_not_of("0123456789") != std::string::npos) {
    return Usage(absl::StrCat(
        "--shard takes I/N with whole numbers 0 <= I < N, got \"", text, "\""));
  }
  return shard;
}

bool IsBatch(const FoundInputs& found) {
  if (found.roots.size() != 1) return true;
  return found.roots.front().is_folder;
}

bool IsWithin(const std::string& path, const std::string& folder) {
  if (path.empty() || folder.empty()) return false;
  if (path == folder) return true;
  const std::string prefix = folder.back() == '/' ? folder : folder + "/";
  return path.compare(0, prefix.size(), prefix) == 0;
}

absl::StatusOr<std::vector<BatchModel>> LayOutBatch(
    const FoundInputs& found, const LayoutOptions& options) {
  if (absl::Status s = CheckFolders(found, options); !s.ok()) return s;

  // Sorted by relative path, ties by input order (stable).
  std::vector<const FoundModel*> order;
  for (const FoundModel& model : found.models) order.push_back(&model);
  std::stable_sort(order.begin(), order.end(),
                   [](const FoundModel* a, const FoundModel* b) {
                     return a->relative < b->relative;
                   });

  std::vector<BatchModel> models;
  // Output (canonical where it can be resolved) -> the model written there.
  std::map<std::string, const FoundModel*> writers;
  for (const FoundModel* model : order) {
    const InputRoot& root = found.roots[model->root];
    BatchModel batch;
    batch.input = model->path;
    batch.relative = model->relative;
    batch.output = OutputOf(*model, root, options);
    batch.bytes = model->bytes;
    batch.error = model->error;
    batch.seed = ModelSeed(options.seed, options.seed_from, model->relative);
    if (!batch.output.empty() && model->error.ok()) {
      std::string key = options.in_place
                            ? model->canonical
                            : JoinPath(options.out_canonical, model->relative);
      if (key.empty()) key = batch.output;  // a missing input, in place
      if (!options.in_place && !root.is_folder && key == model->canonical) {
        return Usage(absl::StrCat("\"", batch.output,
                                  "\" is the input model; pass --in_place "
                                  "to replace it"));
      }
      auto [it, inserted] = writers.emplace(key, model);
      if (!inserted) {
        return Usage(absl::StrCat("\"", it->second->path, "\" and \"",
                                  model->path, "\" would both be written to \"",
                                  batch.output, "\""));
      }
    }
    models.push_back(std::move(batch));
  }

  std::vector<BatchModel> shard;
  for (size_t i = 0; i < models.size(); ++i) {
    if (i % static_cast<size_t>(options.shard.count) ==
        static_cast<size_t>(options.shard.index)) {
      shard.push_back(std::move(models[i]));
    }
  }
  return shard;
}

}  // namespace onnx_reinit
