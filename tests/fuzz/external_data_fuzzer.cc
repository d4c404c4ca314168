// Fuzz target: the external-data location and extent parser
// (lib/io/external_data.h) on a TensorProto written in protobuf text format:
//
//   data_location: EXTERNAL  data_type: 1  dims: 4  dims: 4
//   external_data { key: "location" value: "w.bin" }
//   external_data { key: "offset" value: "64" }
//
// For each input: NormalizeLocation of every external_data value,
// ParseExternalRef of the tensor, CheckExtent against several file sizes,
// and OpenDataBeneath / CreateDataBeneath of every "location" value in a
// model folder made once per process (under $TMPDIR, default /tmp) that
// holds the hostile cases of tests/unit/external_data_test.cc: a data file
// w.bin (1000 bytes), sub/x.bin, symbolic links to a file, to a folder and
// out of the folder, two hard links, a FIFO, and secret.bin beside the
// folder. Odd-sized inputs run with openat2 disabled (the component walk).
// Invariants from the header, beyond "no crash":
//   * NormalizeLocation, ParseExternalRef and CheckExtent fail only with
//     InvalidArgument; OpenDataBeneath and CreateDataBeneath never with
//     Internal (their codes are NotFound, AlreadyExists, InvalidArgument and
//     ErrnoStatus's);
//   * a normalized location is relative, has no empty, "." or ".."
//     component, no backslash or NUL, and normalizes to itself;
//   * ParseExternalRef's location normalizes, its offset and length are at
//     most 2^63-1 and its checksum is empty or 40 lowercase hex digits;
//   * a successful CheckExtent's extent lies inside the file;
//   * a file opened or created is a regular file beneath the model folder
//     (resp. the write folder), reached without leaving it.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fuzz_check.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "io/external_data.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;

struct Folders {
  std::string root;
  std::string model;  // the model folder, real path
  std::string write;  // where CreateDataBeneath writes
  int model_fd = -1;
  int write_fd = -1;
};

void WriteBytes(const std::string& path, size_t size) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ONNX_REINIT_FUZZ_CHECK(fd >= 0, "cannot create ", path);
  ONNX_REINIT_FUZZ_CHECK(::ftruncate(fd, static_cast<off_t>(size)) == 0,
                         "ftruncate ", path);
  ::close(fd);
}

const Folders& TempFolders() {
  static const Folders* folders = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                       "/onnx_reinit_external_data_fuzzer.XXXXXX";
    ONNX_REINIT_FUZZ_CHECK(::mkdtemp(root.data()) != nullptr, "mkdtemp ", root);
    root = fs::canonical(root).string();
    auto* f = new Folders{root, root + "/model", root + "/write"};
    fs::create_directories(f->model + "/sub");
    fs::create_directory(f->write);
    WriteBytes(f->model + "/w.bin", 1000);
    WriteBytes(f->model + "/sub/x.bin", 64);
    WriteBytes(f->model + "/hard1.bin", 16);
    WriteBytes(root + "/secret.bin", 32);
    fs::create_hard_link(f->model + "/hard1.bin", f->model + "/hard2.bin");
    fs::create_symlink("w.bin", f->model + "/link.bin");
    fs::create_directory_symlink("sub", f->model + "/dirlink");
    fs::create_symlink("../secret.bin", f->model + "/up.bin");
    ONNX_REINIT_FUZZ_CHECK(::mkfifo((f->model + "/fifo").c_str(), 0644) == 0,
                           "mkfifo");
    f->model_fd = ::open(f->model.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    f->write_fd = ::open(f->write.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ONNX_REINIT_FUZZ_CHECK(f->model_fd >= 0 && f->write_fd >= 0, "open ", root);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(TempFolders().root, ignored);
    });
    return f;
  }();
  return *folders;
}

// The path of an open descriptor, as the kernel resolved it.
std::string PathOf(int fd) {
  char buffer[PATH_MAX + 1];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buffer, PATH_MAX);
  ONNX_REINIT_FUZZ_CHECK(n > 0, "readlink ", link);
  return std::string(buffer, static_cast<size_t>(n));
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void CheckNormalized(const std::string& location) {
  const absl::StatusOr<std::string> normalized = NormalizeLocation(location);
  if (!normalized.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        normalized.status().code() == absl::StatusCode::kInvalidArgument,
        normalized.status().ToString());
    return;
  }
  const std::string& n = *normalized;
  ONNX_REINIT_FUZZ_CHECK(!n.empty() && n.front() != '/', "\"", n, "\"");
  ONNX_REINIT_FUZZ_CHECK(
      n.find('\\') == std::string::npos && n.find('\0') == std::string::npos,
      "\"", n, "\"");
  for (absl::string_view part : absl::StrSplit(n, '/')) {
    ONNX_REINIT_FUZZ_CHECK(!part.empty() && part != "." && part != "..", "\"",
                           n, "\" has component \"", part, "\"");
  }
  const absl::StatusOr<std::string> again = NormalizeLocation(n);
  ONNX_REINIT_FUZZ_CHECK(again.ok() && *again == n, "\"", n,
                         "\" does not normalize to itself");
}

void CheckExtentAgainst(const onnx::TensorProto& tensor, const ExternalRef& ref,
                        uint64_t file_size) {
  uint64_t length = 0;
  const absl::Status status = CheckExtent(tensor, ref, file_size, &length);
  if (!status.ok()) {
    ONNX_REINIT_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                           status.ToString());
    return;
  }
  ONNX_REINIT_FUZZ_CHECK(
      ref.offset <= file_size && length <= file_size - ref.offset, "offset ",
      ref.offset, " + length ", length, " accepted for a file of ", file_size,
      " bytes");
  if (ref.length) {
    ONNX_REINIT_FUZZ_CHECK(*ref.length == length, "length ", *ref.length,
                           " reported as ", length);
  }
}

void CheckOpen(const std::string& location) {
  const Folders& folders = TempFolders();
  absl::StatusOr<OpenedData> opened =
      OpenDataBeneath(folders.model_fd, location);
  if (!opened.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        opened.status().code() != absl::StatusCode::kInternal,
        opened.status().ToString());
    return;
  }
  struct stat st;
  ONNX_REINIT_FUZZ_CHECK(::fstat(opened->fd.get(), &st) == 0, "fstat");
  ONNX_REINIT_FUZZ_CHECK(S_ISREG(st.st_mode) && st.st_nlink == 1, "\"",
                         location, "\" opened a non-regular or linked file");
  ONNX_REINIT_FUZZ_CHECK(static_cast<uint64_t>(st.st_size) == opened->size,
                         "size");
  const std::string path = PathOf(opened->fd.get());
  ONNX_REINIT_FUZZ_CHECK(absl::StartsWith(path, folders.model + "/"), "\"",
                         location, "\" opened ", path);
}

void CheckCreate(const std::string& location) {
  const Folders& folders = TempFolders();
  absl::StatusOr<UniqueFd> created =
      CreateDataBeneath(folders.write_fd, location);
  if (created.ok()) {
    struct stat st;
    ONNX_REINIT_FUZZ_CHECK(::fstat(created->get(), &st) == 0, "fstat");
    ONNX_REINIT_FUZZ_CHECK(S_ISREG(st.st_mode) && st.st_size == 0, "\"",
                           location, "\" created a non-empty or odd file");
    const std::string path = PathOf(created->get());
    ONNX_REINIT_FUZZ_CHECK(absl::StartsWith(path, folders.write + "/"), "\"",
                           location, "\" created ", path);
  } else {
    ONNX_REINIT_FUZZ_CHECK(
        created.status().code() != absl::StatusCode::kInternal,
        created.status().ToString());
  }
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folders.write)) {
    fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace
}  // namespace onnx_reinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onnx_reinit;  // NOLINT: a fuzz entry point
  TempFolders();
  onnx::TensorProto tensor;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  class Quiet : public google::protobuf::io::ErrorCollector {
    void AddError(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}
  } quiet;
  parser.RecordErrorsTo(&quiet);
  if (!parser.ParseFromString(
          std::string(reinterpret_cast<const char*>(data), size), &tensor)) {
    return 0;
  }
  internal::SetOpenat2EnabledForTesting(size % 2 == 0);

  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    CheckNormalized(entry.value());
    if (entry.key() == "location") {
      CheckOpen(entry.value());
      CheckCreate(entry.value());
    }
  }
  const absl::StatusOr<ExternalRef> ref = ParseExternalRef(tensor);
  if (!ref.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        ref.status().code() == absl::StatusCode::kInvalidArgument,
        ref.status().ToString());
    return 0;
  }
  ONNX_REINIT_FUZZ_CHECK(NormalizeLocation(ref->location).ok(), "location \"",
                         ref->location, "\" accepted but does not normalize");
  constexpr uint64_t kMax = uint64_t{1} << 63;
  ONNX_REINIT_FUZZ_CHECK(ref->offset < kMax, "offset ", ref->offset);
  ONNX_REINIT_FUZZ_CHECK(!ref->length || *ref->length < kMax, "length ",
                         *ref->length);
  ONNX_REINIT_FUZZ_CHECK(ref->checksum.empty() || (ref->checksum.size() == 40 &&
                                                   IsLowerHex(ref->checksum)),
                         "checksum \"", ref->checksum, "\"");
  for (uint64_t file_size :
       {uint64_t{0}, uint64_t{1000}, kMax - 1, ~uint64_t{0}}) {
    CheckExtentAgainst(tensor, *ref, file_size);
  }
  return 0;
}
