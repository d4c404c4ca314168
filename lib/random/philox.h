// Philox4x32-10 counter-based generator (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11), and the keying scheme that makes every
// tensor's values a pure function of (seed, tensor name, element index).
//
// Contract: Philox4x32(counter, key) is the published function; its output is
// checked against Random123's known-answer vectors in tests. Because value i
// of a tensor depends only on (seed, name, i), output bytes do not depend on
// thread count or the order in which work is done.
#ifndef ONNX_REINIT_RANDOM_PHILOX_H_
#define ONNX_REINIT_RANDOM_PHILOX_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace onnx_reinit {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Ten rounds of Philox4x32 with the standard multipliers 0xD2511F53,
// 0xCD9E8D57 and Weyl constants 0x9E3779B9, 0xBB67AE85.
PhiloxCounter Philox4x32(PhiloxCounter counter, PhiloxKey key);

// 64-bit FNV-1a of the name.
uint64_t HashName(std::string_view name);

// The key of one tensor: SplitMix64(seed ^ SplitMix64(HashName(name))),
// split into low and high 32-bit words.
PhiloxKey TensorKey(uint64_t seed, std::string_view name);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_RANDOM_PHILOX_H_
