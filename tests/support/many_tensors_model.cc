#include "support/many_tensors_model.h"

#include <climits>
#include <fstream>
#include <iostream>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit::testing {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::OstreamOutputStream;

// GraphProto and ModelProto field numbers.
constexpr int kGraphNode = 1;
constexpr int kGraphName = 2;
constexpr int kGraphInitializer = 5;
constexpr int kGraphInput = 11;
constexpr int kGraphOutput = 12;
constexpr int kModelGraph = 7;

onnx::ValueInfoProto Float2D(const std::string& name) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_value(1);
  t->mutable_shape()->add_dim()->set_dim_value(1);
  return v;
}

onnx::NodeProto Node(int64_t i) {
  onnx::NodeProto n;
  n.set_op_type("MatMul");
  n.set_name("m" + std::to_string(i));
  n.add_input("x" + std::to_string(i));
  n.add_input("w" + std::to_string(i));
  n.add_output("x" + std::to_string(i + 1));
  return n;
}

onnx::TensorProto Tensor(int64_t i) {
  onnx::TensorProto t;
  t.set_name("w" + std::to_string(i));
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(1);
  t.add_dims(1);
  t.set_raw_data(std::string(4, '\0'));
  return t;
}

uint64_t FieldSize(int field, uint64_t size) {
  return CodedOutputStream::VarintSize32(static_cast<uint32_t>(field) << 3) +
         CodedOutputStream::VarintSize64(size) + size;
}

void WriteMessageField(int field, const google::protobuf::MessageLite& m,
                       CodedOutputStream* out) {
  out->WriteTag(static_cast<uint32_t>(field) << 3 | 2);
  out->WriteVarint64(m.ByteSizeLong());
  m.SerializeWithCachedSizes(out);
}

}  // namespace

bool WriteManyTensorsModel(const std::string& path, int64_t count) {
  onnx::ModelProto header;  // everything but the graph
  header.set_ir_version(8);
  header.set_producer_name("onnx-reinit many-tensors generator");
  header.add_opset_import()->set_version(14);
  const std::string graph_name = "many_tensors";
  const onnx::ValueInfoProto input = Float2D("x0");
  const onnx::ValueInfoProto output = Float2D("x" + std::to_string(count));

  // First pass: the graph's size, for its length prefix.
  uint64_t graph_size = FieldSize(kGraphName, graph_name.size()) +
                        FieldSize(kGraphInput, input.ByteSizeLong()) +
                        FieldSize(kGraphOutput, output.ByteSizeLong());
  for (int64_t i = 0; i < count; ++i) {
    graph_size += FieldSize(kGraphNode, Node(i).ByteSizeLong()) +
                  FieldSize(kGraphInitializer, Tensor(i).ByteSizeLong());
  }
  if (header.ByteSizeLong() + FieldSize(kModelGraph, graph_size) >
      static_cast<uint64_t>(INT_MAX)) {
    std::cerr << "a model of " << count << " tensors exceeds 2 GiB\n";
    return false;
  }

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  {
    OstreamOutputStream stream(&file);
    CodedOutputStream out(&stream);
    header.SerializeWithCachedSizes(&out);
    out.WriteTag(kModelGraph << 3 | 2);
    out.WriteVarint64(graph_size);
    for (int64_t i = 0; i < count; ++i) {
      WriteMessageField(kGraphNode, Node(i), &out);
    }
    out.WriteTag(kGraphName << 3 | 2);
    out.WriteVarint64(graph_name.size());
    out.WriteString(graph_name);
    for (int64_t i = 0; i < count; ++i) {
      WriteMessageField(kGraphInitializer, Tensor(i), &out);
    }
    WriteMessageField(kGraphInput, input, &out);
    WriteMessageField(kGraphOutput, output, &out);
    if (out.HadError()) {
      std::cerr << "cannot write " << path << "\n";
      return false;
    }
  }
  file.close();
  if (!file) {
    std::cerr << "cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace onnx_reinit::testing
