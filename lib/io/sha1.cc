#include "io/sha1.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace onnx_reinit {
namespace {

constexpr size_t kBlockSize = 64;
constexpr size_t kReadChunk = size_t{1} << 20;

inline uint32_t RotateLeft(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

}  // namespace

Sha1::Sha1()
    : state_{0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u} {}

void Sha1::ProcessBlock(const uint8_t* block) {
  // Message schedule W[0..79] (FIPS 180-4 6.1.2 step 1).
  uint32_t w[80];
  for (int t = 0; t < 16; ++t) {
    w[t] = (uint32_t{block[4 * t]} << 24) | (uint32_t{block[4 * t + 1]} << 16) |
           (uint32_t{block[4 * t + 2]} << 8) | uint32_t{block[4 * t + 3]};
  }
  for (int t = 16; t < 80; ++t) {
    w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3],
           e = state_[4];
  for (int t = 0; t < 80; ++t) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);  // Ch
      k = 0x5A827999u;
    } else if (t < 40) {
      f = b ^ c ^ d;  // Parity
      k = 0x6ED9EBA1u;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);  // Maj
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;  // Parity
      k = 0xCA62C1D6u;
    }
    const uint32_t temp = RotateLeft(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = RotateLeft(b, 30);
    b = a;
    a = temp;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
}

void Sha1::Update(const void* data, size_t size) {
  if (size == 0) return;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  total_bytes_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(size, kBlockSize - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ < kBlockSize) return;
    ProcessBlock(buffer_);
    buffered_ = 0;
  }
  while (size >= kBlockSize) {
    ProcessBlock(p);
    p += kBlockSize;
    size -= kBlockSize;
  }
  std::memcpy(buffer_, p, size);
  buffered_ = size;
}

std::string Sha1::HexDigest() const {
  // Pad a copy (FIPS 180-4 5.1.1): a 1 bit, zeros up to 56 mod 64 bytes, then
  // the message length in bits as a 64-bit big-endian number.
  Sha1 copy = *this;
  const uint64_t bit_length = total_bytes_ * 8;
  uint8_t tail[2 * kBlockSize] = {};
  std::memcpy(tail, buffer_, buffered_);
  tail[buffered_] = 0x80;
  const size_t tail_size = buffered_ < 56 ? kBlockSize : 2 * kBlockSize;
  for (int i = 0; i < 8; ++i) {
    tail[tail_size - 1 - i] = static_cast<uint8_t>(bit_length >> (8 * i));
  }
  copy.ProcessBlock(tail);
  if (tail_size == 2 * kBlockSize) copy.ProcessBlock(tail + kBlockSize);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(40);
  for (uint32_t word : copy.state_) {
    for (int shift = 28; shift >= 0; shift -= 4) {
      hex.push_back(kHex[(word >> shift) & 0xF]);
    }
  }
  return hex;
}

absl::StatusOr<std::string> Sha1OfFile(int fd) {
  Sha1 sha1;
  std::vector<uint8_t> chunk(kReadChunk);
  uint64_t offset = 0;
  while (true) {
    const ssize_t n =
        ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return ErrnoStatus(
          errno, absl::StrCat("cannot read file descriptor ", fd, " at byte ",
                              offset, " for its SHA-1"));
    }
    if (n == 0) break;
    sha1.Update(chunk.data(), static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return sha1.HexDigest();
}

}  // namespace onnx_reinit
