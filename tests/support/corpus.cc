#include "support/corpus.h"

#include <cstdlib>
#include <cstring>

#include "dtype/float_convert.h"

namespace onnx_reinit::testing {

const std::vector<std::string>& CorpusModels() {
  static const std::vector<std::string> names = {"conv1d_conv3d_groupnorm",
                                                 "dcgan_generator",
                                                 "gru_bidir",
                                                 "lstm_lm",
                                                 "mlp",
                                                 "mobilenet_v2",
                                                 "resnet18",
                                                 "resnet18_train",
                                                 "squeezenet1_1",
                                                 "transformer_encoder"};
  return names;
}

std::string CorpusPath(const std::string& name) {
  return std::string(REINIT_TEST_CORPUS_DIR) + "/" + name + ".onnx";
}

std::vector<double> DecodeValues(const onnx::TensorProto& t) {
  std::vector<double> out;
  const std::string& raw = t.raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (!raw.empty()) {
        for (size_t i = 0; i + 4 <= raw.size(); i += 4) {
          float f;
          std::memcpy(&f, raw.data() + i, 4);
          out.push_back(f);
        }
      } else {
        out.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (!raw.empty()) {
        for (size_t i = 0; i + 8 <= raw.size(); i += 8) {
          double d;
          std::memcpy(&d, raw.data() + i, 8);
          out.push_back(d);
        }
      } else {
        out.assign(t.double_data().begin(), t.double_data().end());
      }
      break;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16: {
      const bool half = t.data_type() == onnx::TensorProto::FLOAT16;
      auto decode = [half](uint16_t bits) {
        return static_cast<double>(half ? HalfToFloat(bits)
                                        : Bfloat16ToFloat(bits));
      };
      if (!raw.empty()) {
        for (size_t i = 0; i + 2 <= raw.size(); i += 2) {
          uint16_t bits =
              static_cast<uint8_t>(raw[i]) |
              static_cast<uint16_t>(static_cast<uint8_t>(raw[i + 1])) << 8;
          out.push_back(decode(bits));
        }
      } else {
        for (int32_t v : t.int32_data())
          out.push_back(decode(static_cast<uint16_t>(v)));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

std::set<std::string> LinearWeightsAndBiases(const onnx::ModelProto& model) {
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) {
    const int dt = t.data_type();
    if (dt == onnx::TensorProto::FLOAT || dt == onnx::TensorProto::DOUBLE ||
        dt == onnx::TensorProto::FLOAT16 || dt == onnx::TensorProto::BFLOAT16) {
      initializers.insert(t.name());
    }
  }
  std::set<std::string> expected;
  for (const auto& node : model.graph().node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx") continue;
    std::vector<int> slots;
    if (node.op_type() == "Gemm") slots = {0, 1, 2};
    if (node.op_type() == "MatMul") slots = {0, 1};
    if (node.op_type() == "Conv" || node.op_type() == "ConvTranspose") {
      slots = {1, 2};
    }
    for (int s : slots) {
      if (s < node.input_size() && initializers.count(node.input(s))) {
        expected.insert(node.input(s));
      }
    }
  }
  return expected;
}

namespace {

// "node[12]" -> ("node", 12); "graph" -> ("graph", -1).
std::pair<std::string, int> Step(const std::string& step) {
  const size_t open = step.find('[');
  if (open == std::string::npos) return {step, -1};
  return {step.substr(0, open), std::atoi(step.c_str() + open + 1)};
}

}  // namespace

onnx::TensorProto* TensorAtPath(onnx::ModelProto* model,
                                const std::string& path) {
  onnx::GraphProto* graph = nullptr;
  onnx::NodeProto* node = nullptr;
  onnx::AttributeProto* attr = nullptr;
  onnx::TrainingInfoProto* info = nullptr;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    auto [field, index] = Step(path.substr(start, end - start));
    start = end + 1;
    if (field == "graph") {
      graph = model->mutable_graph();
    } else if (field == "training_info") {
      if (index >= model->training_info_size()) return nullptr;
      info = model->mutable_training_info(index);
    } else if (field == "initialization") {
      graph = info->mutable_initialization();
    } else if (field == "algorithm") {
      graph = info->mutable_algorithm();
    } else if (field == "node") {
      if (graph == nullptr || index >= graph->node_size()) return nullptr;
      node = graph->mutable_node(index);
    } else if (field == "attribute") {
      if (node == nullptr || index >= node->attribute_size()) return nullptr;
      attr = node->mutable_attribute(index);
    } else if (field == "g") {
      graph = attr->mutable_g();
    } else if (field == "graphs") {
      if (attr == nullptr || index >= attr->graphs_size()) return nullptr;
      graph = attr->mutable_graphs(index);
    } else if (field == "t") {
      return attr ? attr->mutable_t() : nullptr;
    } else if (field == "initializer") {
      if (graph == nullptr || index >= graph->initializer_size())
        return nullptr;
      return graph->mutable_initializer(index);
    } else if (field == "sparse_initializer") {
      if (graph == nullptr || index >= graph->sparse_initializer_size()) {
        return nullptr;
      }
      return graph->mutable_sparse_initializer(index)->mutable_values();
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

const onnx::TensorProto* TensorAtPath(const onnx::ModelProto& model,
                                      const std::string& path) {
  return TensorAtPath(const_cast<onnx::ModelProto*>(&model), path);
}

}  // namespace onnx_reinit::testing
