// onnx-reinit's public C++ API: the only header a user includes. Everything
// under lib/ is private; nothing here names protobuf or an internal type.
//
// The simple entry points:
//
//   onnx_reinit::Options options;
//   options.strategy = "xavier_uniform";
//   options.seed = 7;
//   absl::StatusOr<std::string> report =
//       onnx_reinit::ReinitializeFile("model.onnx", "fresh.onnx", options);
//
// ReinitializeFile writes `output` (atomically: on any error nothing is at
// the output path and the input is untouched; a file it replaces keeps its
// mode and, where permitted, owner and group; a symbolic link at `output` is
// refused, FailedPrecondition; concurrent runs into one output leave one
// run's model and data files) and returns the report as JSON,
// the same text as the CLI's --report. PlanFile returns the plan as JSON, the
// same text as --plan --format=json. ReinitializeBytes does the same as
// ReinitializeFile on a serialized model held in memory and returns the new
// model's bytes.
//
// Errors are absl::Status values whose messages are the CLI's (the CLI is
// built on this header):
//   InvalidArgument   bad options (a strategy, rule, profile, config file,
//                     --simd level ...), or a model that is not valid ONNX or
//                     whose tensors do not fit their consumers
//   NotFound          a missing input, data file or config file (a config
//                     file's syntax errors are InvalidArgument)
//   PermissionDenied, FailedPrecondition, ResourceExhausted, Unknown ...
//                     I/O failures, from errno
// Where there is one, the message names the file, node and tensor.
// IsUsageError tells the errors that come from the caller's choice of paths
// (an output that would replace one of the model's data files) from faults of
// the model or the machine: the CLI exits 2 for them.
//
// Determinism: the same options and seed give byte-identical output on any
// x86-64 machine, for any thread count and SIMD level (README
// "Reproducibility").
//
// Thread safety: every function may be called from several threads at once;
// a Reinitializer is immutable after Create and may be shared.
#ifndef ONNX_REINIT_ONNX_REINIT_H_
#define ONNX_REINIT_ONNX_REINIT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#if defined(__GNUC__)
#define ONNX_REINIT_API __attribute__((visibility("default")))
#else
#define ONNX_REINIT_API
#endif

namespace onnx_reinit {

// "0.2.0": the library's version (the CLI's --version).
ONNX_REINIT_API const char* Version();

// Whether `status` (from any function here) is a usage error: the arguments
// asked for something that cannot be done safely, such as an output path that
// is also where one of the model's data files is written. Its code is still
// InvalidArgument.
ONNX_REINIT_API bool IsUsageError(const absl::Status& status);

// Everything a run can be told; each field is the CLI flag of the same name
// and takes the same text.
struct Options {
  // --strategy: for weight, recurrent_input and recurrent_hidden tensors,
  // e.g. "normal(std=0.02)". "" = not given: he_normal, unless the profile
  // or config file decides (an explicit strategy beats the profile).
  std::string strategy;
  // --bias_strategy: for bias and recurrent_bias tensors. "" = not given:
  // zeros, unless the profile or config file decides.
  std::string bias_strategy;
  // --rule, in order: "SELECTOR:STRATEGY", e.g. "role=embedding:keep".
  std::vector<std::string> rules;
  // --config: rules from a .textproto or .json file ("" = none).
  std::string config_file;
  // --profile: "", "torch" or "keras".
  std::string profile;
  // --seed.
  uint64_t seed = 0;
  // --threads: 0 = one per core. Never changes the output.
  int threads = 0;
  // --external_data: "keep" (as the input), "inline" (external data comes
  // back into the model) or "external" (initializers of at least
  // external_threshold bytes move to external_file).
  std::string external_data = "keep";
  uint64_t external_threshold = 1024;
  // "" = the output's file name + ".data", next to the output.
  std::string external_file;
  // --fan_convention: "torch" or "semantic": how Conv/ConvTranspose fans
  // are counted (README "Roles and fans").
  std::string fan_convention = "torch";
  // --simd: "auto", "avx512", "avx2" or "baseline". Never changes the
  // output of the element-wise strategies.
  std::string simd = "auto";
};

// Writes `output` re-initialized from `input` (external data files are
// written next to it) and returns the report as indented JSON.
ONNX_REINIT_API absl::StatusOr<std::string> ReinitializeFile(
    const std::string& input, const std::string& output,
    const Options& options);

// The plan (what ReinitializeFile would do, tensor by tensor) as indented
// JSON; nothing is written.
ONNX_REINIT_API absl::StatusOr<std::string> PlanFile(const std::string& input,
                                                     const Options& options);

// `model` is a serialized ModelProto; returns the re-initialized model's
// serialized bytes. A model with external data is refused (InvalidArgument
// naming the tensor: its data files cannot be found from bytes), as is
// external_data = "external". The work goes through a private temporary
// folder under $TMPDIR (or /tmp), removed before returning.
ONNX_REINIT_API absl::StatusOr<std::string> ReinitializeBytes(
    std::string_view model, const Options& options);

// One line per strategy, "name(params) aliases: ... — formula" (--help).
ONNX_REINIT_API std::vector<std::string> ListStrategies();

// The seed the CLI's --seed_from=path gives the model at `relative_path`
// (beneath its input folder, '/'-separated): the first 8 bytes, read as a
// big-endian integer, of
//   SHA-1("onnx-reinit seed_from=path\n" + decimal(seed) + "\n" +
//         relative_path).
ONNX_REINIT_API uint64_t SeedForPath(uint64_t seed,
                                     std::string_view relative_path);

// ---------------------------------------------------------------------------
// For programs that run many models with one set of options (the CLI's
// batches): the options are checked and compiled once.

// The report of one run or plan. Cheap to copy.
class ONNX_REINIT_API RunReport {
 public:
  RunReport();
  // A model that failed: status "error", the status's message as its error.
  static RunReport ForFailure(const std::string& model,
                              const std::string& output, uint64_t seed,
                              const absl::Status& error);

  const std::string& model() const;
  const std::string& output() const;
  uint64_t seed() const;
  uint32_t tensors_total() const;
  uint32_t tensors_rewritten() const;
  double bytes_written() const;
  // Wall time of the run or plan (ForFailure: 0 until set).
  double seconds() const;
  void set_seconds(double seconds);

  // The report as JSON: indented (--report, --plan --format=json), or on one
  // line ending in "\n" (a line of JSON Lines).
  // An error (not broken text) when the report cannot be printed as JSON.
  absl::StatusOr<std::string> ToJson() const;
  absl::StatusOr<std::string> ToJsonLine() const;
  // The plan table (--plan): one row per initializer.
  std::string ToPlanText() const;

  // The same texts handed to `write` piece by piece as they are made (the
  // tensors' records are made one at a time, when written), so that the
  // report of a model of any number of tensors is written in the memory of
  // one record. An error of `write` stops the writing and is returned.
  using TextSink = std::function<absl::Status(std::string_view)>;
  absl::Status WriteJson(const TextSink& write) const;
  absl::Status WriteJsonLine(const TextSink& write) const;
  absl::Status WritePlanText(const TextSink& write) const;

  struct Data;  // opaque

 private:
  friend class Reinitializer;
  std::shared_ptr<Data> data_;
};

// How far a running ReinitializeFile is, readable from any thread: bytes of
// values written so far out of the bytes it will write.
struct Progress {
  std::atomic<uint64_t> expected{0};
  std::atomic<uint64_t> written{0};
};

// Per-run settings that vary between the models of a batch.
struct RunControl {
  uint64_t seed = 0;             // replaces Options::seed
  Progress* progress = nullptr;  // optional
  // Called with the path of every data file the run will write, before any
  // is written; an error stops the run. Optional.
  std::function<absl::Status(const std::string& data_file)> claim_data_file;
  // Called with the run's complete report (its seconds so far) once every
  // output file is written, just before they are put in place; an error
  // stops the run and nothing is replaced. The CLI writes --report here, so
  // that a report that cannot be written leaves the previous output as it
  // was. Optional.
  std::function<absl::Status(const RunReport& report)> before_commit;
  // Whether the report has every tensor's record (its "tensors"). false:
  // only the summary (model, output, seed, status, bytes, counts, seconds)
  // with an empty "tensors" list, and the run keeps nothing per tensor for
  // its report.
  bool tensor_report = true;
};

// For programs: makes SIGINT, SIGTERM and SIGHUP remove the temporary files
// of every run in progress (and every live RemoveOnSignal's file), then end
// the process with the signal's default action, so that its exit status is
// the signal's (128 + N in a shell). A run whose outputs are being renamed
// into place finishes its renames first: the output is then the previous one
// or the new one, whole. A signal whose disposition is SIG_IGN (nohup) stays
// ignored. The CLI calls it first thing; a library, or a Python process, has
// its own signal handling and should not. SIGKILL cannot be caught: what it
// leaves is in the README ("Faults and signals"). Idempotent; errors come
// from sigaction.
ONNX_REINIT_API absl::Status InstallSignalCleanup();

// While it lives, the file at `path` is removed by the handlers of
// InstallSignalCleanup (a program's own temporary file: the CLI's --report
// before it is renamed into place). Destroying it leaves the file alone.
class ONNX_REINIT_API RemoveOnSignal {
 public:
  explicit RemoveOnSignal(const std::string& path);
  RemoveOnSignal(RemoveOnSignal&& other) noexcept;
  RemoveOnSignal& operator=(RemoveOnSignal&& other) noexcept;
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;
  ~RemoveOnSignal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Calls job(i) for i = 0..n-1 on up to `jobs` threads (0 = one per core):
// the caller and idle workers of the library's own thread pool, which every
// run's tensors use too, so models run side by side share the machine with
// their tensors instead of multiplying threads. Returns when all are done.
ONNX_REINIT_API void RunConcurrently(size_t n, int jobs,
                                     const std::function<void(size_t)>& job);

class ONNX_REINIT_API Reinitializer {
 public:
  // Checks every option (rules, strategies, profile, config file, fan
  // convention, SIMD level, storage mode) before any model is read.
  static absl::StatusOr<Reinitializer> Create(const Options& options);

  absl::StatusOr<RunReport> Reinitialize(const std::string& input,
                                         const std::string& output,
                                         const RunControl& control) const;
  // `seed` is recorded in the report (it decides nothing in a plan).
  absl::StatusOr<RunReport> Plan(const std::string& input, uint64_t seed) const;
  absl::StatusOr<std::string> ReinitializeBytes(std::string_view model,
                                                uint64_t seed) const;

  const Options& options() const;

 private:
  struct Impl;
  explicit Reinitializer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_ONNX_REINIT_H_
