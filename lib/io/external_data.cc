#include "io/external_data.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "io/file_io.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

constexpr uint64_t kMaxDecimal =
    static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

std::atomic<bool> g_openat2_enabled{true};
// Set once openat2 has answered ENOSYS (kernel before 5.6, or filtered).
std::atomic<bool> g_openat2_missing{false};

// `s` in double quotes, C-escaped so that NUL bytes, newlines and terminal
// escapes in an untrusted name cannot forge or hide parts of a message.
std::string Quote(absl::string_view s) {
  return absl::StrCat("\"", absl::Utf8SafeCEscape(s), "\"");
}

std::string TensorLabel(const onnx::TensorProto& tensor) {
  return absl::StrCat("initializer ", Quote(tensor.name()));
}

// A location split into its components after lexical normalization (empty
// and "." components dropped, ".." cancelling the component before it), or
// the reason it is refused ("is absolute", ...).
struct NormalizedLocation {
  std::vector<std::string> parts;
  const char* problem = nullptr;
};

// What refuses a location by its characters before any normalization: a
// root, a drive, a backslash, an in-memory marker; nullptr when none does.
const char* SpellingProblem(absl::string_view location) {
  if (location[0] == '/' || location[0] == '\\' ||
      (location.size() >= 2 && absl::ascii_isalpha(location[0]) &&
       location[1] == ':')) {
    // POSIX root, Windows root or UNC path ("\x", "\\host\x"), or a drive
    // ("C:", "C:\x", and the drive-relative "C:x").
    return "is absolute";
  }
  if (absl::StrContains(location, '\\')) return "contains a backslash";
  if (location[0] == '#' || absl::StrContains(location, "_ORT_MEM_ADDR_")) {
    return "is an in-memory marker, not a file";
  }
  return nullptr;
}

NormalizedLocation Normalize(const std::string& location) {
  NormalizedLocation out;
  if (location.empty()) {
    out.problem = "is empty";
  } else if (location.find('\0') != std::string::npos) {
    out.problem = "contains a NUL byte";
  } else {
    out.problem = SpellingProblem(location);
  }
  if (out.problem != nullptr) return out;

  for (absl::string_view part : absl::StrSplit(location, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (out.parts.empty()) {
        out.problem = "leaves the model folder";
        return out;
      }
      out.parts.pop_back();
      continue;
    }
    out.parts.emplace_back(part);
  }
  if (out.parts.empty()) {
    out.problem = "names the model folder, not a file";
  } else {
    // The canonical form is refused as its own spelling would be ("a/../#m"
    // is "#m", "./C:x" is "C:x"), so that it normalizes to itself.
    out.problem = SpellingProblem(out.parts.front());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> NormalizeLocation(const std::string& location) {
  const NormalizedLocation normalized = Normalize(location);
  if (normalized.problem != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("location ", Quote(location), " ", normalized.problem));
  }
  return absl::StrJoin(normalized.parts, "/");
}

namespace {

// Parses an offset or length value: decimal digits only, at most 2^63-1.
absl::Status ParseDecimal(const onnx::TensorProto& tensor,
                          const std::string& key, const std::string& text,
                          uint64_t* out) {
  bool digits_only = !text.empty();
  for (char c : text) digits_only = digits_only && c >= '0' && c <= '9';
  if (!digits_only) {
    return absl::InvalidArgumentError(
        absl::StrCat(TensorLabel(tensor), ": external_data ", key, " ",
                     Quote(text), " is not a decimal number"));
  }
  uint64_t value = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    // Checked before the multiplication, which could otherwise wrap.
    if (value > (kMaxDecimal - digit) / 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(TensorLabel(tensor), ": external_data ", key, " ",
                       Quote(text), " is larger than 2^63-1"));
    }
    value = value * 10 + digit;
  }
  *out = value;
  return absl::OkStatus();
}

bool HasInlineValues(const onnx::TensorProto& tensor) {
  return !tensor.raw_data().empty() || tensor.float_data_size() > 0 ||
         tensor.int32_data_size() > 0 || tensor.string_data_size() > 0 ||
         tensor.int64_data_size() > 0 || tensor.double_data_size() > 0 ||
         tensor.uint64_data_size() > 0;
}

// Bytes per element as stored in external data (the raw_data encoding);
// 0 for STRING, UNDEFINED and unknown types.
uint64_t ElementSize(int32_t data_type) {
  switch (data_type) {
    case 1:   // FLOAT
    case 6:   // INT32
    case 12:  // UINT32
      return 4;
    case 11:  // DOUBLE
    case 7:   // INT64
    case 13:  // UINT64
    case 14:  // COMPLEX64
      return 8;
    case 15:  // COMPLEX128
      return 16;
    case 10:  // FLOAT16
    case 16:  // BFLOAT16
    case 5:   // INT16
    case 4:   // UINT16
      return 2;
    case 2:   // UINT8
    case 3:   // INT8
    case 9:   // BOOL
    case 17:  // FLOAT8E4M3FN
    case 18:  // FLOAT8E4M3FNUZ
    case 19:  // FLOAT8E5M2
    case 20:  // FLOAT8E5M2FNUZ
      return 1;
    default:
      return 0;
  }
}

std::string TypeName(int32_t data_type) {
  static constexpr const char* kNames[] = {
      "UNDEFINED",     "FLOAT",        "UINT8",          "INT8",
      "UINT16",        "INT16",        "INT32",          "INT64",
      "STRING",        "BOOL",         "FLOAT16",        "DOUBLE",
      "UINT32",        "UINT64",       "COMPLEX64",      "COMPLEX128",
      "BFLOAT16",      "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ"};
  if (data_type >= 0 &&
      static_cast<size_t>(data_type) < sizeof(kNames) / sizeof(kNames[0])) {
    return kNames[data_type];
  }
  return absl::StrCat("TYPE_", data_type);
}

// How a failure is worded for one location: "<subject>: ..." for refusals,
// "<errno_what>: <strerror>" for other I/O errors.
struct Wording {
  std::string subject;     // `data file "a/w.bin"`, `refusing to write ...`
  std::string errno_what;  // `cannot open data file "a/w.bin"`, ...
};

// Explains why opening the folder `name` inside `at` failed with `err`.
// `shown` is the location's components up to and including `name`.
absl::Status FolderFailure(int at, const std::string& name,
                           const std::string& shown, int err,
                           const Wording& wording) {
  struct stat st;
  if (::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          wording.subject, ": ", Quote(shown), " is a symbolic link"));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          wording.subject, ": ", Quote(shown), " is not a folder"));
    }
  } else if (errno == ENOENT && err == ENOENT) {
    return absl::NotFoundError(
        absl::StrCat(wording.subject, " does not exist"));
  }
  return ErrnoStatus(err, wording.errno_what);
}

// Opens the parent folders of `parts` (all but the last) beneath `dir_fd`,
// one at a time, never following a symbolic link; with `create`, a missing
// folder is made first. Returns the last folder (empty UniqueFd when `parts`
// has a single component: the parent is `dir_fd` itself).
absl::StatusOr<UniqueFd> WalkFolders(int dir_fd,
                                     const std::vector<std::string>& parts,
                                     bool create, const Wording& wording) {
  constexpr int kFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd folder;
  std::string shown;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const int at = folder.valid() ? folder.get() : dir_fd;
    const std::string& name = parts[i];
    shown = i == 0 ? name : absl::StrCat(shown, "/", name);
    int fd = ::openat(at, name.c_str(), kFlags);
    if (fd < 0 && errno == ENOENT && create) {
      // A racing creator is fine (EEXIST): what is there is opened with
      // O_NOFOLLOW below like any other folder.
      if (::mkdirat(at, name.c_str(), 0777) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, wording.errno_what);
      }
      fd = ::openat(at, name.c_str(), kFlags);
    }
    if (fd < 0) return FolderFailure(at, name, shown, errno, wording);
    folder.reset(fd);
  }
  return folder;
}

// Opens the parent folder of `parts` with one openat2() call that refuses
// every symbolic link and any escape from `dir_fd`. An empty UniqueFd when
// openat2 is unavailable or fails for any reason (the caller then walks, which
// is just as safe and explains the failure precisely).
UniqueFd OpenParentWithOpenat2(int dir_fd,
                               const std::vector<std::string>& parts) {
#ifdef SYS_openat2
  if (!g_openat2_enabled.load() || g_openat2_missing.load()) return UniqueFd();
  const std::string parent = absl::StrJoin(parts.begin(), parts.end() - 1, "/");
  struct open_how how;
  std::memset(&how, 0, sizeof(how));
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const long fd =
      ::syscall(SYS_openat2, dir_fd, parent.c_str(), &how, sizeof(how));
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  if (errno == ENOSYS) g_openat2_missing.store(true);
#endif
  return UniqueFd();
}

// The checks every data file must pass, on lstat-like or fstat results.
absl::Status CheckDataFileStat(const struct stat& st,
                               const std::string& subject) {
  if (S_ISLNK(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, " is a symbolic link"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, " is not a regular file"));
  }
  if (st.st_nlink != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(subject, " has ", st.st_nlink, " hard links"));
  }
  return absl::OkStatus();
}

}  // namespace

UniqueFd::UniqueFd(UniqueFd&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

int UniqueFd::release() { return std::exchange(fd_, -1); }

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

absl::StatusOr<ExternalRef> ParseExternalRef(const onnx::TensorProto& tensor) {
  const std::string label = TensorLabel(tensor);
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": data_location is not EXTERNAL"));
  }
  if (HasInlineValues(tensor)) {
    return absl::InvalidArgumentError(absl::StrCat(
        label,
        ": data_location is EXTERNAL but the tensor also holds inline "
        "values"));
  }
  ExternalRef ref;
  bool seen_location = false, seen_offset = false, seen_length = false,
       seen_checksum = false;
  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    const std::string& key = entry.key();
    const std::string& value = entry.value();
    bool* seen = nullptr;
    if (key == "location") {
      seen = &seen_location;
    } else if (key == "offset") {
      seen = &seen_offset;
    } else if (key == "length") {
      seen = &seen_length;
    } else if (key == "checksum") {
      seen = &seen_checksum;
    } else if (key == "basepath") {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": external_data basepath is never accepted"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": unknown external_data key ", Quote(key)));
    }
    if (*seen) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": duplicate external_data key ", Quote(key)));
    }
    *seen = true;

    if (key == "location") {
      const NormalizedLocation normalized = Normalize(value);
      if (normalized.problem != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(label, ": external_data location ", Quote(value), " ",
                         normalized.problem));
      }
      ref.location = value;
    } else if (key == "offset") {
      ONNX_REINIT_RETURN_IF_ERROR(
          ParseDecimal(tensor, key, value, &ref.offset));
    } else if (key == "length") {
      uint64_t length = 0;
      ONNX_REINIT_RETURN_IF_ERROR(ParseDecimal(tensor, key, value, &length));
      ref.length = length;
    } else {  // checksum
      bool hex = value.size() == 40;
      for (char c : value) hex = hex && absl::ascii_isxdigit(c);
      if (!hex) {
        return absl::InvalidArgumentError(
            absl::StrCat(label, ": external_data checksum ", Quote(value),
                         " is not 40 hex digits"));
      }
      ref.checksum = absl::AsciiStrToLower(value);
    }
  }
  if (!seen_location) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": external_data has no location"));
  }
  return ref;
}

absl::StatusOr<OpenedData> OpenDataBeneath(int dir_fd,
                                           const std::string& location) {
  const Wording wording{
      absl::StrCat("data file ", Quote(location)),
      absl::StrCat("cannot open data file ", Quote(location))};
  const NormalizedLocation normalized = Normalize(location);
  if (normalized.problem != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(wording.subject, " ", normalized.problem));
  }
  const std::vector<std::string>& parts = normalized.parts;

  UniqueFd parent;
  if (parts.size() > 1) {
    parent = OpenParentWithOpenat2(dir_fd, parts);
    if (!parent.valid()) {
      ONNX_REINIT_ASSIGN_OR_RETURN(
          parent, WalkFolders(dir_fd, parts, /*create=*/false, wording));
    }
  }
  const int at = parent.valid() ? parent.get() : dir_fd;
  const char* leaf = parts.back().c_str();

  // Looked at before opening so that a FIFO or device is normally never
  // opened at all; the checks that count are on the open descriptor below.
  struct stat st;
  if (::fstatat(at, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat(wording.subject, " does not exist"));
    }
    return ErrnoStatus(errno, wording.errno_what);
  }
  ONNX_REINIT_RETURN_IF_ERROR(CheckDataFileStat(st, wording.subject));

  UniqueFd fd(::openat(
      at, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ELOOP) {
      return absl::InvalidArgumentError(
          absl::StrCat(wording.subject, " is a symbolic link"));
    }
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat(wording.subject, " does not exist"));
    }
    return ErrnoStatus(errno, wording.errno_what);
  }
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoStatus(errno, wording.errno_what);
  }
  ONNX_REINIT_RETURN_IF_ERROR(CheckDataFileStat(st, wording.subject));
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return ErrnoStatus(errno, wording.errno_what);
  }
  OpenedData data;
  data.fd = std::move(fd);
  data.size = static_cast<uint64_t>(st.st_size);
  return data;
}

absl::Status CheckExtent(const onnx::TensorProto& tensor,
                         const ExternalRef& ref, uint64_t file_size,
                         uint64_t* length_out) {
  const std::string label = TensorLabel(tensor);
  const std::string type = TypeName(tensor.data_type());
  const uint64_t element_size = ElementSize(tensor.data_type());
  if (tensor.data_type() == onnx::TensorProto::STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": external data of type STRING is not allowed"));
  }
  if (element_size == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": external data of type ", type, " has no fixed element size"));
  }
  const std::string dims =
      absl::StrCat("[", absl::StrJoin(tensor.dims(), ", "), "]");
  uint64_t need = element_size;
  for (int64_t d : tensor.dims()) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": dims ", dims, " have a negative dimension"));
    }
    const uint64_t ud = static_cast<uint64_t>(d);
    if (ud != 0 && need > std::numeric_limits<uint64_t>::max() / ud) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": dims ", dims, " of ", type,
                       " need more than 2^64-1 bytes"));
    }
    need *= ud;
  }

  const std::string file = Quote(ref.location);
  uint64_t length = 0;
  if (ref.length.has_value()) {
    length = *ref.length;
    if (ref.offset > std::numeric_limits<uint64_t>::max() - length) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": external data offset ", ref.offset,
                       " + length ", length, " overflows"));
    }
    if (ref.offset + length > file_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": external data offset ", ref.offset, " + length ", length,
          " runs past the end of ", file, " (", file_size, " bytes)"));
    }
    if (length != need) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": external data length ", length, " but dims ",
                       dims, " of ", type, " need ", need, " bytes"));
    }
  } else {
    if (ref.offset > file_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": external data offset ", ref.offset, " is past the end of ",
          file, " (", file_size, " bytes)"));
    }
    length = file_size - ref.offset;
    if (length != need) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": external data from offset ", ref.offset, " to the end of ",
          file, " is ", length, " bytes but dims ", dims, " of ", type,
          " need ", need, " bytes"));
    }
  }
  if (length_out != nullptr) *length_out = length;
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> CreateDataBeneath(int dir_fd,
                                           const std::string& location) {
  const Wording wording{absl::StrCat("refusing to write ", Quote(location)),
                        absl::StrCat("cannot create ", Quote(location))};
  const NormalizedLocation normalized = Normalize(location);
  if (normalized.problem != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(wording.subject, ": it ", normalized.problem));
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(UniqueFd parent,
                               WalkFolders(dir_fd, normalized.parts,
                                           /*create=*/true, wording));
  const int at = parent.valid() ? parent.get() : dir_fd;
  UniqueFd fd(::openat(at, normalized.parts.back().c_str(),
                       O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR | O_CLOEXEC,
                       0666));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat(wording.subject, ": it already exists"));
    }
    return ErrnoStatus(errno, wording.errno_what);
  }
  return fd;
}

namespace internal {
void SetOpenat2EnabledForTesting(bool enabled) {
  g_openat2_enabled.store(enabled);
}
}  // namespace internal

}  // namespace onnx_reinit
