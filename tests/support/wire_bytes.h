// Protobuf wire bytes written by hand, for models that libprotobuf would not
// write: nesting beyond its limits, length prefixes that lie, groups.
#ifndef ONNX_REINIT_TESTS_SUPPORT_WIRE_BYTES_H_
#define ONNX_REINIT_TESTS_SUPPORT_WIRE_BYTES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace onnx_reinit::testing {

std::string Varint(uint64_t v);
// The tag of length-delimited field `number` and a length prefix.
std::string Header(int number, uint64_t length);
// Header(number, body.size()) + body.
std::string Field(int number, const std::string& body);

// A ModelProto (ir_version 8, no opsets) whose graph holds an If whose
// then_branch holds an If ... `levels` deep. Each message's first field is
// its child, so offset_at_depth[d] is where the field of the message at depth
// d starts (the graph is at depth 1), for d up to 3 * levels + 1.
struct NestedModel {
  std::string bytes;
  std::vector<uint64_t> offset_at_depth;
};
NestedModel NestedIfs(int levels);

// The path of the node at message depth 2 + 3k (k Ifs down).
std::string NestedNodePath(int k);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_WIRE_BYTES_H_
