#include "io/tensor_locations.h"

#include <algorithm>

namespace onnx_reinit {
namespace {

// ModelProto, TrainingInfoProto, GraphProto, NodeProto and AttributeProto
// field numbers on the way to a tensor (io/wire_scan.cc's descents).
constexpr int kModelGraph = 7;
constexpr int kModelTrainingInfo = 20;
constexpr int kTrainingInitialization = 1;
constexpr int kTrainingAlgorithm = 2;
constexpr int kGraphNode = 1;
constexpr int kGraphInitializer = 5;
constexpr int kNodeAttribute = 5;
constexpr int kAttributeTensor = 5;
constexpr int kAttributeGraph = 6;
constexpr int kAttributeGraphs = 11;

template <typename T>
bool InRange(int index, const T& repeated) {
  return index >= 0 && index < repeated.size();
}

// The TensorProto the envelope chain `steps` (outermost first) leads to.
const onnx::TensorProto* Follow(const onnx::ModelProto& model,
                                const std::vector<const Envelope*>& steps) {
  const onnx::TrainingInfoProto* info = nullptr;
  const onnx::GraphProto* graph = nullptr;
  const onnx::NodeProto* node = nullptr;
  const onnx::AttributeProto* attribute = nullptr;
  for (size_t k = 0; k < steps.size(); ++k) {
    const int field = steps[k]->field_number;
    const int index = steps[k]->index;
    const bool last = k + 1 == steps.size();
    if (attribute != nullptr) {
      if (field == kAttributeTensor && last) return &attribute->t();
      if (field == kAttributeGraph) {
        graph = &attribute->g();
      } else if (field == kAttributeGraphs &&
                 InRange(index, attribute->graphs())) {
        graph = &attribute->graphs(index);
      } else {
        return nullptr;
      }
      attribute = nullptr;
    } else if (node != nullptr) {
      if (field != kNodeAttribute || !InRange(index, node->attribute())) {
        return nullptr;
      }
      attribute = &node->attribute(index);
      node = nullptr;
    } else if (graph != nullptr) {
      if (field == kGraphInitializer && last &&
          InRange(index, graph->initializer())) {
        return &graph->initializer(index);
      }
      if (field != kGraphNode || !InRange(index, graph->node())) return nullptr;
      node = &graph->node(index);
      graph = nullptr;
    } else if (info != nullptr) {
      if (field == kTrainingInitialization) {
        graph = &info->initialization();
      } else if (field == kTrainingAlgorithm) {
        graph = &info->algorithm();
      } else {
        return nullptr;
      }
      info = nullptr;
    } else if (field == kModelGraph) {
      graph = &model.graph();
    } else if (field == kModelTrainingInfo &&
               InRange(index, model.training_info())) {
      info = &model.training_info(index);
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

}  // namespace

TensorLocations::TensorLocations(const onnx::ModelProto& model,
                                 const ModelLayout& layout) {
  sorted_.reserve(layout.tensors.size());
  std::vector<const Envelope*> steps;
  for (size_t i = 0; i < layout.tensors.size(); ++i) {
    steps.clear();
    for (int e = layout.tensors[i].envelope; e >= 0;
         e = layout.envelopes[e].parent) {
      steps.push_back(&layout.envelopes[e]);
    }
    std::reverse(steps.begin(), steps.end());
    if (const onnx::TensorProto* tensor = Follow(model, steps)) {
      sorted_.emplace_back(tensor, static_cast<int>(i));
    }
  }
  std::sort(sorted_.begin(), sorted_.end());
}

int TensorLocations::Find(const onnx::TensorProto* tensor) const {
  auto it = std::lower_bound(
      sorted_.begin(), sorted_.end(), tensor,
      [](const std::pair<const onnx::TensorProto*, int>& entry,
         const onnx::TensorProto* t) { return entry.first < t; });
  return it != sorted_.end() && it->first == tensor ? it->second : -1;
}

}  // namespace onnx_reinit
