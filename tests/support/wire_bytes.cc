#include "support/wire_bytes.h"

namespace onnx_reinit::testing {

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

std::string Header(int number, uint64_t length) {
  return Varint(static_cast<uint64_t>(number) << 3 | 2) + Varint(length);
}

std::string Field(int number, const std::string& body) {
  return Header(number, body.size()) + body;
}

NestedModel NestedIfs(int levels) {
  // Built from the inside out; header sizes recorded innermost first.
  std::string graph;  // the innermost graph: empty
  std::vector<size_t> headers;
  for (int i = 0; i < levels; ++i) {
    headers.push_back(Header(6, graph.size()).size());  // attribute.g
    const std::string attribute = Field(6, graph) + Field(1, "then_branch") +
                                  Varint(20 << 3) + Varint(5);  // type GRAPH
    headers.push_back(Header(5, attribute.size()).size());  // node.attribute
    const std::string node = Field(5, attribute) + Field(4, "If");
    headers.push_back(Header(1, node.size()).size());  // graph.node
    graph = Field(1, node);
  }
  NestedModel model;
  model.bytes = Field(7, graph) + Varint(1 << 3) + Varint(8);
  headers.push_back(Header(7, graph.size()).size());  // model.graph
  model.offset_at_depth.assign(headers.size() + 1, 0);
  uint64_t at = 0;
  for (size_t d = 1; d <= headers.size(); ++d) {
    model.offset_at_depth[d] = at;
    at += headers[headers.size() - d];
  }
  return model;
}

std::string NestedNodePath(int k) {
  std::string path = "graph";
  for (int i = 0; i < k; ++i) path += "/node[0]/attribute[0]/g";
  return path + "/node[0]";
}

}  // namespace onnx_reinit::testing
