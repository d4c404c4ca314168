#include "random/philox.h"

#include <cstdint>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace onnx_reinit {
namespace {

using ::testing::ElementsAre;

// Known-answer vectors: the three "philox4x32 10" lines of Random123's
// tests/kat_vectors (columns: counter[4], key[2], expected output[4]).
TEST(Philox4x32Test, MatchesRandom123KnownAnswerForZeros) {
  EXPECT_THAT(Philox4x32({0, 0, 0, 0}, {0, 0}),
              ElementsAre(0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u));
}

TEST(Philox4x32Test, MatchesRandom123KnownAnswerForAllOnes) {
  EXPECT_THAT(Philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                         {0xffffffffu, 0xffffffffu}),
              ElementsAre(0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu));
}

TEST(Philox4x32Test, MatchesRandom123KnownAnswerForPiDigits) {
  EXPECT_THAT(Philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                         {0xa4093822u, 0x299f31d0u}),
              ElementsAre(0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u));
}

TEST(Philox4x32Test, EveryCounterWordAndKeyWordChangesTheOutput) {
  const PhiloxCounter base = Philox4x32({1, 2, 3, 4}, {5, 6});
  for (int i = 0; i < 4; ++i) {
    PhiloxCounter counter = {1, 2, 3, 4};
    counter[i] ^= 1;
    EXPECT_NE(Philox4x32(counter, {5, 6}), base) << "counter word " << i;
  }
  EXPECT_NE(Philox4x32({1, 2, 3, 4}, {4, 6}), base);
  EXPECT_NE(Philox4x32({1, 2, 3, 4}, {5, 7}), base);
}

// Published FNV-1a 64-bit test values.
TEST(HashNameTest, IsFnv1a64) {
  EXPECT_EQ(HashName(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(HashName("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(HashName("foobar"), 0x85944171f73967e8ull);
}

// An independent SplitMix64 step, checked against its published first output
// for state 0 (0xe220a8397b1dcdaf), to check TensorKey's formula.
uint64_t ReferenceSplitMix64(uint64_t state) {
  uint64_t z = state + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

TEST(TensorKeyTest, IsSplitMixOfSeedXorSplitMixOfNameHash) {
  ASSERT_EQ(ReferenceSplitMix64(0), 0xe220a8397b1dcdafull);
  for (const uint64_t seed : {0ull, 1ull, 42ull, 0xdeadbeefcafef00dull}) {
    for (const char* name : {"", "conv1.weight", "fc.bias"}) {
      const uint64_t k =
          ReferenceSplitMix64(seed ^ ReferenceSplitMix64(HashName(name)));
      EXPECT_THAT(
          TensorKey(seed, name),
          ElementsAre(static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)))
          << "seed " << seed << " name " << name;
    }
  }
}

TEST(TensorKeyTest, IsAPureFunctionOfSeedAndName) {
  EXPECT_EQ(TensorKey(7, "layer.weight"), TensorKey(7, "layer.weight"));
}

TEST(TensorKeyTest, DependsOnTheSeed) {
  std::set<PhiloxKey> keys;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    keys.insert(TensorKey(seed, "layer.weight"));
  }
  EXPECT_EQ(keys.size(), 1000u);
}

TEST(TensorKeyTest, DependsOnTheName) {
  std::set<PhiloxKey> keys;
  for (int i = 0; i < 1000; ++i) {
    keys.insert(TensorKey(7, "layer" + std::to_string(i) + ".weight"));
  }
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_NE(TensorKey(7, "a.weight"), TensorKey(7, "a.bias"));
  EXPECT_NE(TensorKey(7, "ab"), TensorKey(7, "ba"));
}

}  // namespace
}  // namespace onnx_reinit
