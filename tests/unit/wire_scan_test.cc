// The wire scanner refuses what protobuf refuses — messages nested deeper
// than protobuf's recursion limit, length prefixes of 2 GiB or more — with an
// error naming the byte and the path, instead of crashing or cutting a
// length to 32 bits.
#include "io/wire_scan.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "support/wire_bytes.h"

namespace onnx_reinit {
namespace {

using testing::Field;
using testing::NestedIfs;
using testing::NestedModel;
using testing::Varint;

absl::StatusOr<ScannedModel> Scan(const std::string& bytes) {
  return ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

TEST(WireScanTest, ModerateNestingIsScanned) {
  const NestedModel model = NestedIfs(10);
  absl::StatusOr<ScannedModel> scanned = Scan(model.bytes);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  onnx::ModelProto parsed;
  EXPECT_TRUE(parsed.ParseFromString(scanned->weightless));
  EXPECT_EQ(scanned->weightless, model.bytes);
}

TEST(WireScanTest, NestingBeyondProtobufsLimitIsRefusedNamingThePath) {
  // 700 Ifs: 2,101 messages deep. It used to overflow the stack.
  const NestedModel model = NestedIfs(700);
  absl::StatusOr<ScannedModel> scanned = Scan(model.bytes);
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(scanned.status().code(), absl::StatusCode::kInvalidArgument);
  // Depth 1 is the graph; the message at depth 101 is refused: 33 Ifs down
  // (3 messages each), then a node.
  const std::string path = testing::NestedNodePath(33);
  EXPECT_EQ(scanned.status().message(),
            absl::StrCat("messages nested more than 100 deep (protobuf's "
                         "limit) at byte ",
                         model.offset_at_depth[101], ", in ", path));
}

TEST(WireScanTest, NestingAtProtobufsLimitIsScanned) {
  // 33 Ifs: the innermost graph is at depth 1 + 3 * 33 = 100.
  const NestedModel model = NestedIfs(33);
  absl::StatusOr<ScannedModel> scanned = Scan(model.bytes);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  onnx::ModelProto parsed;
  EXPECT_TRUE(parsed.ParseFromString(model.bytes));
  EXPECT_FALSE(NestedIfs(34).bytes.empty());
  EXPECT_FALSE(Scan(NestedIfs(34).bytes).ok());
}

TEST(WireScanTest, LengthPrefixOf4GiBIsRefusedNotCutTo32Bits) {
  // A doc_string (ModelProto field 6) whose length varint says 2^32 + 3:
  // cut to 32 bits it would read as 3, and the 3 bytes after it would pass.
  const std::string bytes = Varint(1 << 3) + Varint(8) + Varint(6 << 3 | 2) +
                            Varint((uint64_t{1} << 32) + 3) + "abc" +
                            Field(7, "");
  absl::StatusOr<ScannedModel> scanned = Scan(bytes);
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(scanned.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(scanned.status().message(),
            "malformed or truncated protobuf at byte 2: a length prefix of "
            "4294967299 bytes is over protobuf's 2 GiB limit");
  onnx::ModelProto parsed;
  EXPECT_FALSE(parsed.ParseFromString(bytes));
}

TEST(WireScanTest, LengthPrefixOver2GiBInsideATensorIsRefused) {
  // raw_data (TensorProto field 9) of an initializer claiming 2^31 bytes.
  const std::string tensor = Field(8, "W") + Varint(2 << 3) + Varint(1) +
                             Varint(9 << 3 | 2) + Varint(uint64_t{1} << 31);
  const std::string graph = Field(5, tensor);
  const std::string bytes = Varint(1 << 3) + Varint(8) + Field(7, graph);
  absl::StatusOr<ScannedModel> scanned = Scan(bytes);
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(
      scanned.status().message(),
      absl::StrCat("malformed or truncated protobuf at byte ", bytes.size() - 6,
                   ": a length prefix of 2147483648 bytes is over "
                   "protobuf's 2 GiB limit"));
}

TEST(WireScanTest, OverlongLengthVarintIsRefused) {
  // A length of 3 in 6 bytes: protobuf reads at most 5 for a length.
  const std::string bytes = Varint(1 << 3) + Varint(8) + Varint(6 << 3 | 2) +
                            std::string("\x83\x80\x80\x80\x80\x00", 6) + "abc" +
                            Field(7, "");
  EXPECT_FALSE(Scan(bytes).ok());
  onnx::ModelProto parsed;
  EXPECT_FALSE(parsed.ParseFromString(bytes));
}

TEST(WireScanTest, TagsLongerThanFiveBytesAreRefusedAsProtobufDoes) {
  // ir_version's tag (0x08) spelled in 6 bytes: protobuf refuses it, and
  // CodedInputStream::ReadTag used to read it as 0x08 (found by the wire
  // scan fuzzer).
  const std::string six =
      std::string("\x88\x80\x80\x80\x80\x00", 6) + Varint(8) + Field(7, "");
  absl::StatusOr<ScannedModel> scanned = Scan(six);
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(scanned.status().message(),
            "malformed or truncated protobuf at byte 0: invalid field tag");
  onnx::ModelProto parsed;
  EXPECT_FALSE(parsed.ParseFromString(six));
  // Five bytes are a tag, whose low 32 bits count, for protobuf as here.
  for (const std::string& tag : {std::string("\x88\x80\x80\x80\x00", 5),
                                 std::string("\x88\x80\x80\x80\x10", 5)}) {
    const std::string bytes = tag + Varint(8) + Field(7, "");
    absl::StatusOr<ScannedModel> five = Scan(bytes);
    ASSERT_TRUE(five.ok()) << five.status();
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    EXPECT_EQ(parsed.ir_version(), 8);
    ASSERT_TRUE(parsed.ParseFromString(five->weightless));
    EXPECT_EQ(parsed.ir_version(), 8);
  }
}

TEST(WireScanTest, UnknownGroupsAreCopiedThroughAndBounded) {
  // Field 99 as a group holding a varint and a string, then the graph.
  const std::string group = Varint(99 << 3 | 3) + Varint(1 << 3) + Varint(5) +
                            Field(2, "xy") + Varint(99 << 3 | 4);
  const std::string bytes = Varint(1 << 3) + Varint(8) + group + Field(7, "");
  absl::StatusOr<ScannedModel> scanned = Scan(bytes);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  EXPECT_EQ(scanned->weightless, bytes);
  // Groups nested 200 deep are refused, not recursed into without end.
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += Varint(99 << 3 | 3);
  for (int i = 0; i < 200; ++i) deep += Varint(99 << 3 | 4);
  absl::StatusOr<ScannedModel> refused =
      Scan(Varint(1 << 3) + Varint(8) + deep);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "messages nested more than 100 deep (protobuf's limit) at byte "
            "202, in a group");
}

}  // namespace
}  // namespace onnx_reinit
