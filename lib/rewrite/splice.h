// The output file as a list of pieces: stretches copied from the input,
// literal bytes (re-encoded tags and length prefixes), and value payloads to
// be generated. Everything that is not a rewritten value — and, when a
// payload changes length, not a length prefix enclosing it — is a copy.
#ifndef ONNX_REINIT_REWRITE_SPLICE_H_
#define ONNX_REINIT_REWRITE_SPLICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "io/wire_scan.h"
#include "rewrite/value_encoding.h"

namespace onnx_reinit {

struct SpliceTarget {
  int tensor = 0;  // index into layout.tensors
  ValueEncoding encoding;
  uint64_t payload_size = 0;  // bytes of the new values
  // When set, the new field (tag, length, values) replaces these bytes
  // instead of the tensor's value fields (a tensor coming back from
  // external data).
  std::optional<ByteRange> replace;
};

struct Piece {
  enum class Kind { kCopy, kBytes, kValues };
  Kind kind = Kind::kCopy;
  int source_fd = -1;      // kCopy: -1 = the input model, else this file
  uint64_t in_offset = 0;  // kCopy
  uint64_t size = 0;       // bytes this piece puts in the output
  std::string bytes;       // kBytes
  int target = -1;         // kValues: index into the targets
  uint64_t out_offset = 0;
};

struct Splice {
  std::vector<Piece> pieces;  // in output order, contiguous
  uint64_t output_size = 0;
};

// Replaces the bytes of `field` (a whole field: tag, length, payload) inside
// the envelope `envelope` by `bytes`; e.g. a recomputed external-data
// checksum.
struct LiteralEdit {
  ByteRange field;
  int envelope = -1;
  std::string bytes;
  // Then `source_size` bytes copied from `source_fd` at `source_offset`
  // (values coming back from a data file).
  int source_fd = -1;
  uint64_t source_offset = 0;
  uint64_t source_size = 0;
};

// InvalidArgument when the re-encoded graph would exceed protobuf's 2 GiB.
[[nodiscard]] absl::StatusOr<Splice> PlanSplice(
    const ModelLayout& layout, const std::vector<SpliceTarget>& targets,
    const std::vector<LiteralEdit>& literals = {});

// The same, each piece handed to `emit` in output order instead of kept
// (a model of many tensors has a few pieces per tensor); returns the output
// size.
[[nodiscard]] absl::StatusOr<uint64_t> PlanSplice(
    const ModelLayout& layout, const std::vector<SpliceTarget>& targets,
    const std::vector<LiteralEdit>& literals,
    absl::FunctionRef<void(Piece piece)> emit);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REWRITE_SPLICE_H_
