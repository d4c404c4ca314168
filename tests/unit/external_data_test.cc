// External data is only read from, and written to, real files beneath the
// model folder; every hostile case is built for real in a temporary folder and
// refused with its exact status code and message.
#include "io/external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "io/sha1.h"
#include "onnx/onnx_pb.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

using ::absl::StatusCode;

// A temporary folder `root` holding the model folder `root/model`, open as
// `fd` (O_PATH, like a caller that only resolves names beneath it).
class ModelDir {
 public:
  ModelDir() : root_(testing::MakeTempDir()), model_(root_ + "/model") {
    EXPECT_EQ(::mkdir(model_.c_str(), 0755), 0);
    fd_.reset(::open(model_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    EXPECT_TRUE(fd_.valid());
  }
  const std::string& root() const { return root_; }
  // A path inside the model folder.
  std::string operator/(const std::string& relative) const {
    return model_ + "/" + relative;
  }
  int fd() const { return fd_.get(); }

 private:
  std::string root_;
  std::string model_;
  UniqueFd fd_;
};

void MakeDir(const std::string& path) {
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << path;
}

void MakeSymlink(const std::string& target, const std::string& path) {
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string Bytes(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>(i * 13 + 5);
  return bytes;
}

std::string ReadAll(int fd) {
  std::string bytes;
  char buffer[4096];
  off_t offset = 0;
  ssize_t n;
  while ((n = ::pread(fd, buffer, sizeof(buffer), offset)) > 0) {
    bytes.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return bytes;
}

void ExpectStatus(const absl::Status& status, StatusCode code,
                  const std::string& message) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(status.message(), message);
}

// A FLOAT tensor "W" of `dims` stored externally with `entries`.
onnx::TensorProto ExternalTensor(
    const std::vector<std::pair<std::string, std::string>>& entries,
    const std::vector<int64_t>& dims = {4, 4},
    int32_t data_type = onnx::TensorProto::FLOAT) {
  onnx::TensorProto tensor;
  tensor.set_name("W");
  tensor.set_data_type(data_type);
  for (int64_t d : dims) tensor.add_dims(d);
  tensor.set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [key, value] : entries) {
    onnx::StringStringEntryProto* entry = tensor.add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  }
  return tensor;
}

absl::Status ParseStatus(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  return ParseExternalRef(ExternalTensor(entries)).status();
}

// ---------------------------------------------------------------------------
// Location rules: each hostile location is refused by all three entry points
// with the same reason, even where a real file exists at that name.

struct HostileLocation {
  std::string location;
  std::string shown;  // as quoted in messages (C-escaped)
  std::string reason;
};

TEST(ExternalDataTest, RefusesHostileLocationsEverywhereWithTheSameReason) {
  ModelDir dir;
  // Real targets, so that nothing below is refused merely for not existing.
  testing::WriteFile(dir.root() + "/w.bin", Bytes(64));
  testing::WriteFile(dir.root() + "/x", Bytes(64));
  MakeDir(dir / "a");
  testing::WriteFile(dir / "C:", Bytes(64));
  testing::WriteFile(dir / "C:x", Bytes(64));
  testing::WriteFile(dir / "a\\b.bin", Bytes(64));
  testing::WriteFile(dir / "#marker", Bytes(64));
  MakeDir(dir / "*");
  MakeDir(dir / "*/_ORT_MEM_ADDR_");
  testing::WriteFile(dir / "*/_ORT_MEM_ADDR_/*", Bytes(64));
  const std::string absolute = dir.root() + "/w.bin";

  const std::vector<HostileLocation> cases = {
      {absolute, absolute, "is absolute"},
      {"C:\\x", "C:\\\\x", "is absolute"},
      {"C:", "C:", "is absolute"},
      {"C:x", "C:x", "is absolute"},
      {"\\\\host\\x", "\\\\\\\\host\\\\x", "is absolute"},
      {"\\x", "\\\\x", "is absolute"},
      {"a\\b.bin", "a\\\\b.bin", "contains a backslash"},
      {std::string("w\0.bin", 6), "w\\000.bin", "contains a NUL byte"},
      {"#marker", "#marker", "is an in-memory marker, not a file"},
      {"*/_ORT_MEM_ADDR_/*", "*/_ORT_MEM_ADDR_/*",
       "is an in-memory marker, not a file"},
      // Refused as their canonical forms ("#marker", "C:x") are. Found by the
      // external_data fuzzer: a canonical form that did not normalize to
      // itself.
      {"a/../#marker", "a/../#marker", "is an in-memory marker, not a file"},
      {"./#marker", "./#marker", "is an in-memory marker, not a file"},
      {"a/../C:x", "a/../C:x", "is absolute"},
      {".//C:", ".//C:", "is absolute"},
      {"../w.bin", "../w.bin", "leaves the model folder"},
      {"a/../../x", "a/../../x", "leaves the model folder"},
      {"a/./../.././x", "a/./../.././x", "leaves the model folder"},
      {"..", "..", "leaves the model folder"},
      {"", "", "is empty"},
      {".", ".", "names the model folder, not a file"},
      {"./", "./", "names the model folder, not a file"},
      {"a/..", "a/..", "names the model folder, not a file"},
  };
  for (const HostileLocation& c : cases) {
    SCOPED_TRACE(c.shown);
    ExpectStatus(ParseStatus({{"location", c.location}}),
                 StatusCode::kInvalidArgument,
                 "initializer \"W\": external_data location \"" + c.shown +
                     "\" " + c.reason);
    ExpectStatus(OpenDataBeneath(dir.fd(), c.location).status(),
                 StatusCode::kInvalidArgument,
                 "data file \"" + c.shown + "\" " + c.reason);
    ExpectStatus(CreateDataBeneath(dir.fd(), c.location).status(),
                 StatusCode::kInvalidArgument,
                 "refusing to write \"" + c.shown + "\": it " + c.reason);
  }
  // Nothing was created or changed outside or inside the model folder.
  EXPECT_EQ(testing::ReadFile(dir.root() + "/w.bin"), Bytes(64));
  EXPECT_EQ(testing::ReadFile(dir.root() + "/x"), Bytes(64));
}

TEST(ExternalDataTest, ACanonicalLocationNormalizesToItself) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"./w/../a.bin", "a.bin"},
      {"a//b/./c.bin", "a/b/c.bin"},
      {"x#/y:z", "x#/y:z"},
      {"a/../b/c/../w.bin", "b/w.bin"},
  };
  for (const auto& [spelling, canonical] : cases) {
    SCOPED_TRACE(spelling);
    const absl::StatusOr<std::string> normalized = NormalizeLocation(spelling);
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    EXPECT_EQ(*normalized, canonical);
    const absl::StatusOr<std::string> again = NormalizeLocation(canonical);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, canonical);
  }
}

// ---------------------------------------------------------------------------
// ParseExternalRef: keys and values.

TEST(ExternalDataTest, ParsesLocationOffsetLengthAndChecksum) {
  absl::StatusOr<ExternalRef> ref = ParseExternalRef(ExternalTensor(
      {{"location", "weights/part1.bin"},
       {"offset", "4096"},
       {"length", "64"},
       {"checksum", "A9993E364706816ABA3E25717850C26C9CD0D89D"}}));
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->location, "weights/part1.bin");
  EXPECT_EQ(ref->offset, 4096u);
  ASSERT_TRUE(ref->length.has_value());
  EXPECT_EQ(*ref->length, 64u);
  EXPECT_EQ(ref->checksum, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(ExternalDataTest, DefaultsToOffsetZeroAndNoLengthAndNoChecksum) {
  absl::StatusOr<ExternalRef> ref =
      ParseExternalRef(ExternalTensor({{"location", "w.bin"}}));
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->location, "w.bin");
  EXPECT_EQ(ref->offset, 0u);
  EXPECT_FALSE(ref->length.has_value());
  EXPECT_EQ(ref->checksum, "");
}

TEST(ExternalDataTest, KeepsTheLocationAsWrittenWhenItNormalizesInside) {
  absl::StatusOr<ExternalRef> ref =
      ParseExternalRef(ExternalTensor({{"location", "./a//b/../w.bin"}}));
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->location, "./a//b/../w.bin");
}

TEST(ExternalDataTest, RefusesBasepath) {
  ExpectStatus(ParseStatus({{"location", "w.bin"}, {"basepath", "/tmp"}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external_data basepath is never accepted");
  ExpectStatus(ParseStatus({{"basepath", ""}, {"location", "w.bin"}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external_data basepath is never accepted");
}

TEST(ExternalDataTest, RefusesUnknownKeys) {
  ExpectStatus(ParseStatus({{"location", "w.bin"}, {"foo", "1"}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": unknown external_data key \"foo\"");
  ExpectStatus(ParseStatus({{"Location", "w.bin"}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": unknown external_data key \"Location\"");
  ExpectStatus(ParseStatus({{"location", "w.bin"}, {"", ""}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": unknown external_data key \"\"");
}

TEST(ExternalDataTest, RefusesDuplicateKeys) {
  ExpectStatus(
      ParseStatus({{"location", "w.bin"}, {"location", "../evil.bin"}}),
      StatusCode::kInvalidArgument,
      "initializer \"W\": duplicate external_data key \"location\"");
  ExpectStatus(
      ParseStatus({{"location", "w.bin"}, {"offset", "0"}, {"offset", "0"}}),
      StatusCode::kInvalidArgument,
      "initializer \"W\": duplicate external_data key \"offset\"");
  ExpectStatus(
      ParseStatus({{"location", "w.bin"}, {"length", "64"}, {"length", "64"}}),
      StatusCode::kInvalidArgument,
      "initializer \"W\": duplicate external_data key \"length\"");
  const std::string sum(40, 'a');
  ExpectStatus(
      ParseStatus(
          {{"location", "w.bin"}, {"checksum", sum}, {"checksum", sum}}),
      StatusCode::kInvalidArgument,
      "initializer \"W\": duplicate external_data key \"checksum\"");
}

TEST(ExternalDataTest, RefusesAMissingLocation) {
  ExpectStatus(ParseStatus({{"offset", "0"}, {"length", "64"}}),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external_data has no location");
  ExpectStatus(ParseStatus({}), StatusCode::kInvalidArgument,
               "initializer \"W\": external_data has no location");
}

TEST(ExternalDataTest, RefusesOffsetsAndLengthsThatAreNotPlainDecimal) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"-1", "-1"},
      {"+1", "+1"},
      {" 1", " 1"},
      {"1 ", "1 "},
      {"", ""},
      {"0x10", "0x10"},
      {"1e3", "1e3"},
      {"1.0", "1.0"},
      {"12a", "12a"},
      {"1\n", "1\\n"},
      {"\xd9\xa1", "\xd9\xa1"},  // ARABIC-INDIC DIGIT ONE
  };
  for (const std::string key : {"offset", "length"}) {
    for (const auto& [value, shown] : cases) {
      SCOPED_TRACE(key + "=" + shown);
      ExpectStatus(ParseStatus({{"location", "w.bin"}, {key, value}}),
                   StatusCode::kInvalidArgument,
                   "initializer \"W\": external_data " + key + " \"" + shown +
                       "\" is not a decimal number");
    }
  }
}

TEST(ExternalDataTest, RefusesOffsetsAndLengthsAbove2To63Minus1) {
  for (const std::string key : {"offset", "length"}) {
    for (const std::string value :
         {"9223372036854775808", "18446744073709551615", "18446744073709551616",
          "99999999999999999999999999999"}) {
      SCOPED_TRACE(key + "=" + value);
      ExpectStatus(ParseStatus({{"location", "w.bin"}, {key, value}}),
                   StatusCode::kInvalidArgument,
                   "initializer \"W\": external_data " + key + " \"" + value +
                       "\" is larger than 2^63-1");
    }
  }
}

TEST(ExternalDataTest, AcceptsTheLargestOffsetAndLeadingZeros) {
  absl::StatusOr<ExternalRef> ref =
      ParseExternalRef(ExternalTensor({{"location", "w.bin"},
                                       {"offset", "9223372036854775807"},
                                       {"length", "000064"}}));
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->offset, 9223372036854775807u);
  EXPECT_EQ(ref->length, 64u);
}

TEST(ExternalDataTest, RefusesAChecksumThatIsNot40HexDigits) {
  for (const std::string& value :
       {std::string(39, 'a'), std::string(41, 'a'), std::string(39, 'a') + "g",
        std::string(""), std::string(38, 'a') + " a"}) {
    SCOPED_TRACE(value);
    ExpectStatus(ParseStatus({{"location", "w.bin"}, {"checksum", value}}),
                 StatusCode::kInvalidArgument,
                 "initializer \"W\": external_data checksum \"" + value +
                     "\" is not 40 hex digits");
  }
}

TEST(ExternalDataTest, RefusesATensorNotMarkedExternal) {
  onnx::TensorProto tensor = ExternalTensor({{"location", "w.bin"}});
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  ExpectStatus(ParseExternalRef(tensor).status(), StatusCode::kInvalidArgument,
               "initializer \"W\": data_location is not EXTERNAL");
}

TEST(ExternalDataTest, RefusesAnExternalTensorThatAlsoHoldsInlineValues) {
  onnx::TensorProto raw = ExternalTensor({{"location", "w.bin"}});
  raw.set_raw_data(Bytes(64));
  onnx::TensorProto typed = ExternalTensor({{"location", "w.bin"}});
  typed.add_float_data(1.0f);
  for (const onnx::TensorProto& tensor : {raw, typed}) {
    ExpectStatus(ParseExternalRef(tensor).status(),
                 StatusCode::kInvalidArgument,
                 "initializer \"W\": data_location is EXTERNAL but the tensor "
                 "also holds inline values");
  }
}

TEST(ExternalDataTest, EscapesTheTensorNameInMessages) {
  onnx::TensorProto tensor = ExternalTensor({{"location", "../w.bin"}});
  tensor.set_name("W\"\nfake");
  ExpectStatus(ParseExternalRef(tensor).status(), StatusCode::kInvalidArgument,
               "initializer \"W\\\"\\nfake\": external_data location "
               "\"../w.bin\" leaves the model folder");
}

// ---------------------------------------------------------------------------
// OpenDataBeneath, run both with openat2 and with the component walk.

class ExternalDataOpenTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { internal::SetOpenat2EnabledForTesting(GetParam()); }
  void TearDown() override { internal::SetOpenat2EnabledForTesting(true); }
};

INSTANTIATE_TEST_SUITE_P(ExternalData, ExternalDataOpenTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Openat2" : "ComponentWalk";
                         });

TEST_P(ExternalDataOpenTest, OpensAFileInTheModelFolder) {
  ModelDir dir;
  testing::WriteFile(dir / "w.bin", Bytes(120));
  absl::StatusOr<OpenedData> data = OpenDataBeneath(dir.fd(), "w.bin");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->size, 120u);
  EXPECT_EQ(ReadAll(data->fd.get()), Bytes(120));
  // Blocking reads again, and not inherited by child processes.
  EXPECT_EQ(::fcntl(data->fd.get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(data->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_P(ExternalDataOpenTest, OpensANestedFile) {
  ModelDir dir;
  MakeDir(dir / "weights");
  testing::WriteFile(dir / "weights/part1.bin", Bytes(64));
  for (const std::string location :
       {"weights/part1.bin", "./weights//part1.bin", "weights/./part1.bin",
        "missing/../weights/part1.bin"}) {
    SCOPED_TRACE(location);
    absl::StatusOr<OpenedData> data = OpenDataBeneath(dir.fd(), location);
    ASSERT_TRUE(data.ok()) << data.status();
    EXPECT_EQ(data->size, 64u);
    EXPECT_EQ(ReadAll(data->fd.get()), Bytes(64));
  }
}

TEST_P(ExternalDataOpenTest, RefusesASymlinkAsTheFile) {
  ModelDir dir;
  testing::WriteFile(dir.root() + "/secret.bin", Bytes(64));
  testing::WriteFile(dir / "inside.bin", Bytes(64));
  MakeSymlink(dir.root() + "/secret.bin", dir / "w.bin");
  MakeSymlink("inside.bin", dir / "alias.bin");
  MakeSymlink("nowhere.bin", dir / "dangling.bin");
  MakeDir(dir / "weights");
  MakeSymlink("../../secret.bin", dir / "weights/part1.bin");
  for (const std::string location :
       {"w.bin", "alias.bin", "dangling.bin", "weights/part1.bin"}) {
    ExpectStatus(OpenDataBeneath(dir.fd(), location).status(),
                 StatusCode::kInvalidArgument,
                 "data file \"" + location + "\" is a symbolic link");
  }
}

TEST_P(ExternalDataOpenTest, RefusesASymlinkedParentFolderInsideTheModel) {
  ModelDir dir;
  MakeDir(dir / "real");
  testing::WriteFile(dir / "real/w.bin", Bytes(64));
  MakeSymlink("real", dir / "link");
  MakeDir(dir / "a");
  MakeSymlink("../real", dir / "a/link");
  MakeDir(dir.root() + "/outside");
  testing::WriteFile(dir.root() + "/outside/w.bin", Bytes(64));
  MakeSymlink(dir.root() + "/outside", dir / "out");
  ExpectStatus(OpenDataBeneath(dir.fd(), "link/w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"link/w.bin\": \"link\" is a symbolic link");
  ExpectStatus(OpenDataBeneath(dir.fd(), "a/link/w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"a/link/w.bin\": \"a/link\" is a symbolic link");
  ExpectStatus(OpenDataBeneath(dir.fd(), "out/w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"out/w.bin\": \"out\" is a symbolic link");
}

TEST_P(ExternalDataOpenTest, RefusesAHardLinkedFile) {
  ModelDir dir;
  testing::WriteFile(dir / "w.bin", Bytes(64));
  ASSERT_EQ(::link((dir / "w.bin").c_str(), (dir / "copy.bin").c_str()), 0);
  // A hard link to a file outside the model folder looks like any file.
  testing::WriteFile(dir.root() + "/secret.bin", Bytes(64));
  ASSERT_EQ(::link((dir.root() + "/secret.bin").c_str(),
                   (dir / "secret.bin").c_str()),
            0);
  ASSERT_EQ(::link((dir.root() + "/secret.bin").c_str(),
                   (dir.root() + "/secret2.bin").c_str()),
            0);
  ExpectStatus(OpenDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"w.bin\" has 2 hard links");
  ExpectStatus(OpenDataBeneath(dir.fd(), "secret.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"secret.bin\" has 3 hard links");
}

TEST_P(ExternalDataOpenTest, RefusesAFifoWithoutBlocking) {
  ModelDir dir;
  ASSERT_EQ(::mkfifo((dir / "w.bin").c_str(), 0644), 0);
  ExpectStatus(OpenDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"w.bin\" is not a regular file");
}

TEST_P(ExternalDataOpenTest, RefusesADirectory) {
  ModelDir dir;
  MakeDir(dir / "w.bin");
  MakeDir(dir / "weights");
  MakeDir(dir / "weights/part1.bin");
  ExpectStatus(OpenDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"w.bin\" is not a regular file");
  ExpectStatus(OpenDataBeneath(dir.fd(), "weights/part1.bin/").status(),
               StatusCode::kInvalidArgument,
               "data file \"weights/part1.bin/\" is not a regular file");
}

TEST_P(ExternalDataOpenTest, RefusesADeviceNode) {
  ModelDir dir;
  if (::mknod((dir / "w.bin").c_str(), S_IFCHR | 0644, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot create a device node here";
  }
  ExpectStatus(OpenDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"w.bin\" is not a regular file");
}

TEST_P(ExternalDataOpenTest, ReportsAMissingFileOrFolder) {
  ModelDir dir;
  MakeDir(dir / "weights");
  ExpectStatus(OpenDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kNotFound, "data file \"w.bin\" does not exist");
  ExpectStatus(OpenDataBeneath(dir.fd(), "weights/part1.bin").status(),
               StatusCode::kNotFound,
               "data file \"weights/part1.bin\" does not exist");
  ExpectStatus(OpenDataBeneath(dir.fd(), "missing/part1.bin").status(),
               StatusCode::kNotFound,
               "data file \"missing/part1.bin\" does not exist");
}

TEST_P(ExternalDataOpenTest, RefusesAFileUsedAsAFolder) {
  ModelDir dir;
  testing::WriteFile(dir / "weights", Bytes(8));
  ExpectStatus(OpenDataBeneath(dir.fd(), "weights/part1.bin").status(),
               StatusCode::kInvalidArgument,
               "data file \"weights/part1.bin\": \"weights\" is not a folder");
}

// ---------------------------------------------------------------------------
// CheckExtent.

TEST(ExternalDataTest, AcceptsALengthThatMatchesDimsAndFitsTheFile) {
  ExternalRef ref{"w.bin", 56, 64, ""};
  uint64_t length = 0;
  ASSERT_TRUE(CheckExtent(ExternalTensor({}), ref, 120, &length).ok());
  EXPECT_EQ(length, 64u);
  EXPECT_TRUE(CheckExtent(ExternalTensor({}), ref, 120, nullptr).ok());
}

TEST(ExternalDataTest, NoLengthMeansToTheEndOfTheFile) {
  ExternalRef ref{"w.bin", 100, std::nullopt, ""};
  uint64_t length = 0;
  ASSERT_TRUE(CheckExtent(ExternalTensor({}), ref, 164, &length).ok());
  EXPECT_EQ(length, 64u);
}

TEST(ExternalDataTest, RefusesAnExtentRunningPastTheEndOfTheFile) {
  ExpectStatus(
      CheckExtent(ExternalTensor({}), {"w.bin", 100, 64, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data offset 100 + length 64 runs "
      "past the end of \"w.bin\" (120 bytes)");
  ExpectStatus(CheckExtent(ExternalTensor({}), {"w.bin", 200, std::nullopt, ""},
                           120, nullptr),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external data offset 200 is past the end "
               "of \"w.bin\" (120 bytes)");
}

TEST(ExternalDataTest, RefusesAnOffsetPlusLengthThatOverflows) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  ExpectStatus(
      CheckExtent(ExternalTensor({}), {"w.bin", max, 1, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data offset 18446744073709551615 + length "
      "1 overflows");
  ExpectStatus(
      CheckExtent(ExternalTensor({}, {}),
                  {"w.bin", 9223372036854775807u, 9223372036854775807u, ""},
                  120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data offset 9223372036854775807 + "
      "length 9223372036854775807 runs past the end of \"w.bin\" "
      "(120 bytes)");
}

TEST(ExternalDataTest, RefusesALengthThatDisagreesWithDims) {
  ExpectStatus(
      CheckExtent(ExternalTensor({}), {"w.bin", 0, 60, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data length 60 but dims [4, 4] of FLOAT "
      "need 64 bytes");
  ExpectStatus(CheckExtent(ExternalTensor({}), {"w.bin", 100, std::nullopt, ""},
                           120, nullptr),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external data from offset 100 to the end of "
               "\"w.bin\" is 20 bytes but dims [4, 4] of FLOAT need 64 bytes");
  ExpectStatus(
      CheckExtent(ExternalTensor({}, {}), {"w.bin", 0, 8, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data length 8 but dims [] of FLOAT need 4 "
      "bytes");
}

TEST(ExternalDataTest, UsesTheElementSizeOfEachType) {
  const std::vector<std::pair<int32_t, uint64_t>> sizes = {
      {onnx::TensorProto::FLOAT, 4},
      {onnx::TensorProto::DOUBLE, 8},
      {onnx::TensorProto::FLOAT16, 2},
      {onnx::TensorProto::BFLOAT16, 2},
      {onnx::TensorProto::INT8, 1},
      {onnx::TensorProto::UINT8, 1},
      {onnx::TensorProto::BOOL, 1},
      {onnx::TensorProto::INT16, 2},
      {onnx::TensorProto::UINT16, 2},
      {onnx::TensorProto::INT32, 4},
      {onnx::TensorProto::UINT32, 4},
      {onnx::TensorProto::INT64, 8},
      {onnx::TensorProto::UINT64, 8},
      {onnx::TensorProto::COMPLEX64, 8},
      {onnx::TensorProto::COMPLEX128, 16},
      {17, 1},
      {18, 1},
      {19, 1},
      {20, 1},
  };
  for (const auto& [type, size] : sizes) {
    SCOPED_TRACE(type);
    const onnx::TensorProto tensor = ExternalTensor({}, {3, 5}, type);
    uint64_t length = 0;
    EXPECT_TRUE(
        CheckExtent(tensor, {"w.bin", 0, std::nullopt, ""}, 15 * size, &length)
            .ok());
    EXPECT_EQ(length, 15 * size);
    EXPECT_FALSE(
        CheckExtent(tensor, {"w.bin", 0, 15 * size + 1, ""}, 1000, nullptr)
            .ok());
  }
}

TEST(ExternalDataTest, AcceptsAnEmptyTensorAtTheEndOfTheFile) {
  uint64_t length = 1;
  EXPECT_TRUE(CheckExtent(ExternalTensor({}, {0, 4}), {"w.bin", 120, 0, ""},
                          120, &length)
                  .ok());
  EXPECT_EQ(length, 0u);
}

TEST(ExternalDataTest, RefusesStringAndUnsizedTypes) {
  ExpectStatus(
      CheckExtent(ExternalTensor({}, {4}, onnx::TensorProto::STRING),
                  {"w.bin", 0, std::nullopt, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data of type STRING is not allowed");
  ExpectStatus(
      CheckExtent(ExternalTensor({}, {4}, onnx::TensorProto::UNDEFINED),
                  {"w.bin", 0, std::nullopt, ""}, 120, nullptr),
      StatusCode::kInvalidArgument,
      "initializer \"W\": external data of type UNDEFINED has no fixed "
      "element size");
  ExpectStatus(CheckExtent(ExternalTensor({}, {4}, 99),
                           {"w.bin", 0, std::nullopt, ""}, 120, nullptr),
               StatusCode::kInvalidArgument,
               "initializer \"W\": external data of type TYPE_99 has no fixed "
               "element size");
}

TEST(ExternalDataTest, RefusesNegativeOrOverflowingDims) {
  ExpectStatus(CheckExtent(ExternalTensor({}, {4, -1}),
                           {"w.bin", 0, std::nullopt, ""}, 120, nullptr),
               StatusCode::kInvalidArgument,
               "initializer \"W\": dims [4, -1] have a negative dimension");
  ExpectStatus(CheckExtent(ExternalTensor({}, {int64_t{1} << 62, 2}),
                           {"w.bin", 0, std::nullopt, ""}, 120, nullptr),
               StatusCode::kInvalidArgument,
               "initializer \"W\": dims [4611686018427387904, 2] of FLOAT "
               "need more than 2^64-1 bytes");
}

// The whole read path, as a loader would run it.
TEST(ExternalDataTest, ReadsANestedTensorAndVerifiesItsChecksum) {
  ModelDir dir;
  MakeDir(dir / "weights");
  const std::string file = Bytes(4096 + 64);
  testing::WriteFile(dir / "weights/part1.bin", file);
  Sha1 sha1;
  sha1.Update(file.data(), file.size());
  const onnx::TensorProto tensor =
      ExternalTensor({{"location", "weights/part1.bin"},
                      {"offset", "4096"},
                      {"checksum", sha1.HexDigest()}});

  absl::StatusOr<ExternalRef> ref = ParseExternalRef(tensor);
  ASSERT_TRUE(ref.ok()) << ref.status();
  absl::StatusOr<OpenedData> data = OpenDataBeneath(dir.fd(), ref->location);
  ASSERT_TRUE(data.ok()) << data.status();
  uint64_t length = 0;
  ASSERT_TRUE(CheckExtent(tensor, *ref, data->size, &length).ok());
  EXPECT_EQ(length, 64u);
  absl::StatusOr<std::string> digest = Sha1OfFile(data->fd.get());
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, ref->checksum);
}

// ---------------------------------------------------------------------------
// CreateDataBeneath.

// Sets the umask for one test and restores it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

TEST(ExternalDataTest, CreatesAFreshFileForWriting) {
  ScopedUmask umask(022);
  ModelDir dir;
  absl::StatusOr<UniqueFd> fd = CreateDataBeneath(dir.fd(), "w.bin");
  ASSERT_TRUE(fd.ok()) << fd.status();
  ASSERT_EQ(::write(fd->get(), "data", 4), 4);
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
  fd->reset();
  EXPECT_EQ(testing::ReadFile(dir / "w.bin"), "data");
  EXPECT_EQ(ModeOf(dir / "w.bin"), S_IFREG | 0644);
}

TEST(ExternalDataTest, CreatesMissingParentFolders) {
  ScopedUmask umask(027);
  ModelDir dir;
  MakeDir(dir / "weights");
  absl::StatusOr<UniqueFd> fd =
      CreateDataBeneath(dir.fd(), "weights/deep/er/part1.bin");
  ASSERT_TRUE(fd.ok()) << fd.status();
  fd->reset();
  EXPECT_EQ(ModeOf(dir / "weights/deep"), S_IFDIR | 0750);
  EXPECT_EQ(ModeOf(dir / "weights/deep/er"), S_IFDIR | 0750);
  EXPECT_EQ(ModeOf(dir / "weights/deep/er/part1.bin"), S_IFREG | 0640);
}

TEST(ExternalDataTest, RefusesToWriteOverAnExistingFile) {
  ModelDir dir;
  testing::WriteFile(dir / "w.bin", "keep");
  MakeDir(dir / "weights");
  ExpectStatus(CreateDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kAlreadyExists,
               "refusing to write \"w.bin\": it already exists");
  ExpectStatus(CreateDataBeneath(dir.fd(), "weights").status(),
               StatusCode::kAlreadyExists,
               "refusing to write \"weights\": it already exists");
  EXPECT_EQ(testing::ReadFile(dir / "w.bin"), "keep");
}

TEST(ExternalDataTest, RefusesToWriteThroughASymlinkAtTheLocation) {
  ModelDir dir;
  testing::WriteFile(dir.root() + "/target.bin", "keep");
  MakeSymlink(dir.root() + "/target.bin", dir / "w.bin");
  MakeSymlink("../created.bin", dir / "dangling.bin");
  ExpectStatus(CreateDataBeneath(dir.fd(), "w.bin").status(),
               StatusCode::kAlreadyExists,
               "refusing to write \"w.bin\": it already exists");
  ExpectStatus(CreateDataBeneath(dir.fd(), "dangling.bin").status(),
               StatusCode::kAlreadyExists,
               "refusing to write \"dangling.bin\": it already exists");
  EXPECT_EQ(testing::ReadFile(dir.root() + "/target.bin"), "keep");
  EXPECT_FALSE(Exists(dir.root() + "/created.bin"));
}

TEST(ExternalDataTest, RefusesToWriteThroughASymlinkedParentFolder) {
  ModelDir dir;
  MakeDir(dir.root() + "/outside");
  MakeSymlink(dir.root() + "/outside", dir / "link");
  MakeSymlink("../nowhere", dir / "dangling");
  MakeDir(dir / "weights");
  MakeSymlink("..", dir / "weights/up");
  ExpectStatus(CreateDataBeneath(dir.fd(), "link/w.bin").status(),
               StatusCode::kInvalidArgument,
               "refusing to write \"link/w.bin\": \"link\" is a symbolic link");
  ExpectStatus(
      CreateDataBeneath(dir.fd(), "dangling/w.bin").status(),
      StatusCode::kInvalidArgument,
      "refusing to write \"dangling/w.bin\": \"dangling\" is a symbolic link");
  ExpectStatus(CreateDataBeneath(dir.fd(), "weights/up/w.bin").status(),
               StatusCode::kInvalidArgument,
               "refusing to write \"weights/up/w.bin\": \"weights/up\" is a "
               "symbolic link");
  EXPECT_FALSE(Exists(dir.root() + "/outside/w.bin"));
  EXPECT_FALSE(Exists(dir.root() + "/nowhere"));
  EXPECT_FALSE(Exists(dir / "w.bin"));
}

TEST(ExternalDataTest, RefusesToWriteBeneathAFile) {
  ModelDir dir;
  testing::WriteFile(dir / "weights", "keep");
  ExpectStatus(
      CreateDataBeneath(dir.fd(), "weights/part1.bin").status(),
      StatusCode::kInvalidArgument,
      "refusing to write \"weights/part1.bin\": \"weights\" is not a folder");
}

TEST(ExternalDataTest, UniqueFdClosesAndMovesOwnership) {
  const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  c.reset();
  EXPECT_FALSE(c.valid());
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace onnx_reinit
