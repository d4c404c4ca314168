#include "support/large_model.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "onnx/onnx_pb.h"

namespace onnx_reinit::testing {
namespace {

constexpr uint64_t kAlign = 64 * 1024;
constexpr uint64_t kAlignFrom = 1024 * 1024;

onnx::ValueInfoProto Float2D(const std::string& name, int64_t a, int64_t b) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_value(a);
  t->mutable_shape()->add_dim()->set_dim_value(b);
  return v;
}

void AddNode(onnx::GraphProto* g, const std::string& op,
             std::initializer_list<std::string> in, const std::string& out) {
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out);
  for (const std::string& i : in) n->add_input(i);
  n->add_output(out);
}

}  // namespace

LargeModel WriteLargeModel(const std::string& dir, int layers, int64_t width) {
  LargeModel result;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("onnx-reinit large model generator");
  model.add_opset_import()->set_version(14);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("decoder");
  *g->add_input() = Float2D("x0", 1, width);
  uint64_t offset = sizeof(kLargeModelMarker);  // the marker comes first
  auto add_tensor = [&](const std::string& name, int64_t rows, int64_t cols) {
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    if (rows > 0) t->add_dims(rows);
    t->add_dims(cols);
    const uint64_t bytes = static_cast<uint64_t>(rows > 0 ? rows : 1) * cols * 4;
    if (bytes >= kAlignFrom) offset = (offset + kAlign - 1) / kAlign * kAlign;
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] :
         {std::pair<std::string, std::string>{"location", "weights.bin"},
          {"offset", std::to_string(offset)},
          {"length", std::to_string(bytes)}}) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
    offset += bytes;
  };
  std::string x = "x0";
  for (int l = 0; l < layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    add_tensor(p + "up.weight", width, 4 * width);
    add_tensor(p + "up.bias", 0, 4 * width);
    add_tensor(p + "down.weight", 4 * width, width);
    add_tensor(p + "down.bias", 0, width);
    AddNode(g, "MatMul", {x, p + "up.weight"}, p + "up");
    AddNode(g, "Add", {p + "up", p + "up.bias"}, p + "up_b");
    AddNode(g, "Relu", {p + "up_b"}, p + "act");
    AddNode(g, "MatMul", {p + "act", p + "down.weight"}, p + "down");
    AddNode(g, "Add", {p + "down", p + "down.bias"}, p + "down_b");
    const std::string next = "x" + std::to_string(l + 1);
    AddNode(g, "Add", {x, p + "down_b"}, next);
    x = next;
  }
  *g->add_output() = Float2D(x, 1, width);

  result.model_path = dir + "/model.onnx";
  result.data_path = dir + "/weights.bin";
  result.data_size = offset + sizeof(kLargeModelMarker);
  std::ofstream out(result.model_path, std::ios::binary);
  if (!model.SerializeToOstream(&out)) {
    std::cerr << "cannot write " << result.model_path << "\n";
    return {};
  }
  const int fd = ::open(result.data_path.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const bool ok =
      fd >= 0 &&
      ::ftruncate(fd, static_cast<off_t>(result.data_size)) == 0 &&
      ::pwrite(fd, kLargeModelMarker, sizeof(kLargeModelMarker), 0) ==
          static_cast<ssize_t>(sizeof(kLargeModelMarker)) &&
      ::pwrite(fd, kLargeModelMarker, sizeof(kLargeModelMarker),
               static_cast<off_t>(offset)) ==
          static_cast<ssize_t>(sizeof(kLargeModelMarker));
  if (fd >= 0) ::close(fd);
  if (!ok) {
    std::cerr << "cannot write " << result.data_path << "\n";
    return {};
  }
  return result;
}

}  // namespace onnx_reinit::testing
