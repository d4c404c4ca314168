#include "plan/write_plan.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "io/tensor_locations.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

template <typename T>
void AppendBytes(const T& value, std::string* key) {
  key->append(reinterpret_cast<const char*>(&value), sizeof(value));
}

// Equal recipes have equal keys (every field, doubles bit for bit).
std::string RecipeKey(const WritePlan::Recipe& r) {
  std::string key;
  const Distribution& d = r.distribution;
  AppendBytes(d.kind, &key);
  AppendBytes(d.structure, &key);
  for (double v : {d.gain, d.sparsity, d.value, d.low, d.high, d.mean, d.std,
                   r.target_mean}) {
    AppendBytes(v, &key);
  }
  AppendBytes(d.groups, &key);
  AppendBytes(r.gate_blocks, &key);
  absl::StrAppend(&key, r.strategy.size(), ":", r.strategy, r.op_type);
  return key;
}

}  // namespace

absl::string_view WritePlan::name(size_t i) const {
  const size_t end =
      i + 1 < tensors_.size() ? tensors_[i + 1].name : names_.size();
  return absl::string_view(names_).substr(tensors_[i].name,
                                          end - tensors_[i].name);
}

std::vector<int64_t> WritePlan::dims(size_t i) const {
  const size_t end =
      i + 1 < tensors_.size() ? tensors_[i + 1].dims : dims_.size();
  std::vector<int64_t> dims;
  uint64_t value = 0;
  int shift = 0;
  for (size_t at = tensors_[i].dims; at < end; ++at) {
    const auto byte = static_cast<uint8_t>(dims_[at]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      dims.push_back(static_cast<int64_t>(value));
      value = 0;
      shift = 0;
    }
  }
  return dims;
}

uint64_t WritePlan::element_count(size_t i) const {
  uint64_t count = 1;  // checked not to overflow when planned
  for (int64_t d : dims(i)) count *= static_cast<uint64_t>(d);
  return count;
}

const WritePlan::Placement* WritePlan::placement(size_t i) const {
  const Extra* extra = FindExtra(i);
  return extra != nullptr && extra->placement ? &*extra->placement : nullptr;
}

absl::string_view WritePlan::key_name(size_t i) const {
  const Extra* extra = FindExtra(i);
  return extra != nullptr && !extra->path.empty() ? extra->path : name(i);
}

const WritePlan::External* WritePlan::external(size_t i) const {
  const Extra* extra = FindExtra(i);
  return extra != nullptr && extra->external ? &*extra->external : nullptr;
}

WritePlan::External* WritePlan::mutable_external(size_t i) {
  const Extra* extra = FindExtra(i);
  return extra != nullptr && extra->external
             ? &*extras_[tensors_[i].extra].external
             : nullptr;
}

void WritePlan::set_external(size_t i, External external) {
  ExtraOf(i).external = std::move(external);
}

void WritePlan::clear_external(size_t i) {
  if (tensors_[i].extra != kNone) extras_[tensors_[i].extra].external.reset();
}

const ByteRange* WritePlan::inline_at(size_t i) const {
  const Extra* extra = FindExtra(i);
  return extra != nullptr && extra->inline_at ? &*extra->inline_at : nullptr;
}

void WritePlan::set_inline_at(size_t i, ByteRange range) {
  ExtraOf(i).inline_at = range;
}

void WritePlan::Reserve(size_t tensors, size_t name_bytes, size_t dim_bytes) {
  tensors_.reserve(tensors);
  names_.reserve(name_bytes);
  dims_.reserve(dim_bytes);
}

WritePlan::Extra& WritePlan::ExtraOf(size_t i) {
  if (tensors_[i].extra == kNone) {
    tensors_[i].extra = static_cast<uint32_t>(extras_.size());
    extras_.emplace_back();
  }
  return extras_[tensors_[i].extra];
}

void WritePlan::Add(const TensorPlan& plan, int location, bool name_shared) {
  Tensor t;
  t.location = location;
  t.name = static_cast<uint32_t>(names_.size());
  t.dims = static_cast<uint32_t>(dims_.size());
  t.dtype = plan.dtype;
  t.rewrite = plan.rewrite;
  t.initializer = absl::StrContains(plan.path, "/initializer[");
  names_ += plan.name;
  for (int64_t d : plan.dims) {
    auto v = static_cast<uint64_t>(d);
    for (; v >= 0x80; v >>= 7) dims_ += static_cast<char>(v | 0x80);
    dims_ += static_cast<char>(v);
  }
  const size_t i = tensors_.size();
  tensors_.push_back(t);
  if (plan.external) ExtraOf(i).external = plan.external;
  if (plan.inline_at) ExtraOf(i).inline_at = plan.inline_at;
  if (!plan.rewrite) return;
  ++rewritten_;
  if (plan.placement) ExtraOf(i).placement = plan.placement;
  if (name_shared) ExtraOf(i).path = plan.path;
  Recipe recipe;
  recipe.distribution = plan.distribution;
  recipe.target_mean = plan.target_mean;
  recipe.strategy = plan.strategy;
  if (plan.distribution.IsStructured()) {
    recipe.op_type = plan.op_type;
    recipe.gate_blocks = plan.gate_blocks;
  }
  auto [it, added] = recipe_index_.try_emplace(
      RecipeKey(recipe), static_cast<uint32_t>(recipes_.size()));
  if (added) recipes_.push_back(std::move(recipe));
  tensors_[i].recipe = it->second;
}

void WritePlan::Seal() {
  // A path keys the stream only when another rewritten tensor shares the
  // name: count them among the (few) tensors whose name is shared.
  absl::flat_hash_map<absl::string_view, int> rewritten_with_name;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Extra* extra = FindExtra(i);
    if (extra != nullptr && !extra->path.empty()) {
      ++rewritten_with_name[name(i)];
    }
  }
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].extra == kNone) continue;
    Extra& extra = extras_[tensors_[i].extra];
    if (!extra.path.empty() && rewritten_with_name[name(i)] < 2) {
      extra.path.clear();
    }
  }
  recipe_index_.clear();
  recipe_index_.rehash(0);
}

absl::StatusOr<WritePlan> BuildWritePlan(const onnx::ModelProto& model,
                                         const ModelLayout& layout,
                                         const PlanOptions& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(std::unique_ptr<Planner> planner,
                               Planner::Create(model, options));
  const size_t n = planner->size();
  // Each tensor's place in the layout, found before planning (the join's
  // table is not kept meanwhile).
  std::vector<int> location(n);
  {
    const TensorLocations locations(model, layout);
    for (size_t i = 0; i < n; ++i) {
      location[i] = locations.Find(&planner->tensor(i));
    }
  }
  // Which tensors share their name with another: sorted by (hash, name),
  // equal names are neighbours.
  std::vector<bool> shared(n, false);
  {
    std::vector<std::pair<uint64_t, uint32_t>> order(n);
    for (size_t i = 0; i < n; ++i) {
      order[i] = {absl::Hash<absl::string_view>{}(planner->name(i)),
                  static_cast<uint32_t>(i)};
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return planner->name(a.second) < planner->name(b.second);
    });
    for (size_t k = 1; k < n; ++k) {
      if (order[k].first == order[k - 1].first &&
          planner->name(order[k].second) ==
              planner->name(order[k - 1].second)) {
        shared[order[k].second] = shared[order[k - 1].second] = true;
      }
    }
  }
  WritePlan plan;
  {
    size_t name_bytes = 0, dim_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      name_bytes += planner->name(i).size();
      for (int64_t d : planner->tensor(i).dims()) {
        dim_bytes += d < 0 ? 10 : (64 - __builtin_clzll(d | 1) + 6) / 7;
      }
    }
    plan.Reserve(n, name_bytes, dim_bytes);
  }
  for (size_t i = 0; i < n; ++i) {
    ONNX_REINIT_ASSIGN_OR_RETURN(const TensorPlan tensor, planner->Plan(i));
    plan.Add(tensor, location[i], shared[i]);
  }
  plan.Seal();
  return plan;
}

}  // namespace onnx_reinit
