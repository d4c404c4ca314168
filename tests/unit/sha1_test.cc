// SHA-1 gives the published digests, whatever the split of the message into
// Update() calls, and over whole files read through a descriptor.
#include "io/sha1.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

std::string Digest(const std::string& message) {
  Sha1 sha1;
  sha1.Update(message.data(), message.size());
  return sha1.HexDigest();
}

// FIPS 180 / RFC 3174 section 7.3 test vectors.
TEST(Sha1Test, MatchesFipsVectorAbc) {
  EXPECT_EQ(Digest("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1Test, MatchesVectorForTheEmptyMessage) {
  EXPECT_EQ(Digest(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  Sha1 untouched;
  EXPECT_EQ(untouched.HexDigest(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  Sha1 null_update;
  null_update.Update(nullptr, 0);
  EXPECT_EQ(null_update.HexDigest(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Sha1Test, MatchesFipsVectorOf448Bits) {
  EXPECT_EQ(Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1Test, MatchesFipsVectorOf896Bits) {
  EXPECT_EQ(Digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST(Sha1Test, MatchesFipsVectorOfOneMillionA) {
  EXPECT_EQ(Digest(std::string(1000000, 'a')),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // The same message fed one byte at a time.
  Sha1 sha1;
  for (int i = 0; i < 1000000; ++i) sha1.Update("a", 1);
  EXPECT_EQ(sha1.HexDigest(), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1Test, MatchesRfc3174VectorOfRepeatedDigits) {
  std::string message;
  for (int i = 0; i < 80; ++i) message += "01234567";
  EXPECT_EQ(Digest(message), "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}

// Lengths around the padding boundaries (55/56 bytes: one or two final
// blocks; 63/64/65: a full block), checked against coreutils sha1sum.
TEST(Sha1Test, PadsCorrectlyAroundBlockBoundaries) {
  const std::pair<int, const char*> kCases[] = {
      {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
      {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
      {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
      {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
      {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
      {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
      {120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
  };
  for (const auto& [length, digest] : kCases) {
    EXPECT_EQ(Digest(std::string(length, 'a')), digest) << length << " bytes";
  }
}

TEST(Sha1Test, GivesTheSameDigestForEverySplitIntoThreeUpdates) {
  std::string message;
  for (int i = 0; i < 130; ++i) message.push_back(static_cast<char>(i * 37));
  const std::string expected = Digest(message);
  for (size_t i = 0; i <= message.size(); ++i) {
    for (size_t j = i; j <= message.size(); ++j) {
      Sha1 sha1;
      sha1.Update(message.data(), i);
      sha1.Update(message.data() + i, j - i);
      sha1.Update(message.data() + j, message.size() - j);
      ASSERT_EQ(sha1.HexDigest(), expected) << "split at " << i << ", " << j;
    }
  }
}

TEST(Sha1Test, HexDigestDoesNotEndTheMessage) {
  Sha1 sha1;
  sha1.Update("ab", 2);
  EXPECT_EQ(sha1.HexDigest(), Digest("ab"));
  sha1.Update("c", 1);
  EXPECT_EQ(sha1.HexDigest(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1.HexDigest(), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// 3 MiB + 17 bytes: several full 1 MiB reads and a short last one. The
// expected digest comes from Python's hashlib.
TEST(Sha1Test, HashesAWholeFileFromItsStartWithoutMovingItsOffset) {
  std::string bytes(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 7 + i / 251) & 255);
  }
  const std::string path = testing::MakeTempDir() + "/data.bin";
  testing::WriteFile(path, bytes);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 1000, SEEK_SET), 1000);
  absl::StatusOr<std::string> digest = Sha1OfFile(fd);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, "d7341a729b5627b9f3f5c810cf11690c0d37019d");
  EXPECT_EQ(*digest, Digest(bytes));
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 1000);
  ::close(fd);
}

TEST(Sha1Test, HashesAnEmptyFile) {
  const std::string path = testing::MakeTempDir() + "/empty.bin";
  testing::WriteFile(path, "");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  absl::StatusOr<std::string> digest = Sha1OfFile(fd);
  ::close(fd);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Sha1Test, ReportsAnUnreadableDescriptor) {
  const std::string dir = testing::MakeTempDir();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  absl::StatusOr<std::string> digest = Sha1OfFile(fd);
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(digest.status().message(),
            "cannot read file descriptor " + std::to_string(fd) +
                " at byte 0 for its SHA-1: Is a directory");
  ::close(fd);
}

}  // namespace
}  // namespace onnx_reinit
