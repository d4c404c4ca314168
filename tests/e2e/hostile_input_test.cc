// Hostile and broken inputs, run through the CLI as a user would: each one
// ends with exit 1 (2 for a usage error) and one exact message naming the
// file (and node and tensor where there is one), within a time limit (no
// crash, no hang), and nothing is written: the output folder holds what it
// held before.
//
// The catalogue: models nested beyond protobuf's limit, length prefixes of
// 4 GiB, garbage, truncation at every field boundary of a corpus model,
// values that disagree with dims (in every storage mode), negative dims,
// dims whose product overflows, duplicate initializer names, a node input
// that names nothing, an output named like the model's data file, a FIFO
// given as the model, and memory the input asks for but the machine lacks.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/wire_scan.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "support/wire_bytes.h"

namespace onnx_reinit {
namespace {

using testing::CliLimits;
using testing::CliResult;
using testing::Field;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::Varint;
using testing::WriteFile;

// No hostile case may take longer than this (a hang is a failure).
constexpr unsigned kTimeLimitSeconds = 60;

CliResult RunLimited(const std::vector<std::string>& args) {
  CliLimits limits;
  limits.timeout_seconds = kTimeLimitSeconds;
  return RunCli(args, limits);
}

// Runs `args` and expects exit `code` with exactly `message` on stderr, and
// `dir` holding exactly `files` afterwards.
void ExpectRefused(const std::vector<std::string>& args, int code,
                   const std::string& message, const std::string& dir,
                   const std::vector<std::string>& files) {
  const CliResult r = RunLimited(args);
  EXPECT_EQ(r.signal, 0) << r.err;
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.err, absl::StrCat("onnx-reinit: error: ", message, "\n"));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(ListDir(dir), files);
}

// y = x · W, W float[64, 32] in raw_data.
onnx::ModelProto MatMulModel() {
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 64] x) => (float[1, 32] y)
    <float[64, 32] W = {0}>
    {
      y = MatMul (x, W)
    }
  )");
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_raw_data(std::string(64 * 32 * 4, '\0'));
  return model;
}

std::string Quoted(const std::string& path) { return "\"" + path + "\""; }

TEST(HostileInputTest, NestingBeyondProtobufsLimitIsRefusedNotACrash) {
  // 700 nested Ifs in 31 KB used to overflow the stack (exit 139).
  const std::string dir = MakeTempDir();
  const testing::NestedModel model = testing::NestedIfs(700);
  WriteFile(dir + "/in.onnx", model.bytes);
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             " is not an ONNX model: messages nested more "
                             "than 100 deep (protobuf's limit) at byte ",
                             model.offset_at_depth[101], ", in ",
                             testing::NestedNodePath(33)),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, LengthPrefixOf4GiBIsRefused) {
  // A doc_string whose length says 2^32 + 3: read as 32 bits it was 3.
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  std::string bytes = model.SerializeAsString();
  bytes += Varint(6 << 3 | 2) + Varint((uint64_t{1} << 32) + 3) + "abc";
  WriteFile(dir + "/in.onnx", bytes);
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             " is not an ONNX model: malformed or truncated "
                             "protobuf at byte ",
                             model.ByteSizeLong(),
                             ": a length prefix of 4294967299 bytes is over "
                             "protobuf's 2 GiB limit"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, GarbageIsNotAModel) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/in.onnx", "this is not an ONNX model\n");
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             " is not an ONNX model: malformed or truncated "
                             "protobuf at byte 0: end of a group that was not "
                             "started"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, TruncationAtEveryFieldBoundaryIsRefused) {
  // Every place where a field of the corpus MLP starts or ends (tags,
  // envelopes, value payloads): the file cut there is refused.
  const std::string model = ReadFile(testing::CorpusPath("mlp"));
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(model.data()), model.size()));
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  std::set<uint64_t> cuts;
  for (const Envelope& e : scanned->layout.envelopes) {
    cuts.insert({e.field.offset, e.message.offset, e.field.end()});
  }
  for (const TensorLocation& t : scanned->layout.tensors) {
    for (const ValueField& v : t.values) {
      cuts.insert({v.field.offset, v.payload.offset, v.payload.offset + 1});
    }
  }
  cuts.erase(0);             // empty: its own message (below)
  cuts.erase(model.size());  // the whole model
  ASSERT_GT(cuts.size(), 20u);
  const std::string dir = MakeTempDir();
  const std::string in = dir + "/in.onnx";
  const std::string prefix = absl::StrCat("onnx-reinit: error: ", Quoted(in),
                                          " is not an ONNX "
                                          "model: ");
  for (uint64_t cut : cuts) {
    SCOPED_TRACE(absl::StrCat("cut at byte ", cut, " of ", model.size()));
    WriteFile(in, model.substr(0, cut));
    const CliResult r = RunLimited({in, "-o", dir + "/out.onnx"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(absl::StartsWith(r.err, prefix)) << r.err;
    EXPECT_EQ(ListDir(dir), std::vector<std::string>{"in.onnx"});
  }
  WriteFile(in, "");
  ExpectRefused({in, "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(in), " is empty, not an ONNX model"), dir,
                {"in.onnx"});
}

TEST(HostileInputTest, ValuesShorterThanDimsAreRefusedInEveryStorageMode) {
  // raw_data holds 1024 floats, the dims need 2048. --external_data=external
  // used to write the missing values past the tensor's extent in the data
  // file, over the next tensor's bytes, and exit 0.
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  model.mutable_graph()->mutable_initializer(0)->set_raw_data(
      std::string(1024 * 4, '\0'));
  testing::WriteModel(model, dir + "/in.onnx");
  const std::string message =
      absl::StrCat(Quoted(dir + "/in.onnx"),
                   ": initializer \"W\" (FLOAT, dims [64, 32]): raw_data "
                   "holds 1024 values but the dims need 2048");
  for (const char* mode : {"keep", "external", "inline"}) {
    SCOPED_TRACE(mode);
    ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx",
                   absl::StrCat("--external_data=", mode), "--threads=8"},
                  1, message, dir, {"in.onnx"});
  }
}

TEST(HostileInputTest, AHugeDimWithFewValuesIsRefusedBeforeWriting) {
  // dims [2^31, 1] with 4 KiB of values: it used to write 1.3 GB in 10 s.
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, int64_t{1} << 31);
  w->set_dims(1, 1);
  w->set_raw_data(std::string(1024 * 4, '\0'));
  testing::WriteModel(model, dir + "/in.onnx");
  ExpectRefused(
      {dir + "/in.onnx", "-o", dir + "/out.onnx", "--external_data=external"},
      1,
      absl::StrCat(Quoted(dir + "/in.onnx"),
                   ": initializer \"W\" (FLOAT, dims [2147483648, "
                   "1]): raw_data holds 1024 values but the dims "
                   "need 2147483648"),
      dir, {"in.onnx"});
}

TEST(HostileInputTest, NegativeDimIsRefused) {
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  model.mutable_graph()->mutable_initializer(0)->set_dims(0, -64);
  testing::WriteModel(model, dir + "/in.onnx");
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             ": tensor \"W\": negative dim -64"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, DimsWhoseProductOverflowsAreRefused) {
  // A Conv weight of dims [2^32, 2^32, 1, 1]: the kernel and fan products
  // overflowed int64 (fan_in -9223372036854775808, exit 0).
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = testing::ParseModel(R"(
    <ir_version: 8, opset_import: ["" : 14]>
    g (float[1, 3, 8, 8] x) => (float[1, 4, 8, 8] y)
    <float[4, 3, 1, 1] W = {0,0,0,0,0,0,0,0,0,0,0,0}>
    {
      y = Conv (x, W)
    }
  )");
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, int64_t{1} << 32);
  w->set_dims(1, int64_t{1} << 32);
  testing::WriteModel(model, dir + "/in.onnx");
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             ": tensor \"W\": dims [4294967296, 4294967296, "
                             "1, 1] hold more than 2^63 - 1 elements"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, DuplicateInitializerNamesAreRefused) {
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  *model.mutable_graph()->add_initializer() = model.graph().initializer(0);
  testing::WriteModel(model, dir + "/in.onnx");
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             ": graph: initializer \"W\" is defined twice "
                             "(initializer[0] and initializer[1])"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, NodeInputNamingNothingIsRefused) {
  const std::string dir = MakeTempDir();
  onnx::ModelProto model = MatMulModel();
  model.mutable_graph()->mutable_node(0)->set_name("mm");
  model.mutable_graph()->mutable_node(0)->set_input(1, "Wx");
  testing::WriteModel(model, dir + "/in.onnx");
  ExpectRefused({dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
                absl::StrCat(Quoted(dir + "/in.onnx"),
                             ": graph: MatMul node \"mm\" input 1 \"Wx\" is "
                             "not an input, initializer or node output that "
                             "it can see"),
                dir, {"in.onnx"});
}

TEST(HostileInputTest, OutputNamedLikeItsDataFileIsAUsageError) {
  // -o o1/w.bin for a model whose data file is w.bin: the model's rename
  // replaced the data file just written (exit 0, weights lost).
  const std::string dir = MakeTempDir();
  ::mkdir((dir + "/in").c_str(), 0755);
  ::mkdir((dir + "/o1").c_str(), 0755);
  onnx::ModelProto model = MatMulModel();
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  const std::string values = w->raw_data();
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("w.bin");
  testing::WriteModel(model, dir + "/in/model.onnx");
  WriteFile(dir + "/in/w.bin", values);
  ExpectRefused({dir + "/in/model.onnx", "-o", dir + "/o1/w.bin"}, 2,
                absl::StrCat(Quoted(dir + "/in/model.onnx"), ": the output ",
                             Quoted(dir + "/o1/w.bin"),
                             " is also where the data file \"w.bin\" of tensor "
                             "\"W\" goes: writing the model would replace it; "
                             "choose another output name"),
                dir + "/o1", {});
  // --external_file naming the output itself.
  const std::string inline_model = dir + "/inline.onnx";
  testing::WriteModel(MatMulModel(), inline_model);
  ExpectRefused({inline_model, "-o", dir + "/o1/out.onnx",
                 "--external_data=external", "--external_file=out.onnx"},
                2,
                absl::StrCat(Quoted(inline_model), ": the output ",
                             Quoted(dir + "/o1/out.onnx"),
                             " is also where the data file \"out.onnx\" of "
                             "tensor \"W\" goes: writing the model would "
                             "replace it; choose another output name"),
                dir + "/o1", {});
}

TEST(HostileInputTest, AFifoGivenAsTheModelIsRefusedWithoutWaiting) {
  // open() used to block for a writer that never comes.
  const std::string dir = MakeTempDir();
  ASSERT_EQ(::mkfifo((dir + "/in.onnx").c_str(), 0600), 0);
  ExpectRefused(
      {dir + "/in.onnx", "-o", dir + "/out.onnx"}, 1,
      absl::StrCat(Quoted(dir + "/in.onnx"), " is not a regular file"), dir,
      {"in.onnx"});
}

TEST(HostileInputTest, AnEndlessConfigFileIsRefused) {
  // --config=/dev/zero read until memory ran out (std::bad_alloc, SIGABRT).
  const std::string dir = MakeTempDir();
  testing::WriteModel(MatMulModel(), dir + "/in.onnx");
  ExpectRefused(
      {dir + "/in.onnx", "-o", dir + "/out.onnx", "--config=/dev/zero"}, 2,
      "config file \"/dev/zero\" is over 16 MiB", dir, {"in.onnx"});
}

#if defined(__SANITIZE_ADDRESS__)
#define ONNX_REINIT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONNX_REINIT_TEST_ASAN 1
#endif
#endif

TEST(HostileInputTest, MemoryTheMachineLacksIsAnErrorNotAnAbort) {
#ifdef ONNX_REINIT_TEST_ASAN
  GTEST_SKIP() << "RLIMIT_AS cannot be combined with AddressSanitizer's "
                  "shadow memory";
#else
  // orthogonal on an external [16384, 16384] tensor (a sparse 1 GiB data
  // file) under a 1 GiB address-space limit: its 2 GiB of doubles cannot
  // be allocated. It used to throw std::bad_alloc (SIGABRT, temp files
  // left); now exit 1, a message naming the tensor, nothing written.
  const std::string dir = MakeTempDir();
  ::mkdir((dir + "/in").c_str(), 0755);
  ::mkdir((dir + "/out").c_str(), 0755);
  onnx::ModelProto model = MatMulModel();
  model.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(16384);
  onnx::TensorProto* w = model.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_dims(0, 16384);
  w->set_dims(1, 16384);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w->add_external_data();
  location->set_key("location");
  location->set_value("w.bin");
  testing::WriteModel(model, dir + "/in/model.onnx");
  const std::string data = dir + "/in/w.bin";
  WriteFile(data, "");
  ASSERT_EQ(::truncate(data.c_str(), off_t{16384} * 16384 * 4), 0);
  CliLimits limits;
  limits.timeout_seconds = kTimeLimitSeconds;
  limits.address_space_bytes = uint64_t{1} << 30;
  const CliResult r = RunCli({dir + "/in/model.onnx", "-o",
                              dir + "/out/model.onnx", "--strategy=orthogonal"},
                             limits);
  EXPECT_EQ(r.signal, 0) << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err,
            absl::StrCat("onnx-reinit: error: ", Quoted(dir + "/in/model.onnx"),
                         ": tensor \"W\" (orthogonal(gain=1)): cannot allocate "
                         "268435456 values to fill it as a whole\n"));
  EXPECT_EQ(ListDir(dir + "/out"), std::vector<std::string>{});
  ::unlink(data.c_str());
#endif
}

}  // namespace
}  // namespace onnx_reinit
