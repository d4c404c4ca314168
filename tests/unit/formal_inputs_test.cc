// FormalInputName (graph/op_table.h) answers from a generated table what
// onnx's schema registry would: checked here against the registry itself,
// for every operator, opset and slot.
#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "graph/op_table.h"
#include "gtest/gtest.h"
#include "onnx/common/version.h"
#include "onnx/defs/schema.h"

namespace onnx_reinit {
namespace {

// What graph/roles.cc asked the registry before the table existed.
std::string RegistryInputName(const std::string& domain,
                              const std::string& op_type, int opset, int slot) {
  const onnx::OpSchema* schema =
      onnx::OpSchemaRegistry::Schema(op_type, opset, domain);
  if (schema == nullptr || schema->inputs().empty()) return "";
  const auto& inputs = schema->inputs();
  if (slot < static_cast<int>(inputs.size())) return inputs[slot].GetName();
  if (inputs.back().GetOption() == onnx::OpSchema::Variadic) {
    return inputs.back().GetName();
  }
  return "";
}

TEST(FormalInputsTest, TableIsFromTheLinkedOnnx) {
  EXPECT_EQ(FormalInputsOnnxVersion(), onnx::LAST_RELEASE_VERSION)
      << "regenerate lib/graph/op_table_formal_inputs.inc with "
         "tools/gen_formal_inputs.cc";
}

TEST(FormalInputsTest, EveryOperatorOpsetAndSlotMatchesTheRegistry) {
  std::set<std::tuple<std::string, std::string>> ops;
  size_t max_inputs = 0;
  int max_version = 0;
  for (const onnx::OpSchema& schema :
       onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
    ops.emplace(schema.domain(), schema.Name());
    max_inputs = std::max(max_inputs, schema.inputs().size());
    max_version = std::max(max_version, schema.SinceVersion());
  }
  ASSERT_GT(ops.size(), 150u);
  int checked = 0;
  for (const auto& [domain, op_type] : ops) {
    for (int opset = 0; opset <= max_version + 1; ++opset) {
      for (int slot = 0; slot <= static_cast<int>(max_inputs) + 1; ++slot) {
        ASSERT_EQ(FormalInputName(domain, op_type, opset, slot),
                  RegistryInputName(domain, op_type, opset, slot))
            << "domain \"" << domain << "\" " << op_type << " opset " << opset
            << " input " << slot;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(FormalInputsTest, ExamplesFromPlans) {
  EXPECT_EQ(FormalInputName("", "Reshape", 14, 1), "shape");
  EXPECT_EQ(FormalInputName("", "Gemm", 13, 2), "C");
  EXPECT_EQ(FormalInputName("", "LSTM", 14, 7), "P");
  // Clip's min/max became inputs at opset 11.
  EXPECT_EQ(FormalInputName("", "Clip", 6, 1), "");
  EXPECT_EQ(FormalInputName("", "Clip", 11, 1), "min");
  // A variadic tail: every slot has the last formal input's name.
  EXPECT_EQ(FormalInputName("", "Concat", 13, 5), "inputs");
}

TEST(FormalInputsTest, UnknownOperatorsDomainsAndOpsetsHaveNoName) {
  EXPECT_EQ(FormalInputName("", "NoSuchOp", 13, 0), "");
  EXPECT_EQ(FormalInputName("com.microsoft", "Attention", 1, 1), "");
  // The registry spells ONNX's domain "" only.
  EXPECT_EQ(FormalInputName("ai.onnx", "Reshape", 14, 1), "");
  // Older than the operator's first version.
  EXPECT_EQ(FormalInputName("", "Einsum", 11, 0), "");
  EXPECT_EQ(FormalInputName("", "Gemm", 13, 3), "");
  EXPECT_EQ(FormalInputName("", "Gemm", 13, -1), "");
}

}  // namespace
}  // namespace onnx_reinit
