#include "support/corpus.h"

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

}  // namespace onnx_reinit::testing
