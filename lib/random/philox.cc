#include "random/philox.h"

#include <cstdint>
#include <string_view>

#include "random/philox_inline.h"

namespace onnx_reinit {
namespace {

// SplitMix64 finalizer (Steele, Lea, Flood 2014): one step from state x,
// i.e. z = x + golden gamma, then two xor-shift-multiply rounds.
uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

PhiloxCounter Philox4x32(PhiloxCounter counter, PhiloxKey key) {
  return philox_internal::Philox4x32_10(counter, key);
}

uint64_t HashName(std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a 64-bit offset basis
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;  // FNV-1a 64-bit prime
  }
  return h;
}

PhiloxKey TensorKey(uint64_t seed, std::string_view name) {
  const uint64_t k = SplitMix64(seed ^ SplitMix64(HashName(name)));
  return {static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
}

}  // namespace onnx_reinit
