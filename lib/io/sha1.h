// SHA-1 (FIPS 180-4, section 6.1), computed incrementally. Used to verify the
// optional `checksum` of an ONNX external-data file, which is the SHA-1 of the
// whole file. SHA-1 is not collision resistant: a matching checksum detects
// accidental corruption and truncation, not a deliberate substitution.
#ifndef ONNX_REINIT_IO_SHA1_H_
#define ONNX_REINIT_IO_SHA1_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace onnx_reinit {

class Sha1 {
 public:
  Sha1();

  // Appends `size` bytes at `data` to the message. `data` may be null when
  // `size` is 0. Any split of a message into Update() calls gives the same
  // digest.
  void Update(const void* data, size_t size);

  // The digest of every byte passed to Update() so far, as 40 lowercase hex
  // digits. Does not change the object: more Update() calls may follow, and
  // a later HexDigest() covers them too.
  std::string HexDigest() const;

 private:
  void ProcessBlock(const uint8_t* block);

  uint32_t state_[5];
  uint8_t buffer_[64];
  size_t buffered_ = 0;       // bytes waiting in buffer_, always < 64
  uint64_t total_bytes_ = 0;  // message length so far
};

// The SHA-1 of the whole file open at `fd`, from byte 0 to end of file, read
// with pread() in 1 MiB chunks (the file offset of `fd` is neither used nor
// moved). The caller keeps ownership of `fd`. Errors: Unknown (or
// PermissionDenied) naming the descriptor when a read fails.
[[nodiscard]] absl::StatusOr<std::string> Sha1OfFile(int fd);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_SHA1_H_
