// A corpus of other exporters: small models, written as ONNX text, that
// reproduce the idioms of paddle2onnx, tf2onnx and torch's exporter
// (torchvision ViT and ConvNeXt, an LSTM rebuilt inside If branches, a Loop
// whose body shadows an outer name). Each is re-initialized with the default
// rules through the public entry point, and the whole report is compared
// with a table of the expected role of every float tensor: a tensor that
// takes an unexpected role fails. Kept tensors must be byte-identical in the
// output; randomly rewritten ones must have new values.
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "reinit.h"
#include "rules/rules.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

using testing::DecodeValues;
using testing::TensorAtPath;

// ---------------------------------------------------------------------------
// Building the models.

// ONNX text (onnx 1.12's parser) allows only [A-Za-z0-9_] in names, and the
// tests write "{0}" for tensors whose values do not matter. These put the
// exporters' real names back and give every such tensor a full set of
// values.

using Names = std::map<std::string, std::string>;

void Rename(const Names& names, std::string* name) {
  auto it = names.find(*name);
  if (it != names.end()) *name = it->second;
}

void RenameInGraph(const Names& names, onnx::GraphProto* graph) {
  for (onnx::TensorProto& t : *graph->mutable_initializer()) {
    Rename(names, t.mutable_name());
  }
  for (onnx::ValueInfoProto& v : *graph->mutable_input()) {
    Rename(names, v.mutable_name());
  }
  for (onnx::ValueInfoProto& v : *graph->mutable_output()) {
    Rename(names, v.mutable_name());
  }
  for (onnx::ValueInfoProto& v : *graph->mutable_value_info()) {
    Rename(names, v.mutable_name());
  }
  for (onnx::NodeProto& node : *graph->mutable_node()) {
    for (std::string& in : *node.mutable_input()) Rename(names, &in);
    for (std::string& out : *node.mutable_output()) Rename(names, &out);
    for (onnx::AttributeProto& a : *node.mutable_attribute()) {
      if (a.has_g()) RenameInGraph(names, a.mutable_g());
      for (onnx::GraphProto& g : *a.mutable_graphs()) RenameInGraph(names, &g);
    }
  }
}

int64_t ElementCount(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) n *= d;
  return n;
}

// Distinct, non-zero values (so a rewrite to anything random changes them).
void FillTensor(onnx::TensorProto* t) {
  if (t->data_type() != onnx::TensorProto::FLOAT) return;
  const int64_t n = ElementCount(*t);
  if (!t->raw_data().empty() || t->float_data_size() == n) return;
  t->clear_float_data();
  for (int64_t i = 0; i < n; ++i) {
    t->add_float_data(0.01f * static_cast<float>((i * 7) % 23 + 1));
  }
}

void FillGraph(onnx::GraphProto* graph) {
  for (onnx::TensorProto& t : *graph->mutable_initializer()) FillTensor(&t);
  for (onnx::NodeProto& node : *graph->mutable_node()) {
    for (onnx::AttributeProto& a : *node.mutable_attribute()) {
      if (a.has_t()) FillTensor(a.mutable_t());
      if (a.has_g()) FillGraph(a.mutable_g());
      for (onnx::GraphProto& g : *a.mutable_graphs()) FillGraph(&g);
    }
  }
}

onnx::ModelProto BuildModel(const std::string& text, const Names& names = {}) {
  onnx::ModelProto model = testing::ParseModel(text);
  RenameInGraph(names, model.mutable_graph());
  FillGraph(model.mutable_graph());
  return model;
}

// ---------------------------------------------------------------------------
// Running and checking.

struct Result {
  bool ok = false;
  Report report;
  onnx::ModelProto in;
  onnx::ModelProto out;
};

Result Reinit(const onnx::ModelProto& model,
              const RuleOptions& rule_options = RuleOptions{}) {
  Result result;
  absl::StatusOr<RuleSet> rules = RuleSet::Build(rule_options);
  EXPECT_TRUE(rules.ok()) << rules.status();
  if (!rules.ok()) return result;
  const std::string dir = testing::MakeTempDir();
  const std::string input = dir + "/in.onnx";
  const std::string output = dir + "/out.onnx";
  testing::WriteModel(model, input);
  ReinitOptions options;
  options.plan.rules = &*rules;
  options.rewrite.seed = 20240611;
  absl::StatusOr<Report> report = ReinitializeFile(input, output, options);
  EXPECT_TRUE(report.ok()) << report.status();
  if (!report.ok()) return result;
  result.ok = true;
  result.report = *report;
  result.in = testing::ReadModel(input);
  result.out = testing::ReadModel(output);
  return result;
}

const TensorRecord* FindRecord(const Result& result, const std::string& name) {
  for (const TensorRecord& r : result.report.tensors()) {
    if (r.name() == name) return &r;
  }
  ADD_FAILURE() << "no report record for " << name;
  return nullptr;
}

// The written values of `name`, or empty.
std::vector<double> WrittenValues(const Result& result,
                                  const std::string& name) {
  const TensorRecord* r = FindRecord(result, name);
  if (r == nullptr) return {};
  const onnx::TensorProto* t = TensorAtPath(result.out, r->path());
  EXPECT_NE(t, nullptr) << name << " at " << r->path();
  return t ? DecodeValues(*t) : std::vector<double>{};
}

struct Expected {
  std::string role;
  // 0: not checked (roles without fans).
  int64_t fan_in = 0;
  int64_t fan_out = 0;
};
using Table = std::map<std::string, Expected>;

Expected NotWeight() { return {"not_weight"}; }

// Strategies whose values do not depend on the seed.
bool IsRandom(const std::string& strategy) {
  const std::string head = strategy.substr(0, strategy.find('('));
  static const std::set<std::string> fixed = {"zeros",
                                              "ones",
                                              "constant",
                                              "identity",
                                              "dirac",
                                              "forget_bias",
                                              "zero_residual_branch"};
  return !head.empty() && fixed.count(head) == 0;
}

// (a) every float tensor has the role of `table` (and every tensor of the
// table is reported); other dtypes are not weights; (b) fans as given;
// (c) rewritten iff the role is not not_weight, and a kept tensor says why;
// (d) a kept tensor is byte-identical in the output; (e) a tensor rewritten
// by a random strategy has new values.
void CheckReport(const Result& result, const Table& table) {
  ASSERT_TRUE(result.ok);
  std::set<std::string> seen;
  for (const TensorRecord& r : result.report.tensors()) {
    const std::string& name = r.name();
    seen.insert(name);
    const std::string expected_action = [&]() -> std::string {
      auto it = table.find(name);
      if (it != table.end()) {
        const Expected& e = it->second;
        EXPECT_EQ(r.role(), e.role)
            << name << ": role_reason \"" << r.role_reason() << "\"";
        if (e.fan_in) {
          EXPECT_EQ(r.fan_in(), e.fan_in) << name << " fan_in";
        }
        if (e.fan_out) {
          EXPECT_EQ(r.fan_out(), e.fan_out) << name << " fan_out";
        }
        return e.role == "not_weight" ? "keep" : "rewrite";
      }
      if (r.dtype() == "FLOAT") {
        ADD_FAILURE() << "float tensor " << name
                      << " is not in the table (role " << r.role() << ")";
      } else {
        EXPECT_EQ(r.role(), "not_weight") << name << " (" << r.dtype() << ")";
      }
      return "keep";
    }();
    EXPECT_EQ(r.action(), expected_action)
        << name << " (role " << r.role() << ", reason \"" << r.reason()
        << "\")";

    const onnx::TensorProto* in = TensorAtPath(result.in, r.path());
    const onnx::TensorProto* out = TensorAtPath(result.out, r.path());
    ASSERT_NE(in, nullptr) << name << " at " << r.path();
    ASSERT_NE(out, nullptr) << name << " at " << r.path();
    if (r.action() == "keep") {
      EXPECT_FALSE(r.reason().empty()) << name << " is kept without a reason";
      EXPECT_EQ(in->SerializeAsString(), out->SerializeAsString())
          << name << " is kept but its bytes changed";
    } else if (IsRandom(r.strategy())) {
      EXPECT_NE(DecodeValues(*in), DecodeValues(*out))
          << name << " was rewritten with " << r.strategy()
          << " but its values did not change";
    }
  }
  for (const auto& [name, e] : table) {
    EXPECT_TRUE(seen.count(name))
        << name << " (expected role " << e.role << ") is not in the report";
  }
}

// ---------------------------------------------------------------------------
// a. paddle2onnx (PaddleOCR's direction classifier): every parameter is a
// Constant node; hardswish and hardsigmoid are decomposed with scalar
// helper constants; a paddle Linear is MatMul(x, W[in, out]) + Add(b).

const char kPaddleText[] = R"(
  <ir_version: 7, opset_import: ["" : 11]>
  paddle_cls (float[1, 3, 8, 8] x) => (float[1, 2] y)
  {
    conv2d_0_w_0 = Constant <value = float[4, 3, 3, 3] {0}> ()
    bn_0_w_0 = Constant <value = float[4] {0}> ()
    bn_0_b_0 = Constant <value = float[4] {0}> ()
    bn_0_w_1 = Constant <value = float[4] {0}> ()
    bn_0_w_2 = Constant <value = float[4] {0}> ()
    conv = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [1, 1], dilations = [1, 1], group = 1> (x, conv2d_0_w_0)
    bn = BatchNormalization <epsilon = 0.00001, momentum = 0.9> (conv, bn_0_w_0, bn_0_b_0, bn_0_w_1, bn_0_w_2)
    c_25 = Constant <value = float {3}> ()
    c_26 = Constant <value = float {0}> ()
    c_27 = Constant <value = float {6}> ()
    c_28 = Constant <value = float[1] {6}> ()
    hs_add = Add (bn, c_25)
    hs_clip = Clip (hs_add, c_26, c_27)
    hs_mul = Mul (bn, hs_clip)
    hs = Div (hs_mul, c_28)
    c_29 = Constant <value = float {0.1666667}> ()
    c_30 = Constant <value = float {0.5}> ()
    c_31 = Constant <value = float {0}> ()
    c_32 = Constant <value = float {1}> ()
    hsig_mul = Mul (hs, c_29)
    hsig_add = Add (hsig_mul, c_30)
    hsig = Clip (hsig_add, c_31, c_32)
    pool = GlobalAveragePool (hsig)
    flat = Flatten <axis = 1> (pool)
    linear_0_w_0 = Constant <value = float[4, 2] {0}> ()
    linear_0_b_0 = Constant <value = float[2] {0}> ()
    mm = MatMul (flat, linear_0_w_0)
    y = Add (mm, linear_0_b_0)
  }
)";

const Names& PaddleNames() {
  static const auto* const names = new Names{
      {"conv2d_0_w_0", "conv2d_0.w_0"},   {"bn_0_w_0", "batch_norm_0.w_0"},
      {"bn_0_b_0", "batch_norm_0.b_0"},   {"bn_0_w_1", "batch_norm_0.w_1"},
      {"bn_0_w_2", "batch_norm_0.w_2"},   {"c_25", "p2o.helper.constant.25"},
      {"c_26", "p2o.helper.constant.26"}, {"c_27", "p2o.helper.constant.27"},
      {"c_28", "p2o.helper.constant.28"}, {"c_29", "p2o.helper.constant.29"},
      {"c_30", "p2o.helper.constant.30"}, {"c_31", "p2o.helper.constant.31"},
      {"c_32", "p2o.helper.constant.32"}, {"linear_0_w_0", "linear_0.w_0"},
      {"linear_0_b_0", "linear_0.b_0"},
  };
  return *names;
}

TEST(ExporterIdiomsTest,
     Paddle2OnnxConstantNodeParametersTakeRolesAndHelperScalarsAreKept) {
  const Result result = Reinit(BuildModel(kPaddleText, PaddleNames()));
  CheckReport(result, {
                          // Conv [M=4, C=3, 3, 3]: fan_in 3·9, fan_out 4·9.
                          {"conv2d_0.w_0", {"weight", 27, 36}},
                          {"batch_norm_0.w_0", {"norm_scale"}},
                          {"batch_norm_0.b_0", {"norm_bias"}},
                          {"batch_norm_0.w_1", {"running_mean"}},
                          {"batch_norm_0.w_2", {"running_var"}},
                          // hardswish: the Add of 3 follows the
                          // BatchNormalization but is no norm_bias.
                          {"p2o.helper.constant.25", NotWeight()},
                          {"p2o.helper.constant.26", NotWeight()},
                          {"p2o.helper.constant.27", NotWeight()},
                          {"p2o.helper.constant.28", NotWeight()},
                          // hardsigmoid
                          {"p2o.helper.constant.29", NotWeight()},
                          {"p2o.helper.constant.30", NotWeight()},
                          {"p2o.helper.constant.31", NotWeight()},
                          {"p2o.helper.constant.32", NotWeight()},
                          // Linear: W [in=4, out=2], b [2] with W's fans.
                          {"linear_0.w_0", {"weight", 4, 2}},
                          {"linear_0.b_0", {"bias", 4, 2}},
                      });
}

// ---------------------------------------------------------------------------
// b. tf2onnx: NHWC input transposed to NCHW, the kernel stored in TF's HWIO
// layout [kh, kw, cin, cout] and transposed into Conv; a Dense layer as
// MatMul + Add (BiasAdd); and constants that only look like biases.

const char kTf2OnnxText[] = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  tf_model (float[1, 8, 8, 2] x, float[1, 4] z) => (float[1, 8, 8, 5] y, float[1, 5] dense, float[1, 5] eps_out, float[1, 4] half_out, float[1, 4] div_out, float[1, 4] chan_out)
  <float[3, 1, 2, 5] kernel = {0}, float[5] conv_bias = {0}, float[4, 5] dense_w = {0}, float[5] dense_b = {0},
   float eps = {0.00001}, float half = {0.5}, float six = {6}, float[4] chan = {0.1, 0.2, 0.3, 0.4}>
  {
    xt = Transpose <perm = [0, 3, 1, 2]> (x)
    kt = Transpose <perm = [3, 2, 0, 1]> (kernel)
    conv = Conv <kernel_shape = [3, 1], pads = [1, 0, 1, 0], strides = [1, 1], dilations = [1, 1]> (xt, kt, conv_bias)
    y = Transpose <perm = [0, 2, 3, 1]> (conv)
    mm = MatMul (z, dense_w)
    dense = Add (mm, dense_b)
    eps_out = Add (mm, eps)
    half_out = Mul (z, half)
    div_out = Div (z, six)
    r = Relu (z)
    chan_out = Add (r, chan)
  }
)";

const Names& Tf2OnnxNames() {
  static const auto* const names = new Names{
      {"kernel", "model/conv2d/Conv2D/ReadVariableOp:0"},
      {"conv_bias", "model/conv2d/BiasAdd/ReadVariableOp:0"},
      {"dense_w", "model/dense/MatMul/ReadVariableOp:0"},
      {"dense_b", "model/dense/BiasAdd/ReadVariableOp:0"},
      {"eps", "model/dense/add/y:0"},
      {"half", "model/mul/y:0"},
      {"six", "model/truediv/y:0"},
      {"chan", "model/add_1/y:0"},
  };
  return *names;
}

TEST(ExporterIdiomsTest,
     Tf2OnnxHwioKernelTakesConvFansAndLookalikeConstantsAreKept) {
  const Result result = Reinit(BuildModel(kTf2OnnxText, Tf2OnnxNames()));
  CheckReport(result,
              {
                  // HWIO [kh=3, kw=1, cin=2, cout=5] -> OIHW [5, 2, 3, 1]:
                  // fan_in 2·3·1, fan_out 5·3·1.
                  {"model/conv2d/Conv2D/ReadVariableOp:0", {"weight", 6, 15}},
                  {"model/conv2d/BiasAdd/ReadVariableOp:0", {"bias", 6, 15}},
                  {"model/dense/MatMul/ReadVariableOp:0", {"weight", 4, 5}},
                  {"model/dense/BiasAdd/ReadVariableOp:0", {"bias", 4, 5}},
                  // A scalar added after a MatMul is no bias.
                  {"model/dense/add/y:0", NotWeight()},
                  {"model/mul/y:0", NotWeight()},
                  {"model/truediv/y:0", NotWeight()},
                  // A per-channel Add after Relu of a graph input: nothing to
                  // be the bias or the normalization of.
                  {"model/add_1/y:0", NotWeight()},
              });
}

// ---------------------------------------------------------------------------
// c. torch's LSTM export inside If branches (as in silero VAD): the torch
// parameters (gates i, f, g, o) are reordered to ONNX's (i, o, f, c) with
// Slice + Concat in each branch. The then branch reads slice bounds from
// main-graph initializers, the else branch from its own Constant nodes.

constexpr int kH = 4;
constexpr int kI = 3;

const char kTorchLstmText[] = R"(
  <ir_version: 8, opset_import: ["" : 13]>
  vad (bool cond, float[2, 1, 3] x) => (float[2, 1, 1, 4] y)
  <float[16, 3] weight_ih = {0}, float[16, 4] weight_hh = {0},
   float[16] bias_ih = {0}, float[16] bias_hh = {0},
   int64[1] i_start = {0}, int64[1] i_end = {4},
   int64[1] o_start = {12}, int64[1] o_end = {16},
   int64[1] fg_start = {4}, int64[1] fg_end = {12}, int64[1] axis0 = {0}>
  {
    y = If (cond) <
      then_branch = then_lstm () => (float[2, 1, 1, 4] y_then) {
        wi_i = Slice (weight_ih, i_start, i_end, axis0)
        wi_o = Slice (weight_ih, o_start, o_end, axis0)
        wi_fg = Slice (weight_ih, fg_start, fg_end, axis0)
        wi = Concat <axis = 0> (wi_i, wi_o, wi_fg)
        W = Unsqueeze (wi, axis0)
        wh_i = Slice (weight_hh, i_start, i_end, axis0)
        wh_o = Slice (weight_hh, o_start, o_end, axis0)
        wh_fg = Slice (weight_hh, fg_start, fg_end, axis0)
        wh = Concat <axis = 0> (wh_i, wh_o, wh_fg)
        R = Unsqueeze (wh, axis0)
        bi_i = Slice (bias_ih, i_start, i_end, axis0)
        bi_o = Slice (bias_ih, o_start, o_end, axis0)
        bi_fg = Slice (bias_ih, fg_start, fg_end, axis0)
        bi = Concat <axis = 0> (bi_i, bi_o, bi_fg)
        bh_i = Slice (bias_hh, i_start, i_end, axis0)
        bh_o = Slice (bias_hh, o_start, o_end, axis0)
        bh_fg = Slice (bias_hh, fg_start, fg_end, axis0)
        bh = Concat <axis = 0> (bh_i, bh_o, bh_fg)
        b = Concat <axis = 0> (bi, bh)
        B = Unsqueeze (b, axis0)
        y_then = LSTM <hidden_size = 4> (x, W, R, B)
      },
      else_branch = else_lstm () => (float[2, 1, 1, 4] y_else) {
        e_i_start = Constant <value = int64[1] {0}> ()
        e_i_end = Constant <value = int64[1] {4}> ()
        e_o_start = Constant <value = int64[1] {12}> ()
        e_o_end = Constant <value = int64[1] {16}> ()
        e_fg_start = Constant <value = int64[1] {4}> ()
        e_fg_end = Constant <value = int64[1] {12}> ()
        e_axis0 = Constant <value = int64[1] {0}> ()
        e_wi_i = Slice (weight_ih, e_i_start, e_i_end, e_axis0)
        e_wi_o = Slice (weight_ih, e_o_start, e_o_end, e_axis0)
        e_wi_fg = Slice (weight_ih, e_fg_start, e_fg_end, e_axis0)
        e_wi = Concat <axis = 0> (e_wi_i, e_wi_o, e_wi_fg)
        e_W = Unsqueeze (e_wi, e_axis0)
        e_wh_i = Slice (weight_hh, e_i_start, e_i_end, e_axis0)
        e_wh_o = Slice (weight_hh, e_o_start, e_o_end, e_axis0)
        e_wh_fg = Slice (weight_hh, e_fg_start, e_fg_end, e_axis0)
        e_wh = Concat <axis = 0> (e_wh_i, e_wh_o, e_wh_fg)
        e_R = Unsqueeze (e_wh, e_axis0)
        e_bi_i = Slice (bias_ih, e_i_start, e_i_end, e_axis0)
        e_bi_o = Slice (bias_ih, e_o_start, e_o_end, e_axis0)
        e_bi_fg = Slice (bias_ih, e_fg_start, e_fg_end, e_axis0)
        e_bi = Concat <axis = 0> (e_bi_i, e_bi_o, e_bi_fg)
        e_bh_i = Slice (bias_hh, e_i_start, e_i_end, e_axis0)
        e_bh_o = Slice (bias_hh, e_o_start, e_o_end, e_axis0)
        e_bh_fg = Slice (bias_hh, e_fg_start, e_fg_end, e_axis0)
        e_bh = Concat <axis = 0> (e_bh_i, e_bh_o, e_bh_fg)
        e_b = Concat <axis = 0> (e_bi, e_bh)
        e_B = Unsqueeze (e_b, e_axis0)
        y_else = LSTM <hidden_size = 4> (x, e_W, e_R, e_B)
      }
    >
  }
)";

const Names& TorchLstmNames() {
  static const auto* const names = new Names{
      {"weight_ih", "rnn.weight_ih"},
      {"weight_hh", "rnn.weight_hh"},
      {"bias_ih", "rnn.bias_ih"},
      {"bias_hh", "rnn.bias_hh"},
  };
  return *names;
}

TEST(ExporterIdiomsTest,
     TorchLstmReorderedInIfBranchesTakesRecurrentRolesWithPerGateFans) {
  const Result result = Reinit(BuildModel(kTorchLstmText, TorchLstmNames()));
  // The int64 slice bounds (initializers and Constant nodes) are checked as
  // non-float tensors: not weights, kept, byte-identical.
  CheckReport(result, {
                          {"rnn.weight_ih", {"recurrent_input", kI, kH}},
                          {"rnn.weight_hh", {"recurrent_hidden", kH, kH}},
                          {"rnn.bias_ih", {"recurrent_bias", kH, kH}},
                          {"rnn.bias_hh", {"recurrent_bias", kH, kH}},
                      });
  for (const char* name : {"i_start", "i_end", "o_start", "o_end", "fg_start",
                           "fg_end", "axis0", "e_i_start", "e_axis0"}) {
    const TensorRecord* r = FindRecord(result, name);
    if (r == nullptr) continue;
    EXPECT_EQ(r->action(), "keep") << name;
  }
}

TEST(ExporterIdiomsTest, TorchLstmForgetBiasLandsOnTorchsForgetBlockOfBiasIh) {
  RuleOptions rules;
  rules.cli_rules = {"role=recurrent_bias:forget_bias(value=1)"};
  const Result result =
      Reinit(BuildModel(kTorchLstmText, TorchLstmNames()), rules);
  ASSERT_TRUE(result.ok);
  const std::vector<double> bias_ih = WrittenValues(result, "rnn.bias_ih");
  ASSERT_EQ(bias_ih.size(), 4u * kH);
  for (int i = 0; i < 4 * kH; ++i) {
    // torch's gate order is i, f, g, o: the forget gate is [H, 2H).
    const double expected = (i >= kH && i < 2 * kH) ? 1.0 : 0.0;
    EXPECT_EQ(bias_ih[i], expected) << "rnn.bias_ih[" << i << "]";
  }
  const std::vector<double> bias_hh = WrittenValues(result, "rnn.bias_hh");
  ASSERT_EQ(bias_hh.size(), 4u * kH);
  for (int i = 0; i < 4 * kH; ++i) {
    EXPECT_EQ(bias_hh[i], 0.0) << "rnn.bias_hh[" << i << "]";
  }
}

TEST(ExporterIdiomsTest, TorchLstmOrthogonalHiddenWeightIsOrthogonalPerGate) {
  RuleOptions rules;
  rules.cli_rules = {"role=recurrent_hidden:orthogonal"};
  const Result result =
      Reinit(BuildModel(kTorchLstmText, TorchLstmNames()), rules);
  ASSERT_TRUE(result.ok);
  const TensorRecord* r = FindRecord(result, "rnn.weight_hh");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->action(), "rewrite") << r->reason();
  const std::vector<double> w = WrittenValues(result, "rnn.weight_hh");
  ASSERT_EQ(w.size(), 4u * kH * kH);
  // Row-major [4H, H]; gate g is rows [gH, (g+1)H).
  for (int g = 0; g < 4; ++g) {
    for (int a = 0; a < kH; ++a) {
      for (int b = 0; b < kH; ++b) {
        double dot = 0;
        for (int k = 0; k < kH; ++k) {
          dot += w[(g * kH + a) * kH + k] * w[(g * kH + b) * kH + k];
        }
        EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5)
            << "rnn.weight_hh gate block " << g << ": (W·Wᵀ)[" << a << ", " << b
            << "]";
      }
    }
  }
}

// ---------------------------------------------------------------------------
// d. A Loop whose body input has the name of the outer initializer that is
// the Loop's initial state: the body's MatMul reads the body input, not the
// initializer.

TEST(ExporterIdiomsTest, LoopBodyInputShadowingTheInitialStateKeepsTheState) {
  const Result result = Reinit(BuildModel(R"(
    <ir_version: 8, opset_import: ["" : 13]>
    loop_model (int64 n, bool c) => (float[1, 4] out)
    <float[1, 4] S = {1, 2, 3, 4}, float[4, 4] V = {0}>
    {
      out = Loop (n, c, S) <
        body = loop_body (int64 i, bool c_in, float[1, 4] S) => (bool c_out, float[1, 4] S_next) {
          c_out = Identity (c_in)
          S_next = MatMul (S, V)
        }
      >
    }
  )"));
  CheckReport(result, {
                          {"V", {"weight", 4, 4}},
                          {"S", NotWeight()},
                      });
}

// ---------------------------------------------------------------------------
// e. torchvision's VisionTransformer: patch embedding Conv, a class token
// expanded and concatenated in front, a learned positional embedding added,
// then the first block's LayerNorm. D = 16, patch 4, 8x8 input: L = 4.

constexpr int kVitD = 16;
constexpr int kVitTokens = 5;  // L + 1

TEST(ExporterIdiomsTest,
     TorchvisionVitClassTokenAndPositionalEmbeddingHaveTheirOwnRoles) {
  const Result result = Reinit(BuildModel(
      R"(
    <ir_version: 8, opset_import: ["" : 17]>
    vit (float[1, 3, 8, 8] x) => (float[1, 5, 16] y)
    <float[16, 3, 4, 4] conv_proj_weight = {0}, float[16] conv_proj_bias = {0},
     float[1, 1, 16] class_token = {0}, float[1, 5, 16] pos_embedding = {0},
     float[16] ln_1_weight = {0}, float[16] ln_1_bias = {0},
     int64[3] patch_shape = {1, 16, 4}, int64[3] token_shape = {1, 1, 16}>
    {
      patches = Conv <kernel_shape = [4, 4], strides = [4, 4]> (x, conv_proj_weight, conv_proj_bias)
      flat = Reshape (patches, patch_shape)
      tokens = Transpose <perm = [0, 2, 1]> (flat)
      cls = Expand (class_token, token_shape)
      seq = Concat <axis = 1> (cls, tokens)
      pos = Add (seq, pos_embedding)
      y = LayerNormalization <axis = -1, epsilon = 0.000001> (pos, ln_1_weight, ln_1_bias)
    }
  )",
      {
          {"conv_proj_weight", "conv_proj.weight"},
          {"conv_proj_bias", "conv_proj.bias"},
          {"pos_embedding", "encoder.pos_embedding"},
          {"ln_1_weight", "encoder.layers.encoder_layer_0.ln_1.weight"},
          {"ln_1_bias", "encoder.layers.encoder_layer_0.ln_1.bias"},
      }));
  CheckReport(
      result,
      {
          // [D=16, 3, 4, 4]: fan_in 3·16, fan_out 16·16.
          {"conv_proj.weight", {"weight", 48, 256}},
          {"conv_proj.bias", {"bias", 48, 256}},
          {"class_token", {"class_token"}},
          {"encoder.pos_embedding", {"positional_embedding"}},
          {"encoder.layers.encoder_layer_0.ln_1.weight", {"norm_scale"}},
          {"encoder.layers.encoder_layer_0.ln_1.bias", {"norm_bias"}},
      });
  if (!result.ok) return;

  // Defaults: class_token zeros, pos_embedding normal(mean=0, std=0.02).
  for (double v : WrittenValues(result, "class_token")) {
    EXPECT_EQ(v, 0.0) << "class_token";
  }
  const std::vector<double> pos =
      WrittenValues(result, "encoder.pos_embedding");
  ASSERT_EQ(pos.size(), static_cast<size_t>(kVitTokens * kVitD));
  const testing::Moments m = testing::ComputeMoments(pos);
  const double n = static_cast<double>(pos.size());
  // Within 6 standard errors of the sample mean and std.
  EXPECT_NEAR(m.mean, 0.0, 6 * 0.02 / std::sqrt(n))
      << "encoder.pos_embedding mean";
  EXPECT_NEAR(m.std, 0.02, 6 * 0.02 * std::sqrt(0.5) / std::sqrt(n))
      << "encoder.pos_embedding std";
}

// ---------------------------------------------------------------------------
// f. torchvision's ConvNeXt block: depthwise Conv, permute to channels-last,
// LayerNorm, Linear (MatMul + Add), GELU as torch exports it (Div, Erf, Add,
// Mul, Mul with scalar constants), Linear, permute back, layer_scale [C, 1,
// 1] times the branch, residual Add. C = 4.

TEST(ExporterIdiomsTest, TorchvisionConvNextLayerScaleIsItsOwnRoleAt1eMinus6) {
  const Result result = Reinit(BuildModel(
      R"(
    <ir_version: 8, opset_import: ["" : 17]>
    convnext (float[1, 4, 8, 8] x) => (float[1, 4, 8, 8] y)
    <float[4, 1, 7, 7] dw_weight = {0}, float[4] dw_bias = {0},
     float[4] ln_weight = {0}, float[4] ln_bias = {0},
     float[4, 16] fc1_weight = {0}, float[16] fc1_bias = {0},
     float[16, 4] fc2_weight = {0}, float[4] fc2_bias = {0},
     float[4, 1, 1] layer_scale = {0}>
    {
      dw = Conv <group = 4, kernel_shape = [7, 7], pads = [3, 3, 3, 3]> (x, dw_weight, dw_bias)
      nhwc = Transpose <perm = [0, 2, 3, 1]> (dw)
      ln = LayerNormalization <axis = -1, epsilon = 0.000001> (nhwc, ln_weight, ln_bias)
      fc1 = MatMul (ln, fc1_weight)
      h = Add (fc1, fc1_bias)
      gelu_sqrt2 = Constant <value = float {1.4142135}> ()
      gelu_one = Constant <value = float {1}> ()
      gelu_half = Constant <value = float {0.5}> ()
      g_div = Div (h, gelu_sqrt2)
      g_erf = Erf (g_div)
      g_add = Add (g_erf, gelu_one)
      g_mul = Mul (h, g_add)
      g = Mul (g_mul, gelu_half)
      fc2 = MatMul (g, fc2_weight)
      h2 = Add (fc2, fc2_bias)
      nchw = Transpose <perm = [0, 3, 1, 2]> (h2)
      scaled = Mul (layer_scale, nchw)
      y = Add (scaled, x)
    }
  )",
      {
          {"dw_weight", "features.1.0.block.0.weight"},
          {"dw_bias", "features.1.0.block.0.bias"},
          {"ln_weight", "features.1.0.block.2.weight"},
          {"ln_bias", "features.1.0.block.2.bias"},
          {"fc1_weight", "onnx::MatMul_301"},
          {"fc1_bias", "features.1.0.block.3.bias"},
          {"fc2_weight", "onnx::MatMul_302"},
          {"fc2_bias", "features.1.0.block.5.bias"},
          {"layer_scale", "features.1.0.layer_scale"},
          {"gelu_sqrt2", "/features.1/features.1.0/block/block.4/Constant"},
          {"gelu_one", "/features.1/features.1.0/block/block.4/Constant_1"},
          {"gelu_half", "/features.1/features.1.0/block/block.4/Constant_2"},
      }));
  CheckReport(
      result,
      {
          // Depthwise [C=4, 1, 7, 7], group 4: fan_in 1·49, fan_out 4·49.
          {"features.1.0.block.0.weight", {"weight", 49, 196}},
          {"features.1.0.block.0.bias", {"bias", 49, 196}},
          {"features.1.0.block.2.weight", {"norm_scale"}},
          {"features.1.0.block.2.bias", {"norm_bias"}},
          {"onnx::MatMul_301", {"weight", 4, 16}},
          {"features.1.0.block.3.bias", {"bias", 4, 16}},
          {"onnx::MatMul_302", {"weight", 16, 4}},
          {"features.1.0.block.5.bias", {"bias", 16, 4}},
          {"features.1.0.layer_scale", {"layer_scale"}},
          {"/features.1/features.1.0/block/block.4/Constant", NotWeight()},
          {"/features.1/features.1.0/block/block.4/Constant_1", NotWeight()},
          {"/features.1/features.1.0/block/block.4/Constant_2", NotWeight()},
      });
  if (!result.ok) return;

  // Default layer_scale: constant(value=1e-6).
  const std::vector<double> scale =
      WrittenValues(result, "features.1.0.layer_scale");
  ASSERT_EQ(scale.size(), 4u);
  for (size_t i = 0; i < scale.size(); ++i) {
    EXPECT_EQ(static_cast<float>(scale[i]), 1e-6f)
        << "features.1.0.layer_scale[" << i << "]";
  }
}

}  // namespace
}  // namespace onnx_reinit
