#include "reinit.h"

#include <malloc.h>

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "graph/fans.h"
#include "io/atomic_output.h"
#include "io/data_files.h"
#include "io/external_data.h"
#include "io/file_io.h"
#include "io/folder_lock.h"
#include "io/model_source.h"
#include "io/signal_cleanup.h"
#include "rewrite/to_external.h"
#include "rewrite/to_inline.h"
#include "strategy/sampler.h"
#include "util/status_macros.h"
#include "util/usage_error.h"

namespace onnx_reinit {
namespace {

// Prefixes a message with the file it is about, unless it already names it.
absl::Status InFile(const std::string& path, const absl::Status& status) {
  if (status.ok()) return status;
  const std::string quoted = absl::StrCat("\"", path, "\"");
  if (absl::StrContains(status.message(), quoted)) return status;
  absl::Status in_file(status.code(),
                       absl::StrCat(quoted, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    in_file.SetPayload(url, payload);
  });
  return in_file;
}

absl::StatusOr<WritePlan> PlanSource(const ModelSource& source,
                                     const PlanOptions& options,
                                     const std::string& path) {
  absl::StatusOr<WritePlan> plan =
      BuildWritePlan(source.model, source.layout, options);
  if (!plan.ok()) return InFile(path, plan.status());
  return plan;
}

// The output model must not land on one of the data files written beside it
// (`-o out/w.bin` for a model whose data file is w.bin, or --external_file
// equal to the output's name): the model's rename would replace the weights
// just written. Data file locations are normalized (no "..", no links), so
// a collision is a location equal to the output's file name. A usage error.
absl::Status CheckOutputIsNoDataFile(const std::string& output,
                                     const WritePlan& plan,
                                     const std::vector<DataFileOutput>& files) {
  const std::string name = output.substr(output.rfind('/') + 1);
  for (const DataFileOutput& file : files) {
    if (file.location != name) continue;
    std::string tensor;
    for (size_t i = 0; i < plan.size(); ++i) {
      const WritePlan::External* external = plan.external(i);
      if (external != nullptr && external->location == file.location) {
        tensor = absl::StrCat(" of tensor \"", plan.name(i), "\"");
        break;
      }
    }
    return MarkUsageError(absl::InvalidArgumentError(absl::StrCat(
        "the output \"", output, "\" is also where the data file \"",
        file.location, "\"", tensor,
        " goes: writing the model would replace it; choose another output "
        "name")));
  }
  return absl::OkStatus();
}

Report MakeHeader(const std::string& input, const PlanOptions& options) {
  Report report;
  report.set_model(input);
  report.set_stream(kStreamVersion);
  report.set_fan_convention(
      std::string(FanConventionName(options.fan_convention)));
  return report;
}

// Puts the data files and then the model (which names them) in place as one
// set: a concurrent run into the same folder waits for the folder's lock
// (io/folder_lock.h), and SIGINT, SIGTERM and SIGHUP wait for the renames to
// end (io/signal_cleanup.h). If the model's rename fails, destroying `data`,
// still inside the section, puts the previous data files back
// (io/data_files.h).
absl::Status CommitOutputs(AtomicOutput& model,
                           std::unique_ptr<DataFileSet> data) {
  const size_t slash = model.path().rfind('/');
  const std::string folder = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                          : model.path().substr(0, slash);
  ONNX_REINIT_ASSIGN_OR_RETURN(FolderLock lock,
                               FolderLock::Acquire(data->folder_fd(), folder));
  CommitSection section;
  absl::Status status = data->Commit();
  if (status.ok()) status = model.Commit();
  if (status.ok()) data->Finish();
  data.reset();
  return status;
}

// The report's whole form.
absl::StatusOr<Report> WholeReport(absl::StatusOr<RunResult> result) {
  if (!result.ok()) return result.status();
  if (result->tensors != nullptr) {
    ONNX_REINIT_RETURN_IF_ERROR(result->tensors->AppendTo(&result->header));
  }
  return std::move(result->header);
}

}  // namespace

absl::StatusOr<RunResult> PlanModel(const std::string& path,
                                    const PlanOptions& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(std::unique_ptr<ModelSource> source,
                               OpenModel(path));
  {
    // Every tensor, so that errors come now; nothing is kept.
    absl::StatusOr<std::unique_ptr<Planner>> planner =
        Planner::Create(source->model, options);
    if (!planner.ok()) return InFile(path, planner.status());
    for (size_t i = 0; i < (*planner)->size(); ++i) {
      absl::Status planned = (*planner)->Plan(i).status();
      if (!planned.ok()) return InFile(path, planned);
    }
  }
  RunResult result;
  result.header = MakeHeader(path, options);
  result.tensors = std::make_shared<const TensorReport>(
      std::make_shared<const onnx::ModelProto>(std::move(source->model)),
      options, std::vector<TensorReport::Measured>{});
  return result;
}

absl::StatusOr<Report> PlanFile(const std::string& path,
                                const PlanOptions& options) {
  return WholeReport(PlanModel(path, options));
}

absl::StatusOr<Report> ReinitializeFile(const std::string& input,
                                        const std::string& output,
                                        const ReinitOptions& options) {
  return WholeReport(ReinitializeModel(input, output, options));
}

absl::StatusOr<RunResult> ReinitializeModel(const std::string& input,
                                            const std::string& output,
                                            const ReinitOptions& options) {
  ONNX_REINIT_ASSIGN_OR_RETURN(std::unique_ptr<ModelSource> source,
                               OpenModel(input));
  ONNX_REINIT_ASSIGN_OR_RETURN(WritePlan plan,
                               PlanSource(*source, options.plan, input));
  // The parsed model is needed again only to make the report's records.
  std::shared_ptr<const onnx::ModelProto> model;
  if (options.tensor_report) {
    model = std::make_shared<const onnx::ModelProto>(std::move(source->model));
  } else {
    // Its memory, millions of small blocks for a large graph, freed now and
    // given back to the system (free blocks inside the heap stay resident
    // until trimmed), so that writing does not add to it.
    onnx::ModelProto().Swap(&source->model);
    ::malloc_trim(0);
  }
  const bool to_inline = options.storage.mode == StorageOptions::Mode::kInline;
  MoveToExternal move;
  if (options.storage.mode == StorageOptions::Mode::kExternal) {
    const std::string name = output.substr(output.rfind('/') + 1);
    ONNX_REINIT_ASSIGN_OR_RETURN(
        const std::string location,
        NormalizeLocation(options.storage.file.empty() ? name + ".data"
                                                       : options.storage.file));
    absl::StatusOr<MoveToExternal> planned =
        PlanMoveToExternal(source->layout, source->file, &plan,
                           options.storage.threshold, location);
    if (!planned.ok()) return InFile(input, planned.status());
    move = *std::move(planned);
  }
  // The extents in the input's data files; their resolved lengths go back
  // into the plan.
  std::vector<DataExtent> extents;
  std::vector<size_t> extent_of;  // index into plan
  for (size_t i = 0; i < plan.size(); ++i) {
    const WritePlan::External* external = plan.external(i);
    if (external == nullptr || external->new_file) continue;
    extents.push_back({std::string(plan.name(i)), plan.dtype(i), plan.dims(i),
                       external->location, external->offset, external->length,
                       plan.rewrite(i)});
    extent_of.push_back(i);
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(
      std::unique_ptr<DataFileSet> data,
      DataFileSet::Prepare(input, output, extents, !to_inline));
  for (size_t e = 0; e < extents.size(); ++e) {
    plan.mutable_external(extent_of[e])->length = data->lengths()[e];
  }
  if (to_inline) move.edits = PlanToInline(source->layout, &plan, *data);
  if (!move.location.empty() && !move.edits.empty()) {
    std::vector<CopiedRange> copies;
    for (const MoveToExternal::Copy& copy : move.copies) {
      copies.push_back({source->file.fd(), copy.from, copy.to, copy.size});
    }
    ONNX_REINIT_RETURN_IF_ERROR(
        data->AddNew(move.location, move.size, std::move(copies)).status());
  }
  ONNX_REINIT_RETURN_IF_ERROR(
      InFile(input, CheckOutputIsNoDataFile(output, plan, data->outputs())));
  if (options.claim_data_file) {
    for (const DataFileOutput& file : data->outputs()) {
      ONNX_REINIT_RETURN_IF_ERROR(
          InFile(input, options.claim_data_file(file.path)));
    }
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(AtomicOutput out, AtomicOutput::Create(output));
  RewriteOutputs outputs{out.fd(), output, data->outputs(), move.edits};
  absl::StatusOr<std::vector<WrittenStats>> stats = WriteReinitialized(
      source->file, source->layout, plan, options.rewrite, outputs);
  if (!stats.ok()) return InFile(input, stats.status());
  uint64_t bytes_written = 0;
  ONNX_REINIT_ASSIGN_OR_RETURN(uint64_t model_bytes,
                               FileSize(out.fd(), output));
  bytes_written += model_bytes;
  for (const DataFileOutput& file : data->outputs()) {
    ONNX_REINIT_ASSIGN_OR_RETURN(uint64_t file_bytes,
                                 FileSize(file.fd, file.path));
    bytes_written += file_bytes;
  }
  RunResult result;
  Report& report = result.header;
  report = MakeHeader(input, options.plan);
  report.set_output(output);
  report.set_seed(options.rewrite.seed);
  report.set_status("ok");
  report.set_bytes_written(static_cast<double>(bytes_written));
  report.set_tensors_total(static_cast<uint32_t>(plan.size()));
  report.set_tensors_rewritten(static_cast<uint32_t>(plan.rewritten()));
  if (options.tensor_report) {
    std::vector<TensorReport::Measured> measured(plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      if (plan.rewrite(i)) measured[i] = {(*stats)[i].mean, (*stats)[i].std};
    }
    result.tensors = std::make_shared<const TensorReport>(
        std::move(model), options.plan, std::move(measured));
  }
  if (options.before_commit) {
    ONNX_REINIT_RETURN_IF_ERROR(options.before_commit(result));
  }
  ONNX_REINIT_RETURN_IF_ERROR(CommitOutputs(out, std::move(data)));
  return result;
}

}  // namespace onnx_reinit
