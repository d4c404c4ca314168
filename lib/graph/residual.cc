#include "graph/residual.h"

#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "graph/node_kind.h"

namespace onnx_reinit {
namespace {

constexpr int kMaxVisited = 2000;

bool IsWeighted(const onnx::NodeProto& n) {
  return IsOp(&n, {"Conv", "ConvTranspose", "MatMul", "Gemm"});
}

class Finder {
 public:
  Finder(const ModelIndex& index, const Scope* main)
      : index_(index), main_(main) {}

  // A value computed by a node (not a stored tensor, not a graph input).
  bool IsComputed(const std::string& name) const {
    return index_.FindSite(name, main_) == nullptr &&
           index_.Producer(name, main_) != nullptr;
  }

  bool IsJoin(const onnx::NodeProto& n) const {
    return IsOp(&n, {"Add"}) && n.input_size() == 2 && IsComputed(n.input(0)) &&
           IsComputed(n.input(1));
  }

  // Weighted nodes behind `name`, back to the previous join or the inputs.
  int WeightedBehind(const std::string& name) const {
    int count = 0;
    absl::flat_hash_set<std::string> seen;
    std::deque<std::string> queue = {name};
    while (!queue.empty() && static_cast<int>(seen.size()) < kMaxVisited) {
      const std::string current = queue.front();
      queue.pop_front();
      if (!seen.insert(current).second) continue;
      const onnx::NodeProto* p = index_.Producer(current, main_);
      if (p == nullptr || IsJoin(*p)) continue;
      if (IsWeighted(*p)) ++count;
      for (const std::string& in : p->input()) {
        if (!in.empty() && IsComputed(in)) queue.push_back(in);
      }
    }
    return count;
  }

  // The stored tensor behind `name` through pass-through ops, or nullptr.
  const TensorSite* SiteBehind(std::string name) const {
    for (int depth = 0; depth < 16; ++depth) {
      if (const TensorSite* site = index_.FindSite(name, main_)) return site;
      const onnx::NodeProto* p = index_.Producer(name, main_);
      if (p == nullptr || p->input_size() == 0 || !IsPassThrough(p)) {
        return nullptr;
      }
      name = p->input(0);
    }
    return nullptr;
  }

  // Walks back from a branch's output to its last layer; records it.
  void RecordBranchEnd(std::string name, ResidualFacts* facts) const {
    bool normalized = false;
    for (int depth = 0; depth < 32; ++depth) {
      const onnx::NodeProto* p = index_.Producer(name, main_);
      if (p == nullptr) return;
      if (IsLayoutOnly(p) && p->input_size() > 0) {
        name = p->input(0);
        continue;
      }
      if (IsOp(p, {"Add"}) && p->input_size() == 2) {
        // A bias add: continue along the computed side.
        const bool left_stored = SiteBehind(p->input(0)) != nullptr;
        const bool right_stored = SiteBehind(p->input(1)) != nullptr;
        if (left_stored == right_stored) return;
        name = left_stored ? p->input(1) : p->input(0);
        continue;
      }
      if (IsOp(p, {"BatchNormalization"}) && p->input_size() > 1 &&
          !normalized) {
        if (const TensorSite* scale = SiteBehind(p->input(1))) {
          facts->branch_ends.insert(scale->path());
        }
        normalized = true;
        name = p->input(0);
        continue;
      }
      if (IsWeighted(*p)) {
        for (int slot : {1, 0}) {
          if (slot >= p->input_size()) continue;
          if (const TensorSite* w = SiteBehind(p->input(slot))) {
            facts->projections.insert(w->path());
            ++facts->projection_adds;
            if (!normalized) facts->branch_ends.insert(w->path());
            return;
          }
        }
        return;
      }
      return;
    }
  }

 private:
  const ModelIndex& index_;
  const Scope* main_;
};

}  // namespace

ResidualFacts FindResiduals(const ModelIndex& index) {
  ResidualFacts facts;
  // The main graph's scope is the one its tensors point at (a graph with no
  // stored tensor has no weights to find).
  const Scope* main = nullptr;
  for (const TensorSite& site : index.sites()) {
    if (site.scope->scope == "main") {
      main = site.scope;
      break;
    }
  }
  if (main == nullptr) return facts;
  Finder finder(index, main);
  for (const onnx::NodeProto& node : *main->nodes) {
    if (!finder.IsJoin(node)) continue;
    const int left = finder.WeightedBehind(node.input(0));
    const int right = finder.WeightedBehind(node.input(1));
    if (left == right) continue;
    ++facts.residual_adds;
    finder.RecordBranchEnd(left > right ? node.input(0) : node.input(1),
                           &facts);
  }
  return facts;
}

}  // namespace onnx_reinit
