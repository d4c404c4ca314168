// external_seed_model IN OUT: writes OUT = the model IN with the values of
// every tensor (initializers and Constant `value`s, in every graph and
// subgraph) of more than 256 bytes of raw_data moved to external data: one
// file "weights.bin" (not written), the tensors one after another from
// offset 0, each at a multiple of 64. The fuzz seeds of the big corpus
// models (tests/fuzz/make_seeds.sh): a few KB of graph instead of tens of MB
// of zeros, and the external_data entries every such model has.
// Exit 1 with a message on stderr when IN cannot be read or OUT written.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "onnx/onnx_pb.h"

namespace {

constexpr size_t kKeepInline = 256;

void MoveOut(onnx::TensorProto* tensor, uint64_t* offset) {
  if (tensor->raw_data().size() <= kKeepInline) return;
  const uint64_t length = tensor->raw_data().size();
  *offset = (*offset + 63) / 64 * 64;
  tensor->clear_raw_data();
  tensor->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [tensor](const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* entry = tensor->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add("location", "weights.bin");
  add("offset", std::to_string(*offset));
  add("length", std::to_string(length));
  *offset += length;
}

void MoveOutGraph(onnx::GraphProto* graph, uint64_t* offset) {
  for (onnx::TensorProto& t : *graph->mutable_initializer()) {
    MoveOut(&t, offset);
  }
  for (onnx::NodeProto& node : *graph->mutable_node()) {
    for (onnx::AttributeProto& a : *node.mutable_attribute()) {
      if (a.has_t()) MoveOut(a.mutable_t(), offset);
      if (a.has_g()) MoveOutGraph(a.mutable_g(), offset);
      for (onnx::GraphProto& g : *a.mutable_graphs()) MoveOutGraph(&g, offset);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: external_seed_model IN OUT\n");
    return 2;
  }
  onnx::ModelProto model;
  {
    std::ifstream in(argv[1], std::ios::binary);
    if (!in || !model.ParseFromIstream(&in)) {
      std::fprintf(stderr, "external_seed_model: cannot read %s\n", argv[1]);
      return 1;
    }
  }
  uint64_t offset = 0;
  MoveOutGraph(model.mutable_graph(), &offset);
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
    std::fprintf(stderr, "external_seed_model: cannot write %s\n", argv[2]);
    return 1;
  }
  return 0;
}
