// ONNX external data (onnx docs/ExternalData.md), read and written safely.
//
// A tensor with data_location = EXTERNAL keeps its bytes in a file named by
// its external_data entries, relative to the model's folder. Those entries
// come from an untrusted model, so everything here refuses what the onnx
// advisories (CVE-2022-25882, CVE-2024-27318, CVE-2025-51480, ...) show can
// be abused: locations that leave the model folder or are absolute, symbolic
// links anywhere beneath the model folder, hard-linked or non-regular files,
// in-memory markers, malformed or out-of-range offsets and lengths, and on
// write any existing file or link at the location.
//
// Files are always reached through a descriptor of the model folder and
// checked on the OPEN descriptor, never by path after the fact (no
// time-of-check/time-of-use gap). The location is normalized lexically first
// ("a/./b//c" -> "a/b/c", "a/../b" -> "b"), so no ".." is ever handed to the
// kernel.
//
// Every message names the tensor (as `initializer "<name>"`) and/or the
// location; names and locations are C-escaped in messages (a NUL byte shows
// as \000, a backslash as \\). The model itself is not known here: callers
// prefix its path.
#ifndef ONNX_REINIT_IO_EXTERNAL_DATA_H_
#define ONNX_REINIT_IO_EXTERNAL_DATA_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {

// An owned file descriptor, closed when destroyed. Move-only; -1 when empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept;
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership: returns the descriptor and leaves this object empty.
  int release();
  // Closes the current descriptor (if any) and owns `fd` instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// One TensorProto's external_data entries, validated.
struct ExternalRef {
  std::string location;            // as written in the model (not normalized)
  uint64_t offset = 0;             // 0 when the key is absent
  std::optional<uint64_t> length;  // absent: to the end of the file
  std::string checksum;            // 40 lowercase hex digits (SHA-1), or empty
};

// Parses tensor.external_data(). The tensor must have data_location EXTERNAL
// and no inline values (raw_data or any typed field). Keys:
//   location  required; see "Location rules" below.
//   offset, length  decimal digits only (no sign, spaces, "0x" or exponent;
//             leading zeros allowed), at most 2^63-1.
//   checksum  exactly 40 hex digits (either case; stored lowercased).
//   basepath  always refused.
// Unknown and duplicate keys are refused. The first problem found, in entry
// order, is reported. Every error is InvalidArgument, e.g.
//   initializer "W": external_data location "../w.bin" leaves the model folder
//   initializer "W": external_data basepath is never accepted
//   initializer "W": unknown external_data key "foo"
//   initializer "W": duplicate external_data key "offset"
//   initializer "W": external_data offset "-1" is not a decimal number
//   initializer "W": external_data length "9223372036854775808" is larger
//     than 2^63-1
//   initializer "W": external_data checksum "abc" is not 40 hex digits
//   initializer "W": external_data has no location
//   initializer "W": data_location is not EXTERNAL
//   initializer "W": data_location is EXTERNAL but the tensor also holds
//     inline values
//
// Location rules (shared by all functions here), with the reason reported:
//   ""                                   is empty
//   a NUL byte anywhere                  contains a NUL byte
//   "/x", "C:\x", "C:", "C:x", "\\h\x"   is absolute
//   any other backslash                  contains a backslash
//   "#..." or containing "_ORT_MEM_ADDR_"  is an in-memory marker, not a file
//   ".." left after normalization        leaves the model folder
//   nothing left ("." or "a/..")         names the model folder, not a file
// The canonical form of a location: components joined by '/', without
// empty or "." components and with ".." applied ("./w/../a.bin" ->
// "a.bin"), so that two spellings of one file are one file. The same
// refusals as ParseExternalRef (InvalidArgument "location \"...\" ...").
[[nodiscard]] absl::StatusOr<std::string> NormalizeLocation(
    const std::string& location);

[[nodiscard]] absl::StatusOr<ExternalRef> ParseExternalRef(
    const onnx::TensorProto& tensor);

// A data file opened for reading, and its size in bytes.
struct OpenedData {
  UniqueFd fd;
  uint64_t size = 0;
};

// Opens `location` (Location rules above) read-only beneath the folder open
// at `dir_fd` (O_PATH is enough; the caller keeps it) without following any
// symbolic link: the parent folders are resolved with openat2(RESOLVE_BENEATH
// | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) where the kernel has it,
// otherwise (and to diagnose any failure) one component at a time with
// openat(O_PATH | O_DIRECTORY | O_NOFOLLOW); the file itself is opened with
// O_NOFOLLOW | O_NONBLOCK (a FIFO or device never blocks the open; the type
// is also checked before opening, so devices are normally not opened at
// all). The OPEN descriptor must then be a regular file with exactly one
// hard link. Messages name the location:
//   InvalidArgument  data file "../w.bin" leaves the model folder (etc.)
//   InvalidArgument  data file "w.bin" is a symbolic link
//   InvalidArgument  data file "link/w.bin": "link" is a symbolic link
//   InvalidArgument  data file "a/w.bin": "a" is not a folder
//   InvalidArgument  data file "w.bin" has 2 hard links
//   InvalidArgument  data file "w.bin" is not a regular file
//   NotFound         data file "w.bin" does not exist
//   (ErrnoStatus's code, io/file_io.h)  cannot open data file "w.bin": <errno>
[[nodiscard]] absl::StatusOr<OpenedData> OpenDataBeneath(
    int dir_fd, const std::string& location);

// Checks `ref` against the data file's size and against the tensor. The
// tensor's bytes are `ref.length` bytes at `ref.offset`, or everything from
// `ref.offset` to the end of the file when there is no length; that count
// must equal element_count(dims) * element size (FLOAT, INT32, UINT32 4;
// DOUBLE, INT64, UINT64, COMPLEX64 8; COMPLEX128 16; FLOAT16, BFLOAT16,
// INT16, UINT16 2; INT8, UINT8, BOOL and the FLOAT8 types 17-20 1). STRING
// and types without a fixed size are refused. On success stores the byte
// count in `*length_out` (when not null). InvalidArgument, e.g.
//   initializer "W": external data offset 100 + length 64 runs past the end
//     of "w.bin" (120 bytes)
//   initializer "W": external data offset 200 is past the end of "w.bin"
//     (120 bytes)
//   initializer "W": external data offset 18446744073709551615 + length 1
//     overflows
//   initializer "W": external data length 60 but dims [4, 4] of FLOAT need
//     64 bytes
//   initializer "W": external data from offset 100 to the end of "w.bin" is
//     20 bytes but dims [4, 4] of FLOAT need 64 bytes
//   initializer "W": external data of type STRING is not allowed
//   initializer "W": external data of type UNDEFINED has no fixed element size
//   initializer "W": dims [4, -1] have a negative dimension
//   initializer "W": dims [...] of FLOAT need more than 2^64-1 bytes
[[nodiscard]] absl::Status CheckExtent(const onnx::TensorProto& tensor,
                                       const ExternalRef& ref,
                                       uint64_t file_size,
                                       uint64_t* length_out);

// Creates `location` (Location rules above) as a new, empty file open for
// writing beneath the folder open at `dir_fd`. Each parent folder is opened
// with openat(O_PATH | O_DIRECTORY | O_NOFOLLOW), so it must be a real folder
// reached without any symbolic link; a missing one is created with mkdirat
// (mode 0777 & ~umask) and then opened the same way. The file is created with
// O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR (read back for its checksum) |
// O_CLOEXEC (mode 0666 & ~umask), so an existing file, folder or symbolic link
// (even a dangling one) at the location is refused and never written through.
// Folders created before a later failure are left in place. Messages name the
// location:
//   InvalidArgument  refusing to write "../w.bin": it leaves the model folder
//   AlreadyExists    refusing to write "w.bin": it already exists
//   InvalidArgument  refusing to write "link/w.bin": "link" is a symbolic link
//   InvalidArgument  refusing to write "a/w.bin": "a" is not a folder
//   (ErrnoStatus's code, io/file_io.h)  cannot create "w.bin": <errno>
[[nodiscard]] absl::StatusOr<UniqueFd> CreateDataBeneath(
    int dir_fd, const std::string& location);

namespace internal {
// Tests only: when false, OpenDataBeneath never calls openat2 and always walks
// the parent folders one at a time (the fallback for kernels before 5.6).
void SetOpenat2EnabledForTesting(bool enabled);
}  // namespace internal

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_EXTERNAL_DATA_H_
