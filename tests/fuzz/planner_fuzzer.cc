// Fuzz target: the planner on scanned models, then the whole file path.
//
// Each input is taken as a model file, as OpenModel (lib/io/model_source.cc)
// takes it: ScanModel, the weightless bytes parsed into an onnx::ModelProto
// (with a graph and an ir_version), then BuildPlan (lib/plan/planner.h) with
// the default rules and PlanOptions. An error must be InvalidArgument.
//
// When the plan rewrites at most kMaxRewriteBytes of values (so that no
// input makes a run write gigabytes), the input is also written to
// <tmp>/in/model.onnx, beside a 4 MiB sparse data file weights.bin, and
// ReinitializeFile (lib/reinit.h) writes <tmp>/out/model.onnx with one
// thread, seed 0 and the storage mode chosen by the input's size modulo 3
// (keep, external, inline). Its contract, checked after every run:
//   * the input folder is untouched (model.onnx and the 4 MiB weights.bin);
//   * after an error, no file is left in the output folder (folders made for
//     data file locations may stay, io/external_data.h CreateDataBeneath);
//   * after success, the output scans, and when libprotobuf parses the input
//     it parses the output too.
// Temporary files go under $TMPDIR (default /tmp), one folder per process.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "dtype/dtype.h"
#include "fuzz_check.h"
#include "fuzz_support.h"
#include "io/wire_scan.h"
#include "onnx/onnx_pb.h"
#include "plan/planner.h"
#include "reinit.h"
#include "rules/rules.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxRewriteBytes = uint64_t{1} << 20;
constexpr uint64_t kDataFileBytes = uint64_t{4} << 20;

const RuleSet& DefaultRules() {
  static const RuleSet* rules = [] {
    absl::StatusOr<RuleSet> built = RuleSet::Build(RuleOptions{});
    ONNX_REINIT_FUZZ_CHECK(built.ok(), built.status().ToString());
    return new RuleSet(*std::move(built));
  }();
  return *rules;
}

// <tmp>/in and <tmp>/out, made once per process and removed at exit.
struct Folders {
  std::string root, in, out;
};

const Folders& TempFolders() {
  static const Folders* folders = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                       "/onnx_reinit_planner_fuzzer.XXXXXX";
    ONNX_REINIT_FUZZ_CHECK(::mkdtemp(root.data()) != nullptr, "mkdtemp ", root);
    auto* f = new Folders{root, root + "/in", root + "/out"};
    fs::create_directory(f->in);
    fs::create_directory(f->out);
    const int fd = ::open((f->in + "/weights.bin").c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ONNX_REINIT_FUZZ_CHECK(fd >= 0, "cannot create weights.bin");
    ONNX_REINIT_FUZZ_CHECK(::ftruncate(fd, kDataFileBytes) == 0, "ftruncate");
    ::close(fd);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(TempFolders().root, ignored);
    });
    return f;
  }();
  return *folders;
}

// Bytes of values the plan writes (saturating), including a placement's
// whole consumer input.
uint64_t RewriteBytes(const std::vector<TensorPlan>& plan) {
  uint64_t total = 0;
  for (const TensorPlan& p : plan) {
    if (!p.rewrite) continue;
    uint64_t elements = p.element_count;
    if (p.placement) {
      uint64_t n = 1;
      for (int64_t d : p.placement->dims) {
        if (d < 0 || (d > 0 && n > UINT64_MAX / static_cast<uint64_t>(d))) {
          return UINT64_MAX;
        }
        n *= static_cast<uint64_t>(d);
      }
      elements = std::max(elements, n);
    }
    const uint64_t size = std::max(1, RawElementSize(p.dtype));
    if (elements > (UINT64_MAX - total) / size) return UINT64_MAX;
    total += elements * size;
  }
  return total;
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_directory()) files.push_back(entry.path().string());
  }
  return files;
}

void ReinitializeWholeFile(const uint8_t* data, size_t size) {
  const Folders& folders = TempFolders();
  const std::string input = folders.in + "/model.onnx";
  const std::string output = folders.out + "/model.onnx";
  WriteFuzzFile(input, data, size);

  ReinitOptions options;
  options.plan.rules = &DefaultRules();
  options.rewrite.seed = 0;
  options.rewrite.threads = 1;
  options.storage.mode = static_cast<StorageOptions::Mode>(size % 3);
  const absl::StatusOr<Report> report =
      ReinitializeFile(input, output, options);

  const std::vector<std::string> inputs = FilesUnder(folders.in);
  ONNX_REINIT_FUZZ_CHECK(inputs.size() == 2, "the input folder has ",
                         inputs.size(), " files");
  ONNX_REINIT_FUZZ_CHECK(
      fs::file_size(folders.in + "/weights.bin") == kDataFileBytes,
      "the input's data file changed size");
  if (!report.ok()) {
    const std::vector<std::string> left = FilesUnder(folders.out);
    ONNX_REINIT_FUZZ_CHECK(left.empty(), "after the error \"",
                           report.status().ToString(), "\" ", left.size(),
                           " files are left, e.g. ",
                           left.empty() ? "" : left.front());
  } else {
    std::string written;
    {
      std::error_code error;
      const uintmax_t n = fs::file_size(output, error);
      ONNX_REINIT_FUZZ_CHECK(!error, "no output after success");
      written.resize(n);
      const int fd = ::open(output.c_str(), O_RDONLY | O_CLOEXEC);
      ONNX_REINIT_FUZZ_CHECK(fd >= 0, "cannot open the output");
      ONNX_REINIT_FUZZ_CHECK(
          ::pread(fd, written.data(), n, 0) == static_cast<ssize_t>(n),
          "cannot read the output");
      ::close(fd);
    }
    const absl::StatusOr<ScannedModel> rescanned =
        ScanModel(absl::MakeConstSpan(
            reinterpret_cast<const uint8_t*>(written.data()), written.size()));
    ONNX_REINIT_FUZZ_CHECK(rescanned.ok(), "the output does not scan: ",
                           rescanned.status().ToString());
    onnx::ModelProto model;
    if (model.ParseFromArray(data, static_cast<int>(size))) {
      ONNX_REINIT_FUZZ_CHECK(model.ParseFromString(written),
                             "libprotobuf parses the input, not the output");
    }
  }
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folders.out)) {
    fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace
}  // namespace onnx_reinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace onnx_reinit;  // NOLINT: a fuzz entry point
  const absl::StatusOr<ScannedModel> scanned =
      ScanModel(absl::MakeConstSpan(data, size));
  if (!scanned.ok()) return 0;
  onnx::ModelProto model;
  if (!model.ParseFromString(scanned->weightless)) return 0;
  if (!model.has_graph() || model.ir_version() <= 0) return 0;

  PlanOptions options;
  options.rules = &DefaultRules();
  const absl::StatusOr<std::vector<TensorPlan>> plan =
      BuildPlan(model, options);
  if (!plan.ok()) {
    ONNX_REINIT_FUZZ_CHECK(
        plan.status().code() == absl::StatusCode::kInvalidArgument,
        plan.status().ToString());
    return 0;
  }
  if (RewriteBytes(*plan) <= kMaxRewriteBytes) {
    ReinitializeWholeFile(data, size);
  }
  return 0;
}
