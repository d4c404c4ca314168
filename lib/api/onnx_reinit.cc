// The public API (include/onnx_reinit/onnx_reinit.h) on the library's own
// entry points (reinit.h): option texts become a compiled RuleSet and
// ReinitOptions once, reports become JSON or text here.
#include "onnx_reinit/onnx_reinit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "graph/fans.h"
#include "io/file_io.h"
#include "io/input_file.h"
#include "io/sha1.h"
#include "io/wire_scan.h"
#include "plan/report.h"
#include "plan/report_json.h"
#include "plan/tensor_report.h"
#include "reinit.h"
#include "report.pb.h"
#include "rules/rules.h"
#include "strategy/strategy.h"
#include "util/parallel.h"
#include "util/simd_level.h"
#include "util/status_macros.h"
#include "util/usage_error.h"

#ifndef ONNX_REINIT_VERSION
#error "ONNX_REINIT_VERSION must be defined by the build"
#endif

namespace onnx_reinit {

struct RunReport::Data {
  // Keeps the rule set that `tensors` plans with alive.
  std::shared_ptr<const void> owner;
  Report report;  // without tensors when `tensors` is set
  std::shared_ptr<const TensorReport> tensors;
};

struct Reinitializer::Impl {
  explicit Impl(RuleSet compiled) : rules(std::move(compiled)) {}
  Options options;
  RuleSet rules;
  ReinitOptions reinit;  // reinit.plan.rules points at `rules`
};

namespace {

absl::StatusOr<StorageOptions::Mode> ParseStorageMode(const std::string& v) {
  if (v == "keep") return StorageOptions::Mode::kKeep;
  if (v == "inline") return StorageOptions::Mode::kInline;
  if (v == "external") return StorageOptions::Mode::kExternal;
  return absl::InvalidArgumentError(absl::StrCat(
      "--external_data takes keep, inline or external, got \"", v, "\""));
}

absl::StatusOr<RuleSet> BuildRules(const Options& options) {
  RuleOptions rule_options;
  rule_options.cli_rules = options.rules;
  if (!options.strategy.empty())
    rule_options.weight_strategy = options.strategy;
  if (!options.bias_strategy.empty()) {
    rule_options.bias_strategy = options.bias_strategy;
  }
  absl::StatusOr<Profile> profile = ParseProfile(options.profile);
  if (!profile.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--profile: ", profile.status().message()));
  }
  rule_options.profile = *profile;
  if (!options.config_file.empty()) {
    ONNX_REINIT_ASSIGN_OR_RETURN(rule_options.config,
                                 LoadConfigFile(options.config_file));
  }
  return RuleSet::Build(rule_options);
}

// Memory that the input asks for and the machine does not have ends the run
// with an error (ResourceExhausted, exit 1), not an abort; what the run
// created is removed as the exception unwinds (io/atomic_output.h,
// io/data_files.h). Allocations made on pool threads are caught where they
// run (rewrite/rewriter.cc) and come back as a status.
template <typename Run>
auto OutOfMemoryAsError(const std::string& input, Run run) -> decltype(run()) {
  try {
    return run();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("\"", input, "\": out of memory"));
  }
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// A folder of its own under $TMPDIR (or /tmp), removed with what is in it.
class TempFolder {
 public:
  static absl::StatusOr<TempFolder> Create() {
    const char* tmp = ::getenv("TMPDIR");
    std::string pattern = absl::StrCat(
        tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/onnx-reinit-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return ErrnoStatus(errno, absl::StrCat("cannot create a temporary "
                                             "folder like \"",
                                             pattern, "\""));
    }
    TempFolder folder;
    folder.path_ = pattern;
    return folder;
  }
  TempFolder(TempFolder&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TempFolder& operator=(TempFolder&&) = delete;
  ~TempFolder() {
    if (path_.empty()) return;
    if (DIR* dir = ::opendir(path_.c_str())) {
      while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        ::unlink(absl::StrCat(path_, "/", name).c_str());
      }
      ::closedir(dir);
    }
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  TempFolder() = default;
  std::string path_;
};

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  ONNX_REINIT_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  std::string bytes(file.size(), '\0');
  ONNX_REINIT_RETURN_IF_ERROR(file.ReadAt(0, file.size(), bytes.data()));
  return bytes;
}

absl::Status WriteWholeFile(const std::string& path, std::string_view bytes) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot create \"", path, "\""));
  }
  absl::Status s = WriteAt(fd, path, bytes.data(), bytes.size(), 0);
  ::close(fd);
  return s;
}

}  // namespace

// --- RunReport --------------------------------------------------------------

RunReport::RunReport() : data_(std::make_shared<Data>()) {}

RunReport RunReport::ForFailure(const std::string& model,
                                const std::string& output, uint64_t seed,
                                const absl::Status& error) {
  RunReport r;
  r.data_->report.set_model(model);
  r.data_->report.set_output(output);
  r.data_->report.set_seed(seed);
  r.data_->report.set_status("error");
  r.data_->report.set_error(std::string(error.message()));
  return r;
}

const std::string& RunReport::model() const { return data_->report.model(); }
const std::string& RunReport::output() const { return data_->report.output(); }
uint64_t RunReport::seed() const { return data_->report.seed(); }
uint32_t RunReport::tensors_total() const {
  return data_->report.tensors_total();
}
uint32_t RunReport::tensors_rewritten() const {
  return data_->report.tensors_rewritten();
}
double RunReport::bytes_written() const {
  return data_->report.bytes_written();
}
double RunReport::seconds() const { return data_->report.seconds(); }

void RunReport::set_seconds(double seconds) {
  if (data_.use_count() > 1) data_ = std::make_shared<Data>(*data_);
  data_->report.set_seconds(seconds);
}

namespace {

absl::Status WriteJsonAs(const RunReport::Data& data, JsonLayout layout,
                         const RunReport::TextSink& write) {
  auto sink = [&write](absl::string_view piece) {
    return write(std::string_view(piece.data(), piece.size()));
  };
  absl::Status status = data.tensors == nullptr
                            ? WriteReportJson(data.report, layout, sink)
                            : WriteReportJson(
                                  data.report,
                                  [&](RecordVisitor visit) {
                                    return data.tensors->ForEach(visit);
                                  },
                                  layout, sink);
  return status;
}

absl::StatusOr<std::string> JsonAs(const RunReport::Data& data,
                                   JsonLayout layout) {
  std::string json;
  absl::Status status = WriteJsonAs(data, layout, [&](std::string_view piece) {
    json.append(piece.data(), piece.size());
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return absl::Status(
        status.code(),
        absl::StrCat("cannot render the report as JSON: ", status.message()));
  }
  return json;
}

}  // namespace

absl::StatusOr<std::string> RunReport::ToJson() const {
  return JsonAs(*data_, JsonLayout::kIndented);
}

absl::StatusOr<std::string> RunReport::ToJsonLine() const {
  return JsonAs(*data_, JsonLayout::kOneLine);
}

absl::Status RunReport::WriteJson(const TextSink& write) const {
  return WriteJsonAs(*data_, JsonLayout::kIndented, write);
}

absl::Status RunReport::WriteJsonLine(const TextSink& write) const {
  return WriteJsonAs(*data_, JsonLayout::kOneLine, write);
}

absl::Status RunReport::WritePlanText(const TextSink& write) const {
  auto sink = [&write](absl::string_view piece) {
    return write(std::string_view(piece.data(), piece.size()));
  };
  if (data_->tensors == nullptr) {
    return ::onnx_reinit::WritePlanText(
        [&](RecordVisitor visit) {
          for (const TensorRecord& r : data_->report.tensors()) {
            ONNX_REINIT_RETURN_IF_ERROR(visit(r));
          }
          return absl::OkStatus();
        },
        sink);
  }
  return ::onnx_reinit::WritePlanText(
      [&](RecordVisitor visit) { return data_->tensors->ForEach(visit); },
      sink);
}

std::string RunReport::ToPlanText() const {
  std::string text;
  // Records are made from a model already planned: no error to report.
  absl::Status ignored = WritePlanText([&](std::string_view piece) {
    text.append(piece.data(), piece.size());
    return absl::OkStatus();
  });
  (void)ignored;
  return text;
}

// --- Reinitializer
// ------------------------------------------------------------

Reinitializer::Reinitializer(std::shared_ptr<const Impl> impl)
    : impl_(std::move(impl)) {}

absl::StatusOr<Reinitializer> Reinitializer::Create(const Options& options) {
  absl::StatusOr<RuleSet> rules = BuildRules(options);
  if (!rules.ok()) return rules.status();
  auto impl = std::make_shared<Impl>(*std::move(rules));
  impl->options = options;
  absl::StatusOr<FanConvention> convention =
      ParseFanConvention(options.fan_convention);
  if (!convention.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--fan_convention: ", convention.status().message()));
  }
  absl::StatusOr<SimdLevel> simd = ParseSimdLevel(options.simd);
  if (!simd.ok()) return simd.status();
  absl::StatusOr<StorageOptions::Mode> mode =
      ParseStorageMode(options.external_data);
  if (!mode.ok()) return mode.status();
  if (options.threads < 0 || options.threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads takes a whole number from 0 to 1024, got \"",
                     options.threads, "\""));
  }
  ReinitOptions& reinit = impl->reinit;
  reinit.plan.rules = &impl->rules;
  reinit.plan.fan_convention = *convention;
  reinit.storage.mode = *mode;
  reinit.storage.threshold = options.external_threshold;
  reinit.storage.file = options.external_file;
  reinit.rewrite.seed = options.seed;
  reinit.rewrite.threads = options.threads;
  reinit.rewrite.simd = *simd;
  return Reinitializer(std::move(impl));
}

const Options& Reinitializer::options() const { return impl_->options; }

absl::StatusOr<RunReport> Reinitializer::Reinitialize(
    const std::string& input, const std::string& output,
    const RunControl& control) const {
  ReinitOptions reinit = impl_->reinit;
  reinit.rewrite.seed = control.seed;
  reinit.rewrite.progress = control.progress;
  reinit.claim_data_file = control.claim_data_file;
  reinit.tensor_report = control.tensor_report;
  const auto start = std::chrono::steady_clock::now();
  if (control.before_commit) {
    reinit.before_commit = [this, &control, start](const RunResult& run) {
      RunReport ready;
      ready.data_->owner = impl_;
      ready.data_->report = run.header;
      ready.data_->tensors = run.tensors;
      ready.data_->report.set_seconds(SecondsSince(start));
      return control.before_commit(ready);
    };
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(RunResult run, OutOfMemoryAsError(input, [&] {
                                 return ::onnx_reinit::ReinitializeModel(
                                     input, output, reinit);
                               }));
  RunReport result;
  result.data_->owner = impl_;
  result.data_->report = std::move(run.header);
  result.data_->tensors = std::move(run.tensors);
  result.data_->report.set_seconds(SecondsSince(start));
  return result;
}

absl::StatusOr<RunReport> Reinitializer::Plan(const std::string& input,
                                              uint64_t seed) const {
  const auto start = std::chrono::steady_clock::now();
  ONNX_REINIT_ASSIGN_OR_RETURN(RunResult plan, OutOfMemoryAsError(input, [&] {
                                 return ::onnx_reinit::PlanModel(
                                     input, impl_->reinit.plan);
                               }));
  RunReport result;
  result.data_->owner = impl_;
  result.data_->report = std::move(plan.header);
  result.data_->tensors = std::move(plan.tensors);
  result.data_->report.set_seed(seed);
  result.data_->report.set_status("ok");
  result.data_->report.set_seconds(SecondsSince(start));
  return result;
}

absl::StatusOr<std::string> Reinitializer::ReinitializeBytes(
    std::string_view model, uint64_t seed) const {
  if (impl_->reinit.storage.mode == StorageOptions::Mode::kExternal) {
    return absl::InvalidArgumentError(
        "external_data \"external\" writes a data file: use ReinitializeFile");
  }
  // Refused before anything is written: data files cannot be found from
  // bytes alone.
  absl::StatusOr<ScannedModel> scanned = ScanModel(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(model.data()), model.size()));
  if (!scanned.ok()) {
    return absl::Status(
        scanned.status().code(),
        absl::StrCat("the model's bytes are not an ONNX model: ",
                     scanned.status().message()));
  }
  for (size_t i = 0; i < scanned->layout.tensors.size(); ++i) {
    const ModelLayout& layout = scanned->layout;
    if (!layout.ExternalData(layout.tensors[i]).entries.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor \"", TensorPath(scanned->layout, i),
                       "\" has external data, which bytes alone cannot "
                       "reach: use ReinitializeFile"));
    }
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(TempFolder folder, TempFolder::Create());
  const std::string in = absl::StrCat(folder.path(), "/model.onnx");
  const std::string out = absl::StrCat(folder.path(), "/reinitialized.onnx");
  ONNX_REINIT_RETURN_IF_ERROR(WriteWholeFile(in, model));
  RunControl control;
  control.seed = seed;
  control.claim_data_file = [](const std::string& path) {
    return absl::InvalidArgumentError(
        absl::StrCat("the run would write the data file \"", path,
                     "\": use ReinitializeFile"));
  };
  ONNX_REINIT_RETURN_IF_ERROR(Reinitialize(in, out, control).status());
  return ReadWholeFile(out);
}

// --- The simple entry points -------------------------------------------------

const char* Version() { return ONNX_REINIT_VERSION; }

bool IsUsageError(const absl::Status& status) {
  return HasUsageErrorMark(status);
}

std::vector<std::string> ListStrategies() { return DescribeStrategies(); }

uint64_t SeedForPath(uint64_t seed, std::string_view relative_path) {
  Sha1 sha;
  const std::string message = absl::StrCat(
      "onnx-reinit seed_from=path\n", seed, "\n",
      absl::string_view(relative_path.data(), relative_path.size()));
  sha.Update(message.data(), message.size());
  uint64_t derived = 0;
  // 16 hex digits always parse into 64 bits.
  [[maybe_unused]] const bool parsed =
      absl::SimpleHexAtoi(sha.HexDigest().substr(0, 16), &derived);
  return derived;
}

void RunConcurrently(size_t n, int jobs,
                     const std::function<void(size_t)>& job) {
  absl::Status ignored = RunParallel(
      n, jobs, [] { return 0; },
      [&](size_t i, int&) {
        job(i);
        return absl::OkStatus();
      });
  (void)ignored;  // every job returns OK
}

absl::StatusOr<std::string> ReinitializeFile(const std::string& input,
                                             const std::string& output,
                                             const Options& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(Reinitializer reinitializer,
                               Reinitializer::Create(options));
  RunControl control;
  control.seed = options.seed;
  ONNX_REINIT_ASSIGN_OR_RETURN(
      RunReport report, reinitializer.Reinitialize(input, output, control));
  return report.ToJson();
}

absl::StatusOr<std::string> PlanFile(const std::string& input,
                                     const Options& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(Reinitializer reinitializer,
                               Reinitializer::Create(options));
  ONNX_REINIT_ASSIGN_OR_RETURN(RunReport report,
                               reinitializer.Plan(input, options.seed));
  return report.ToJson();
}

absl::StatusOr<std::string> ReinitializeBytes(std::string_view model,
                                              const Options& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(Reinitializer reinitializer,
                               Reinitializer::Create(options));
  return reinitializer.ReinitializeBytes(model, options.seed);
}

}  // namespace onnx_reinit
