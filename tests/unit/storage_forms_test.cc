// Every storage form of a weight's values is rewritten in its own field and
// encoding, with everything else in the file kept byte for byte.
#include <cmath>
#include <string>
#include <vector>

#include "dtype/float_convert.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "io/wire_scan.h"
#include "reinit.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// y = x · W with W of `dims`; W's values set by the caller.
onnx::ModelProto MatMulModel() {
  return testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 64] x) => (float[1, 32] y)
    <float[64, 32] W = {0}>
    {
      y = MatMul (x, W)
    }
  )");
}

ReinitOptions Options(const std::string& strategy) {
  ReinitOptions options;
  options.plan.rules = testing::RulesFor(strategy, "zeros");
  options.rewrite.seed = 11;
  return options;
}

// Writes `bytes`, re-initializes it with `strategy`, returns the output bytes.
std::string Reinit(const std::string& bytes, const std::string& strategy,
                   Report* report = nullptr) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/in.onnx", bytes);
  absl::StatusOr<Report> r =
      ReinitializeFile(dir + "/in.onnx", dir + "/out.onnx", Options(strategy));
  EXPECT_TRUE(r.ok()) << r.status();
  if (report != nullptr && r.ok()) *report = *r;
  return testing::ReadFile(dir + "/out.onnx");
}

std::string Serialize(const onnx::ModelProto& model) {
  std::string s;
  model.SerializeToString(&s);
  return s;
}

onnx::TensorProto* Weight(onnx::ModelProto* model) {
  return model->mutable_graph()->mutable_initializer(0);
}

// Bytes outside the value payloads of initializer 0 in `in` are identical in
// `out` (same-length rewrite).
void ExpectOnlyValuesOfWeightChanged(const std::string& in,
                                     const std::string& out) {
  ASSERT_EQ(in.size(), out.size());
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(in.data()), in.size()));
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  std::vector<bool> may_change(in.size(), false);
  for (const ValueField& v : scanned->layout.tensors[0].values) {
    for (uint64_t b = v.payload.offset; b < v.payload.end(); ++b) {
      may_change[b] = true;
    }
  }
  for (size_t b = 0; b < in.size(); ++b) {
    if (!may_change[b]) {
      ASSERT_EQ(in[b], out[b]) << "byte " << b;
    }
  }
  EXPECT_NE(in, out);
}

void ExpectNormal(const std::vector<double>& values, double std) {
  ASSERT_EQ(values.size(), 64u * 32u);
  testing::Moments m = testing::ComputeMoments(values);
  const double n = static_cast<double>(values.size());
  EXPECT_NEAR(m.mean, 0, 6 * std / std::sqrt(n));
  EXPECT_NEAR(m.std, std, 6 * std * std::sqrt(0.5) / std::sqrt(n));
}

TEST(StorageFormsTest, FloatDataIsOverwrittenInPlace) {
  onnx::ModelProto model = MatMulModel();
  Weight(&model)->clear_float_data();
  for (int i = 0; i < 64 * 32; ++i) Weight(&model)->add_float_data(0.5f);
  const std::string in = Serialize(model);
  const std::string out = Reinit(in, "normal(std=0.1)");
  ExpectOnlyValuesOfWeightChanged(in, out);
  onnx::ModelProto written;
  ASSERT_TRUE(written.ParseFromString(out));
  EXPECT_EQ(written.graph().initializer(0).float_data_size(), 64 * 32);
  EXPECT_TRUE(written.graph().initializer(0).raw_data().empty());
  ExpectNormal(testing::DecodeValues(written.graph().initializer(0)), 0.1);
}

TEST(StorageFormsTest, DoubleRawDataIsOverwrittenInPlace) {
  onnx::ModelProto model = MatMulModel();
  onnx::TensorProto* w = Weight(&model);
  w->clear_float_data();
  w->set_data_type(onnx::TensorProto::DOUBLE);
  w->set_raw_data(std::string(64 * 32 * 8, '\0'));
  const std::string in = Serialize(model);
  const std::string out = Reinit(in, "he_normal");
  ExpectOnlyValuesOfWeightChanged(in, out);
  onnx::ModelProto written;
  ASSERT_TRUE(written.ParseFromString(out));
  ExpectNormal(testing::DecodeValues(written.graph().initializer(0)),
               std::sqrt(2.0 / 64));
}

TEST(StorageFormsTest, Bfloat16RawDataRoundsToNearestEven) {
  onnx::ModelProto model = MatMulModel();
  onnx::TensorProto* w = Weight(&model);
  w->clear_float_data();
  w->set_data_type(onnx::TensorProto::BFLOAT16);
  w->set_raw_data(std::string(64 * 32 * 2, '\0'));
  const std::string in = Serialize(model);
  Report report;
  const std::string out = Reinit(in, "normal(std=0.5)", &report);
  ExpectOnlyValuesOfWeightChanged(in, out);
  onnx::ModelProto written;
  ASSERT_TRUE(written.ParseFromString(out));
  const std::vector<double> values =
      testing::DecodeValues(written.graph().initializer(0));
  ExpectNormal(values, 0.5);
  // Values are bf16-representable (low mantissa bits of the float are 0).
  for (double v : values) {
    EXPECT_EQ(Bfloat16ToFloat(FloatToBfloat16(static_cast<float>(v))),
              static_cast<float>(v));
  }
  // The report measures the rounded values.
  EXPECT_NEAR(report.tensors(0).std(), testing::ComputeMoments(values).std,
              1e-12);
}

TEST(StorageFormsTest, Float16InInt32DataIsReencodedWithNewLengths) {
  onnx::ModelProto model = MatMulModel();
  onnx::TensorProto* w = Weight(&model);
  w->clear_float_data();
  w->set_data_type(onnx::TensorProto::FLOAT16);
  for (int i = 0; i < 64 * 32; ++i) w->add_int32_data(0);  // 1-byte varints
  w->set_doc_string("kept doc");
  // A second, untouched initializer after the rewritten one.
  onnx::TensorProto* extra = model.mutable_graph()->add_initializer();
  extra->set_name("unused");
  extra->set_data_type(onnx::TensorProto::FLOAT);
  extra->add_dims(3);
  for (float f : {1.f, 2.f, 3.f}) extra->add_float_data(f);
  model.set_doc_string("model doc");
  const std::string in = Serialize(model);
  const std::string out = Reinit(in, "xavier_uniform");
  EXPECT_GT(out.size(), in.size());  // bit patterns need 2-3 byte varints

  onnx::ModelProto written;
  ASSERT_TRUE(written.ParseFromString(out));
  const onnx::TensorProto& wt = written.graph().initializer(0);
  EXPECT_EQ(wt.int32_data_size(), 64 * 32);
  EXPECT_EQ(wt.doc_string(), "kept doc");
  const std::vector<double> values = testing::DecodeValues(wt);
  const double bound = std::sqrt(6.0 / (64 + 32));
  testing::Moments m = testing::ComputeMoments(values);
  EXPECT_GE(m.min, -bound * (1 + 1e-3));
  EXPECT_LE(m.max, bound * (1 + 1e-3));
  EXPECT_NEAR(m.std, bound / std::sqrt(3.0), 0.05 * bound);
  // Everything else is as it was: put the input's values back and compare.
  onnx::ModelProto restored = written;
  *restored.mutable_graph()->mutable_initializer(0)->mutable_int32_data() =
      model.graph().initializer(0).int32_data();
  EXPECT_EQ(Serialize(restored), in);
}

// Builds a model whose weight stores float_data unpacked (one tag per value)
// and split over two occurrences, plus an unknown field 99 in the tensor —
// forms protobuf accepts but never writes itself.
std::string UnusualEncodingModel(const onnx::ModelProto& base, int values) {
  onnx::ModelProto model = base;
  onnx::TensorProto tensor = model.graph().initializer(0);
  tensor.clear_float_data();
  model.mutable_graph()->clear_initializer();
  std::string tensor_bytes = tensor.SerializeAsString();
  {
    StringOutputStream stream(&tensor_bytes);
    CodedOutputStream out(&stream);
    for (int i = 0; i < values / 2; ++i) {
      out.WriteTag((4 << 3) | 5);  // float_data, fixed32, unpacked
      out.WriteLittleEndian32(0);
    }
    out.WriteTag((99 << 3) | 0);  // unknown varint field
    out.WriteVarint32(12345);
    out.WriteTag((4 << 3) | 2);  // float_data, packed, second occurrence
    out.WriteVarint32((values - values / 2) * 4);
    for (int i = values / 2; i < values; ++i) out.WriteLittleEndian32(0);
  }
  std::string graph_bytes = model.graph().SerializeAsString();
  {
    StringOutputStream stream(&graph_bytes);
    CodedOutputStream out(&stream);
    out.WriteTag((5 << 3) | 2);
    out.WriteVarint32(static_cast<uint32_t>(tensor_bytes.size()));
    out.WriteRaw(tensor_bytes.data(), static_cast<int>(tensor_bytes.size()));
  }
  model.clear_graph();
  std::string bytes = model.SerializeAsString();
  StringOutputStream stream(&bytes);
  CodedOutputStream out(&stream);
  out.WriteTag((7 << 3) | 2);
  out.WriteVarint32(static_cast<uint32_t>(graph_bytes.size()));
  out.WriteRaw(graph_bytes.data(), static_cast<int>(graph_bytes.size()));
  out.Trim();
  return bytes;
}

TEST(StorageFormsTest, UnpackedAndSplitFloatDataBecomesOnePackedField) {
  const std::string in = UnusualEncodingModel(MatMulModel(), 64 * 32);
  const std::string out = Reinit(in, "normal(std=0.1)");
  onnx::ModelProto written;
  ASSERT_TRUE(written.ParseFromString(out));
  const onnx::TensorProto& wt = written.graph().initializer(0);
  ExpectNormal(testing::DecodeValues(wt), 0.1);
  // The unknown field survives.
  EXPECT_NE(wt.SerializeAsString().find(std::string("\x98\x06\xb9\x60", 4)),
            std::string::npos);
  EXPECT_EQ(written.graph().node(0).op_type(), "MatMul");
}

TEST(StorageFormsTest, ValueCountThatDisagreesWithDimsIsAnError) {
  onnx::ModelProto model = MatMulModel();
  Weight(&model)->clear_float_data();
  for (int i = 0; i < 5; ++i) Weight(&model)->add_float_data(0);
  const std::string dir = testing::MakeTempDir();
  testing::WriteModel(model, dir + "/in.onnx");
  absl::StatusOr<Report> r =
      ReinitializeFile(dir + "/in.onnx", dir + "/out.onnx", Options("normal"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "\"" + dir +
                "/in.onnx\": initializer \"W\" (FLOAT, dims [64, 32]): "
                "float_data holds 5 values but the dims need 2048");
  EXPECT_EQ(testing::ReadFile(dir + "/out.onnx"), "");
}

}  // namespace
}  // namespace onnx_reinit
