#include "support/external_model.h"

#include "io/sha1.h"
#include "onnx/onnx_pb.h"
#include "support/model_text.h"

namespace onnx_reinit::testing {

std::vector<std::string> WriteExternalDataModel(const std::string& dir,
                                                int files, int64_t rows,
                                                int64_t cols) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(14);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("g");
  auto float_value = [](onnx::ValueInfoProto* v, const std::string& name,
                        int64_t a, int64_t b) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_value(a);
    t->mutable_shape()->add_dim()->set_dim_value(b);
  };
  float_value(g->add_input(), "x", 1, rows);
  std::vector<std::string> names;
  const uint64_t bytes = static_cast<uint64_t>(rows * cols) * 4;
  for (int k = 0; k < files; ++k) {
    const std::string w = "W" + std::to_string(k);
    const std::string y = "y" + std::to_string(k);
    const std::string location = "w" + std::to_string(k) + ".bin";
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(w);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(rows);
    t->add_dims(cols);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, std::string>>{
             {"location", location},
             {"offset", "16"},
             {"length", std::to_string(bytes)},
             {"checksum", std::string(40, '0')}}) {
      auto* e = t->add_external_data();
      e->set_key(key);
      e->set_value(value);
    }
    onnx::NodeProto* n = g->add_node();
    n->set_op_type("MatMul");
    n->set_name(y);
    n->add_input("x");
    n->add_input(w);
    n->add_output(y);
    float_value(g->add_output(), y, 1, cols);
    WriteFile(dir + "/" + location,
              std::string(16, 'H') + std::string(bytes, '\0'));
    names.push_back(location);
  }
  WriteModel(model, dir + "/model.onnx");
  return names;
}

bool ChecksumsMatchDataFiles(const std::string& model_path, std::string* why) {
  const std::string dir = model_path.substr(0, model_path.rfind('/'));
  const onnx::ModelProto model = ReadModel(model_path);
  for (const onnx::TensorProto& t : model.graph().initializer()) {
    std::string location, checksum;
    for (const auto& e : t.external_data()) {
      if (e.key() == "location") location = e.value();
      if (e.key() == "checksum") checksum = e.value();
    }
    if (location.empty()) continue;
    const std::string data = ReadFile(dir + "/" + location);
    Sha1 sha;
    sha.Update(data.data(), data.size());
    if (sha.HexDigest() != checksum) {
      *why = "tensor " + t.name() + ": the model's checksum " + checksum +
             " is not the SHA-1 of " + location + " (" + sha.HexDigest() + ")";
      return false;
    }
  }
  return true;
}

}  // namespace onnx_reinit::testing
