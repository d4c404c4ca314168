#include "graph/element_trace.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "graph/fans.h"
#include "graph/node_kind.h"

namespace onnx_reinit {
namespace {

constexpr int kMaxDepth = 64;
using Dims = std::vector<int64_t>;

// Constant ints from input `slot` ("" or absent: nullopt with *absent set).
std::optional<Dims> InputInts(const ModelIndex& index,
                              const onnx::NodeProto& node, int slot,
                              const Scope* scope, bool* absent) {
  *absent = slot >= node.input_size() || node.input(slot).empty();
  if (*absent) return std::nullopt;
  return index.ConstantInts(node.input(slot), scope);
}

bool NormalizeAxis(int64_t* axis, int64_t rank) {
  if (*axis < 0) *axis += rank;
  return *axis >= 0 && *axis < rank;
}

uint64_t Count(const Dims& dims) {
  uint64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return std::numeric_limits<uint64_t>::max();
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / d) {
      return std::numeric_limits<uint64_t>::max();
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

Dims RowMajorStrides(const Dims& dims) {
  Dims strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

// out[k] = in[base + Σ_j i_j · step[j]] over the output's multi-indices i.
ElementSources StridedGather(const ElementSources& in, const Dims& out_dims,
                             int64_t base, const Dims& step) {
  ElementSources out;
  out.dims = out_dims;
  out.sites = in.sites;
  const uint64_t n = Count(out_dims);
  out.site.resize(n);
  out.offset.resize(n);
  Dims i(out_dims.size(), 0);
  int64_t at = base;
  for (uint64_t k = 0; k < n; ++k) {
    out.site[k] = in.site[at];
    out.offset[k] = in.offset[at];
    for (size_t j = out_dims.size(); j-- > 0;) {
      at += step[j];
      if (++i[j] < out_dims[j]) break;
      at -= step[j] * out_dims[j];
      i[j] = 0;
    }
  }
  return out;
}

class Tracer {
 public:
  Tracer(const ModelIndex& index, uint64_t max_elements)
      : index_(index), max_(max_elements) {}

  std::optional<ElementSources> Trace(const std::string& name,
                                      const Scope* scope, int depth) const {
    if (depth > kMaxDepth) return std::nullopt;
    std::optional<Dims> dims = index_.ViewDims(name, scope);
    if (!dims || Count(*dims) > max_) return std::nullopt;
    if (const TensorSite* site = index_.FindSite(name, scope)) {
      ElementSources s;
      s.dims = *dims;
      s.sites = {site};
      const uint64_t n = Count(*dims);
      s.site.assign(n, 0);
      s.offset.resize(n);
      for (uint64_t k = 0; k < n; ++k) s.offset[k] = k;
      return s;
    }
    const Scope* where = nullptr;
    const onnx::NodeProto* node = index_.Producer(name, scope, &where);
    if (node == nullptr || node->input_size() == 0) return std::nullopt;
    const std::string& op = node->op_type();
    if (op == "Concat") return TraceConcat(*node, where, *dims, depth);
    std::optional<ElementSources> in = Trace(node->input(0), where, depth + 1);
    if (!in) return std::nullopt;
    const Dims in_strides = RowMajorStrides(in->dims);
    if (op == "Transpose") {
      Dims perm = IntsAttribute(*node, "perm").value_or(Dims{});
      if (perm.empty()) {
        for (size_t j = in->dims.size(); j-- > 0;) perm.push_back(j);
      }
      Dims step;
      for (int64_t p : perm) step.push_back(in_strides[p]);
      return StridedGather(*in, *dims, 0, step);
    }
    if (op == "Slice") {
      std::optional<std::vector<SliceAxis>> axes =
          SliceAxes(index_, *node, where, in->dims);
      if (!axes) return std::nullopt;
      int64_t base = 0;
      Dims step;
      for (size_t j = 0; j < axes->size(); ++j) {
        base += (*axes)[j].start * in_strides[j];
        step.push_back((*axes)[j].step * in_strides[j]);
      }
      return StridedGather(*in, *dims, base, step);
    }
    if (op == "Split") {
      int64_t axis = 0;
      std::optional<Dims> sizes =
          SplitSizes(index_, *node, where, in->dims, &axis);
      if (!sizes) return std::nullopt;
      int64_t start = 0;
      for (int k = 0; k < node->output_size(); ++k) {
        if (node->output(k) == name) {
          return StridedGather(*in, *dims, start * in_strides[axis],
                               in_strides);
        }
        start += (*sizes)[k];
      }
      return std::nullopt;
    }
    // Reshape-like: the flat order is unchanged.
    if (in->site.size() != Count(*dims)) return std::nullopt;
    in->dims = *dims;
    return in;
  }

 private:
  std::optional<ElementSources> TraceConcat(const onnx::NodeProto& node,
                                            const Scope* scope,
                                            const Dims& dims, int depth) const {
    int64_t axis = IntAttribute(node, "axis", 0);
    if (!NormalizeAxis(&axis, static_cast<int64_t>(dims.size()))) {
      return std::nullopt;
    }
    ElementSources out;
    out.dims = dims;
    absl::flat_hash_map<const TensorSite*, int32_t> site_index;
    std::vector<ElementSources> parts;
    for (const std::string& in : node.input()) {
      std::optional<ElementSources> part = Trace(in, scope, depth + 1);
      if (!part) return std::nullopt;
      for (int32_t& s : part->site) {
        const TensorSite* site = part->sites[s];
        auto [it, added] = site_index.try_emplace(
            site, static_cast<int32_t>(out.sites.size()));
        if (added) out.sites.push_back(site);
        s = it->second;
      }
      parts.push_back(std::move(*part));
    }
    uint64_t outer = 1;
    for (int64_t j = 0; j < axis; ++j) outer *= dims[j];
    for (uint64_t o = 0; o < outer; ++o) {
      for (const ElementSources& part : parts) {
        uint64_t block = 1;
        for (size_t j = axis; j < part.dims.size(); ++j) block *= part.dims[j];
        const uint64_t first = o * block;
        out.site.insert(out.site.end(), part.site.begin() + first,
                        part.site.begin() + first + block);
        out.offset.insert(out.offset.end(), part.offset.begin() + first,
                          part.offset.begin() + first + block);
      }
    }
    if (out.site.size() != Count(dims)) return std::nullopt;
    return out;
  }

  const ModelIndex& index_;
  uint64_t max_;
};

}  // namespace

bool IsAssembling(const onnx::NodeProto* node) {
  return IsOp(node, {"Slice", "Split", "Concat"});
}

std::optional<std::vector<SliceAxis>> SliceAxes(
    const ModelIndex& index, const onnx::NodeProto& node, const Scope* scope,
    const std::vector<int64_t>& in_dims) {
  const int64_t rank = static_cast<int64_t>(in_dims.size());
  std::optional<Dims> starts, ends, axes, steps;
  if (node.input_size() >= 3) {  // opset 10 and later
    bool absent = false;
    starts = InputInts(index, node, 1, scope, &absent);
    ends = InputInts(index, node, 2, scope, &absent);
    axes = InputInts(index, node, 3, scope, &absent);
    if (!axes && !absent) return std::nullopt;
    steps = InputInts(index, node, 4, scope, &absent);
    if (!steps && !absent) return std::nullopt;
  } else {
    starts = IntsAttribute(node, "starts");
    ends = IntsAttribute(node, "ends");
    axes = IntsAttribute(node, "axes");
  }
  if (!starts || !ends || starts->size() != ends->size()) return std::nullopt;
  const size_t n = starts->size();
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < n; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = Dims(n, 1);
  if (axes->size() != n || steps->size() != n) return std::nullopt;
  std::vector<SliceAxis> out(rank);
  for (int64_t j = 0; j < rank; ++j) out[j] = {0, 1, in_dims[j]};
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = (*axes)[i];
    if (!NormalizeAxis(&axis, rank)) return std::nullopt;
    const int64_t d = in_dims[axis];
    const int64_t step = (*steps)[i];
    if (step == 0 || step == std::numeric_limits<int64_t>::min()) {
      return std::nullopt;
    }
    int64_t s = (*starts)[i];
    int64_t e = (*ends)[i];
    if (s < 0) s += d;
    if (e < 0) e += d;
    int64_t count = 0;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      count = s > e ? (s - e - step - 1) / -step : 0;
    }
    out[axis] = {s, step, count};
  }
  return out;
}

std::optional<std::vector<int64_t>> SplitSizes(
    const ModelIndex& index, const onnx::NodeProto& node, const Scope* scope,
    const std::vector<int64_t>& in_dims, int64_t* axis) {
  *axis = IntAttribute(node, "axis", 0);
  if (!NormalizeAxis(axis, static_cast<int64_t>(in_dims.size()))) {
    return std::nullopt;
  }
  const int64_t d = in_dims[*axis];
  const int64_t parts = node.output_size();
  if (parts == 0) return std::nullopt;
  bool absent = false;
  std::optional<Dims> sizes = InputInts(index, node, 1, scope, &absent);
  if (!sizes && !absent) return std::nullopt;
  if (!sizes) sizes = IntsAttribute(node, "split");
  if (!sizes) {
    const int64_t num = IntAttribute(node, "num_outputs", parts);
    if (num != parts) return std::nullopt;
    const int64_t each = (d + parts - 1) / parts;  // the last may be smaller
    sizes.emplace();
    for (int64_t k = 0; k < parts; ++k) {
      sizes->push_back(std::max<int64_t>(0, std::min(each, d - k * each)));
    }
    if (IntAttribute(node, "num_outputs", 0) == 0 && d % parts != 0) {
      return std::nullopt;  // before opset 18 the parts must be equal
    }
  }
  if (static_cast<int64_t>(sizes->size()) != parts) return std::nullopt;
  int64_t total = 0;
  for (int64_t s : *sizes) {
    if (s < 0) return std::nullopt;
    total += s;
  }
  if (total != d) return std::nullopt;
  return sizes;
}

std::optional<ElementSources> TraceElements(const ModelIndex& index,
                                            const std::string& name,
                                            const Scope* scope,
                                            uint64_t max_elements) {
  return Tracer(index, max_elements).Trace(name, scope, 0);
}

}  // namespace onnx_reinit
