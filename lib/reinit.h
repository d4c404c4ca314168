// onnx-reinit's public entry points.
//
//   PlanFile(path, options)            what would be done, nothing written
//   ReinitializeFile(in, out, options) write `out` = `in` with every weight
//                                      and bias the plan selects re-sampled
//
// Guarantees of ReinitializeFile:
//   * Every byte of the output outside the rewritten value payloads (and,
//     where a payload's length changes, the length prefixes enclosing it) is
//     the input's byte: names, doc strings, metadata, unknown fields, order.
//   * The output appears atomically: it is written to a temporary file in the
//     output folder and renamed into place; after any error nothing is at the
//     output path (a previous file there is left as it was) and the input is
//     untouched. `out` may equal `in`: the input is then replaced atomically.
//     Data files are written under temporary names too and moved into place
//     just before the model; if the model's rename fails they are moved back
//     (a previous file at a data file's location is restored). Not covered:
//     a crash between those renames (new data files stay next to the
//     previous model, previous data files as "<location>.tmp-<pid>"), a file
//     system without renameat2's RENAME_EXCHANGE (a previous data file is
//     replaced and cannot be restored) and a rename back that itself fails
//     (io/data_files.h).
//   * Files replaced at the output keep their mode and, where permitted,
//     owner and group (io/file_attributes.h); a symbolic link at the output
//     is refused (FailedPrecondition), neither replaced nor followed.
//   * The data files and the model are put in place under an exclusive lock
//     on the output folder (io/folder_lock.h): concurrent runs into one
//     output leave one run's model with that run's data files. SIGINT,
//     SIGTERM and SIGHUP (once a program has installed the handler,
//     io/signal_cleanup.h) remove the temporary files, and wait for renames
//     in progress to end.
//   * The same seed gives byte-identical output for any thread count.
// Errors name the file and, where there is one, the node and tensor:
// NotFound (missing input or data file), InvalidArgument (not an ONNX model,
// malformed tensor, dims that do not fit the consumer, a refused external
// data location or extent), AlreadyExists (a new data file's location is
// taken), FailedPrecondition (a symbolic link at the output), the error of
// ReinitOptions::before_commit, and for other I/O failures the code of
// ErrnoStatus (io/file_io.h: PermissionDenied, ResourceExhausted, Unknown,
// ...).
#ifndef ONNX_REINIT_REINIT_H_
#define ONNX_REINIT_REINIT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "plan/planner.h"
#include "plan/tensor_report.h"
#include "report.pb.h"
#include "rewrite/rewriter.h"

namespace onnx_reinit {

// Where the output keeps tensor values (--external_data).
struct StorageOptions {
  enum class Mode {
    kKeep,      // as the input does
    kExternal,  // initializers of >= threshold bytes move to one data file
    kInline,    // external data comes back into the model (raw_data)
  };
  Mode mode = Mode::kKeep;
  uint64_t threshold = 1024;
  std::string file;  // the data file; "" = the output's file name + ".data"
};

struct RunResult;

struct ReinitOptions {
  PlanOptions plan;
  RewriteOptions rewrite;
  StorageOptions storage;
  // Called with the path of every data file the run will write, before any
  // is written; an error stops the run (a batch refuses two models writing
  // one data file). Optional.
  std::function<absl::Status(const std::string& data_file)> claim_data_file;
  // Called with the complete report (RunResult below) once every output
  // file is written, just before they are put in place; an error stops the
  // run with nothing replaced (the CLI writes --report here). Optional.
  std::function<absl::Status(const RunResult& report)> before_commit;
  // Whether the result carries every tensor's record (RunResult::tensors).
  // Without it a run keeps nothing per tensor for its report.
  bool tensor_report = true;
};

// A plan or a run, as its report needs it. `header` is the report without
// its tensors: model, fan_convention and stream; after a run also output,
// seed, status "ok", the bytes written and the tensor counts (`seconds` is
// left to the caller). `tensors` makes every tensor's record on demand:
// the plan, plus after a run the measured mean and std of each rewritten
// tensor's written values; null after a run without tensor_report.
struct RunResult {
  Report header;
  std::shared_ptr<const TensorReport> tensors;
};

// Every tensor is planned (so that a model whose plan fails is an error
// here, not while its report is written) and nothing is kept of it.
[[nodiscard]] absl::StatusOr<RunResult> PlanModel(const std::string& path,
                                                  const PlanOptions& options);
[[nodiscard]] absl::StatusOr<RunResult> ReinitializeModel(
    const std::string& input, const std::string& output,
    const ReinitOptions& options);

// The same, with the whole report in one piece.
[[nodiscard]] absl::StatusOr<Report> PlanFile(const std::string& path,
                                              const PlanOptions& options);
[[nodiscard]] absl::StatusOr<Report> ReinitializeFile(
    const std::string& input, const std::string& output,
    const ReinitOptions& options);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_REINIT_H_
