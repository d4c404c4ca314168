#include "rewrite/rewriter.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <memory>
#include <new>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "dtype/dtype.h"
#include "io/external_data.h"
#include "io/file_io.h"
#include "io/sha1.h"
#include "io/wire_format.h"
#include "onnx/onnx_pb.h"
#include "random/philox.h"
#include "rewrite/chunk_values.h"
#include "rewrite/ordered_writer.h"
#include "rewrite/splice.h"
#include "rewrite/value_encoding.h"
#include "strategy/structured.h"
#include "util/parallel.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// One chunk of one rewritten tensor.
struct Job {
  int target = 0;      // index into targets
  uint64_t first = 0;  // first element
  uint64_t count = 0;
};

// Reused buffers of one thread: values, and their encoding (only for the
// first pass over varint payloads; otherwise chunks are encoded straight into
// the write buffers).
struct Scratch {
  ChunkScratch values{kChunkValues};
  std::unique_ptr<uint8_t[]> bytes{
      new uint8_t[kChunkValues * kMaxEncodedValueBytes]};
};

// One rewritten tensor: its values' random key and encoding, its chunks,
// and where they go (the rest of its ChunkSource is read from the plan).
struct Target {
  uint32_t tensor = 0;  // index into the plan
  uint32_t job_count = 0;
  size_t first_job = 0;
  PhiloxKey key{};
  ValueEncoding encoding;
  int splice = -1;     // index into the splice targets (values in the model)
  int data_file = -1;  // index into outputs.data_files (external values)
};

// A fresh SHA-1 for every checksum entry that names a data file written.
absl::StatusOr<std::vector<LiteralEdit>> ChecksumEdits(
    const ModelLayout& layout, const RewriteOutputs& outputs) {
  // Only files that some checksum entry names are read back.
  absl::flat_hash_set<std::string> wanted;
  for (const TensorLocation& tensor : layout.tensors) {
    std::string location;
    bool has_checksum = false;
    for (const ExternalEntry& e : layout.ExternalData(tensor).entries) {
      if (e.key == "location")
        location = NormalizeLocation(e.value).value_or("");
      has_checksum |= e.key == "checksum";
    }
    if (has_checksum) wanted.insert(location);
  }
  absl::flat_hash_map<std::string, std::string> digests;
  for (const DataFileOutput& file : outputs.data_files) {
    if (!wanted.contains(file.location)) continue;
    absl::StatusOr<std::string> digest = Sha1OfFile(file.fd);
    if (!digest.ok()) {
      return absl::Status(digest.status().code(),
                          absl::StrCat("cannot checksum \"", file.path,
                                       "\": ", digest.status().message()));
    }
    digests[file.location] = *digest;
  }
  std::vector<LiteralEdit> edits;
  for (const TensorLocation& tensor : layout.tensors) {
    std::string location;
    for (const ExternalEntry& e : layout.ExternalData(tensor).entries) {
      if (e.key == "location")
        location = NormalizeLocation(e.value).value_or("");
    }
    auto digest = digests.find(location);
    if (digest == digests.end()) continue;
    for (const ExternalEntry& e : layout.ExternalData(tensor).entries) {
      if (e.key != "checksum" || e.value == digest->second) continue;
      edits.push_back({e.value_field, e.envelope,
                       LengthDelimitedField(/*value=*/2, digest->second)});
    }
  }
  return edits;
}

// Everything the phases of WriteReinitialized share: one Target per
// rewritten tensor, its chunks (jobs) and where each chunk's bytes go.
struct Work {
  const WritePlan* plan = nullptr;
  SimdLevel simd = SimdLevel::kAuto;
  // Values of structured targets, filled first; empty when there are none.
  std::vector<std::unique_ptr<double[]>> filled;
  std::vector<Target> targets;
  std::vector<SpliceTarget> splice_targets;  // values inside the model
  std::vector<Job> jobs;
  std::vector<ChunkStats> job_stats;  // measured while generating
  std::vector<uint64_t> job_bytes;    // encoded size of each chunk
  std::vector<uint64_t> job_offset;   // from the start of its payload
};

// One Target per rewritten tensor: where its values go (a data file, a new
// raw_data field, or its own field in the model) and how they are encoded,
// its random key, and its chunks.
absl::Status PlanTargets(const InputFile& input, const ModelLayout& layout,
                         const WritePlan& plan, const RewriteOptions& options,
                         const RewriteOutputs& outputs, Work* work) {
  std::vector<Target>& targets = work->targets;
  std::vector<SpliceTarget>& splice_targets = work->splice_targets;
  std::vector<Job>& jobs = work->jobs;
  targets.reserve(plan.rewritten());
  for (size_t i = 0; i < plan.size(); ++i) {
    if (!plan.rewrite(i)) continue;
    const uint64_t element_count = plan.element_count(i);
    const int location = plan.location(i);
    Target target;
    target.tensor = static_cast<uint32_t>(i);
    if (const WritePlan::External* external = plan.external(i)) {
      for (size_t f = 0; f < outputs.data_files.size(); ++f) {
        if (outputs.data_files[f].location == external->location) {
          target.data_file = static_cast<int>(f);
        }
      }
      if (target.data_file < 0) {
        return absl::InternalError(absl::StrCat("no output for data file \"",
                                                external->location, "\""));
      }
      target.encoding.fixed_width = RawElementSize(plan.dtype(i));
    } else if (const ByteRange* inline_at = plan.inline_at(i)) {
      target.encoding.field_number = kRawData;
      target.encoding.fixed_width = RawElementSize(plan.dtype(i));
      target.splice = static_cast<int>(splice_targets.size());
      splice_targets.push_back({location, target.encoding,
                                element_count * target.encoding.fixed_width,
                                *inline_at});
    } else {
      if (location < 0 ||
          static_cast<size_t>(location) >= layout.tensors.size()) {
        return absl::InternalError(
            absl::StrCat("no location for tensor \"", plan.name(i), "\""));
      }
      ONNX_REINIT_ASSIGN_OR_RETURN(
          target.encoding,
          ChooseEncoding(plan, i, layout.tensors[location], input));
      target.splice = static_cast<int>(splice_targets.size());
      splice_targets.push_back({location, target.encoding,
                                element_count * target.encoding.fixed_width,
                                std::nullopt});
    }
    // Keyed by name; by path when two rewritten tensors share a name (in
    // different subgraphs), so they do not get the same values.
    const absl::string_view key = plan.key_name(i);
    target.key =
        TensorKey(options.seed, std::string_view(key.data(), key.size()));
    target.first_job = jobs.size();
    for (uint64_t first = 0; first < element_count; first += kChunkValues) {
      jobs.push_back({static_cast<int>(targets.size()), first,
                      std::min(kChunkValues, element_count - first)});
    }
    target.job_count = static_cast<uint32_t>(jobs.size() - target.first_job);
    targets.push_back(target);
  }
  return absl::OkStatus();
}

// Structured strategies (orthogonal, identity, dirac, sparse, forget bias)
// compute a whole tensor at once: those tensors are filled first and held
// in memory until written (their own size, not the model's). Small ones
// run one tensor per thread; large ones one at a time, each with all the
// threads (orthogonal splits its work in fixed parts, so the values are
// the same either way). Returns the filled values by target (null for
// element-wise ones; no entries at all when none is structured).
absl::StatusOr<std::vector<std::unique_ptr<double[]>>> FillStructuredTargets(
    const WritePlan& plan, const std::vector<Target>& targets,
    const RewriteOptions& options) {
  constexpr uint64_t kLargeStructured = uint64_t{1} << 20;
  std::vector<size_t> small_structured;
  std::vector<size_t> large_structured;
  for (size_t t = 0; t < targets.size(); ++t) {
    const size_t i = targets[t].tensor;
    if (!plan.recipe(i).distribution.IsStructured()) continue;
    (plan.element_count(i) >= kLargeStructured ? large_structured
                                               : small_structured)
        .push_back(t);
  }
  // Not zeroed first: FillStructured writes every element. Empty when no
  // target is structured.
  std::vector<std::unique_ptr<double[]>> filled(
      small_structured.empty() && large_structured.empty() ? 0
                                                           : targets.size());
  auto fill = [&](size_t target, int threads) -> absl::Status {
    const Target& t = targets[target];
    const size_t i = t.tensor;
    const WritePlan::Recipe& recipe = plan.recipe(i);
    const uint64_t element_count = plan.element_count(i);
    filled[target].reset(new (std::nothrow) double[element_count]);
    if (filled[target] == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("tensor \"", plan.name(i), "\" (", recipe.strategy,
                       "): cannot allocate ", element_count,
                       " values to fill it as a whole"));
    }
    OrthogonalOptions how;
    how.double_precision = plan.dtype(i) == onnx::TensorProto::DOUBLE;
    how.threads = threads;
    how.simd = options.simd;
    absl::Status s;
    if (const WritePlan::Placement* placement = plan.placement(i)) {
      // Filled in the consumer's layout; this tensor takes its own elements.
      uint64_t whole = 1;
      for (int64_t d : placement->dims) whole *= static_cast<uint64_t>(d);
      std::unique_ptr<double[]> consumer(new (std::nothrow) double[whole]);
      if (consumer == nullptr) {
        return absl::ResourceExhaustedError(
            absl::StrCat("tensor \"", plan.name(i), "\": cannot allocate ",
                         whole, " values for its consumer's input"));
      }
      s = FillStructured(recipe.distribution, placement->dims,
                         recipe.gate_blocks, recipe.op_type, t.key,
                         consumer.get(), how);
      for (uint64_t e = 0; s.ok() && e < element_count; ++e) {
        filled[target][e] = consumer[placement->index[e]];
      }
    } else {
      s = FillStructured(recipe.distribution, plan.dims(i), recipe.gate_blocks,
                         recipe.op_type, t.key, filled[target].get(), how);
    }
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("tensor \"", plan.name(i), "\" (",
                                       recipe.strategy, "): ", s.message()));
    }
    return absl::OkStatus();
  };
  // A structured fill's working memory grows with the tensor (orthogonal's
  // matrices): running out of it is this tensor's error, not an abort.
  auto fill_structured = [&](size_t target, int threads) -> absl::Status {
    try {
      return fill(target, threads);
    } catch (const std::bad_alloc&) {
      const size_t i = targets[target].tensor;
      return absl::ResourceExhaustedError(absl::StrCat(
          "tensor \"", plan.name(i), "\" (", plan.recipe(i).strategy,
          "): out of memory filling ", plan.element_count(i), " values"));
    }
  };
  ONNX_REINIT_RETURN_IF_ERROR(RunParallel(
      small_structured.size(), options.threads, [] { return 0; },
      [&](size_t i, int&) { return fill_structured(small_structured[i], 1); }));
  for (size_t t : large_structured) {
    ONNX_REINIT_RETURN_IF_ERROR(fill_structured(t, options.threads));
  }
  return filled;
}

// The one step that makes a chunk's values: writes the encoding of job j
// to `out` (room for count · kMaxEncodedValueBytes bytes), measures the
// values into job_stats[j], and returns the number of bytes.
size_t GenerateJob(Work& work, size_t j, Scratch& s, uint8_t* out) {
  const Job& job = work.jobs[j];
  const Target& t = work.targets[job.target];
  const WritePlan::Recipe& recipe = work.plan->recipe(t.tensor);
  ChunkSource source;
  source.distribution = &recipe.distribution;
  source.key = t.key;
  source.dtype = work.plan->dtype(t.tensor);
  source.encoding = t.encoding;
  source.target_mean = recipe.target_mean;
  source.simd = work.simd;
  source.filled = work.filled.empty() ? nullptr : work.filled[job.target].get();
  return GenerateChunk(source, job.first, job.count, &s.values, out,
                       &work.job_stats[j]);
}

// The encoded size and payload offset of every chunk. Varint payloads: their
// length is known only after generating the values, so a first pass
// measures each chunk (the values are a pure function of the index, so the
// second pass regenerates exactly the same ones) and sets the payload size
// of its splice target.
absl::Status SizeJobs(const RewriteOptions& options, Work* work) {
  std::vector<Target>& targets = work->targets;
  work->job_bytes.assign(work->jobs.size(), 0);
  work->job_offset.assign(work->jobs.size(), 0);
  bool any_varint = false;
  for (const Target& t : targets) any_varint |= t.encoding.varint;
  if (any_varint) {
    ONNX_REINIT_RETURN_IF_ERROR(RunParallel(
        work->jobs.size(), options.threads, [] { return Scratch(); },
        [&](size_t j, Scratch& s) {
          if (targets[work->jobs[j].target].encoding.varint) {
            work->job_bytes[j] = GenerateJob(*work, j, s, s.bytes.get());
          }
          return absl::OkStatus();
        }));
    for (size_t t = 0; t < targets.size(); ++t) {
      if (!targets[t].encoding.varint) continue;
      uint64_t total = 0;
      for (size_t j = 0; j < targets[t].job_count; ++j) {
        work->job_offset[targets[t].first_job + j] = total;
        total += work->job_bytes[targets[t].first_job + j];
      }
      work->splice_targets[targets[t].splice].payload_size = total;
    }
  }
  for (size_t t = 0; t < targets.size(); ++t) {
    if (targets[t].encoding.varint) continue;
    for (size_t j = 0; j < targets[t].job_count; ++j) {
      const Job& job = work->jobs[targets[t].first_job + j];
      work->job_offset[targets[t].first_job + j] =
          job.first * targets[t].encoding.fixed_width;
      work->job_bytes[targets[t].first_job + j] =
          job.count * targets[t].encoding.fixed_width;
    }
  }
  return absl::OkStatus();
}

// The bytes of value payload to write, for the progress display.
uint64_t ExpectedValueBytes(const Work& work) {
  uint64_t expected = 0;
  for (const Target& t : work.targets) {
    expected += t.encoding.varint ? work.splice_targets[t.splice].payload_size
                                  : work.plan->element_count(t.tensor) *
                                        t.encoding.fixed_width;
  }
  return expected;
}

// Appends the value segments of target `t`, whose payload starts at `base`.
void AddValues(const Work& work, const Target& t, uint64_t base,
               std::vector<WriteSegment>* segments) {
  for (size_t j = t.first_job; j < t.first_job + t.job_count; ++j) {
    WriteSegment seg;
    seg.kind = WriteSegment::Kind::kValues;
    seg.offset = base + work.job_offset[j];
    seg.size = work.job_bytes[j];
    seg.job = j;
    seg.capacity = work.jobs[j].count * kMaxEncodedValueBytes;
    segments->push_back(std::move(seg));
  }
}

// Every file is written in offset order by one thread at a time, the
// values generated by all of them (rewrite/ordered_writer.h).
absl::Status WriteFiles(Work& work, const RewriteOptions& options,
                        std::vector<FileToWrite> files) {
  OrderedWriterOptions writer_options;
  if (options.progress != nullptr) {
    writer_options.values_written = &options.progress->written;
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(
      std::unique_ptr<OrderedWriter> writer,
      OrderedWriter::Create(std::move(files), writer_options));
  ONNX_REINIT_RETURN_IF_ERROR(RunParallel(
      writer->value_count(), options.threads, [] { return Scratch(); },
      [&](size_t i, Scratch& s) {
        return writer->Fill(i, [&](size_t j, uint8_t* out) {
          return GenerateJob(work, j, s, out);
        });
      }));
  return writer->Finish();
}

// The data files: the bytes each keeps (copies) and the values of the
// tensors stored in it.
absl::Status WriteDataFiles(Work& work, const RewriteOptions& options,
                            const RewriteOutputs& outputs) {
  if (outputs.data_files.empty()) return absl::OkStatus();
  std::vector<FileToWrite> files(outputs.data_files.size());
  for (size_t f = 0; f < files.size(); ++f) {
    const DataFileOutput& file = outputs.data_files[f];
    files[f].fd = file.fd;
    files[f].path = file.path;
    for (const CopiedRange& copy : file.copies) {
      WriteSegment seg;
      seg.kind = WriteSegment::Kind::kCopy;
      seg.offset = copy.to;
      seg.size = copy.size;
      seg.source_fd = copy.source_fd;
      seg.source_offset = copy.from;
      files[f].segments.push_back(std::move(seg));
    }
  }
  for (const Target& t : work.targets) {
    if (t.data_file < 0) continue;
    AddValues(work, t, work.plan->external(t.tensor)->offset,
              &files[t.data_file].segments);
  }
  for (FileToWrite& file : files) {
    std::stable_sort(file.segments.begin(), file.segments.end(),
                     [](const WriteSegment& a, const WriteSegment& b) {
                       return a.offset < b.offset;
                     });
  }
  return WriteFiles(work, options, std::move(files));
}

// The model: the input's bytes spliced with the new values, the fresh
// checksums of the data files written and `outputs.model_edits`.
absl::Status WriteModel(const InputFile& input, const ModelLayout& layout,
                        const RewriteOptions& options,
                        const RewriteOutputs& outputs, Work& work) {
  const int out_fd = outputs.model_fd;
  const std::string& out_path = outputs.model_path;
  ONNX_REINIT_ASSIGN_OR_RETURN(std::vector<LiteralEdit> checksums,
                               ChecksumEdits(layout, outputs));
  checksums.insert(checksums.end(), outputs.model_edits.begin(),
                   outputs.model_edits.end());

  std::vector<int> splice_owner(work.splice_targets.size(), -1);
  for (size_t t = 0; t < work.targets.size(); ++t) {
    if (work.targets[t].splice >= 0) {
      splice_owner[work.targets[t].splice] = static_cast<int>(t);
    }
  }
  FileToWrite model;
  model.fd = out_fd;
  model.path = out_path;
  // Each piece of the splice becomes its segments as it comes, into a list
  // sized by a first, counting pass.
  size_t segments = 0;
  ONNX_REINIT_RETURN_IF_ERROR(
      PlanSplice(layout, work.splice_targets, checksums, [&](Piece piece) {
        segments += piece.kind == Piece::Kind::kValues
                        ? work.targets[splice_owner[piece.target]].job_count
                        : 1;
      }).status());
  model.segments.reserve(segments);
  ONNX_REINIT_ASSIGN_OR_RETURN(
      const uint64_t output_size,
      PlanSplice(layout, work.splice_targets, checksums, [&](Piece piece) {
        WriteSegment seg;
        seg.offset = piece.out_offset;
        seg.size = piece.size;
        switch (piece.kind) {
          case Piece::Kind::kCopy:
            seg.kind = WriteSegment::Kind::kCopy;
            seg.source_fd = piece.source_fd >= 0 ? piece.source_fd : input.fd();
            seg.source_offset = piece.in_offset;
            model.segments.push_back(std::move(seg));
            break;
          case Piece::Kind::kBytes:
            seg.kind = WriteSegment::Kind::kBytes;
            seg.bytes = std::move(piece.bytes);
            model.segments.push_back(std::move(seg));
            break;
          case Piece::Kind::kValues:
            AddValues(work, work.targets[splice_owner[piece.target]],
                      piece.out_offset, &model.segments);
            break;
        }
      }));
  if (output_size > static_cast<uint64_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the model would be ", output_size,
        " bytes, over protobuf's 2 GiB limit for one message; keep its "
        "values in external data"));
  }
  if (::ftruncate(out_fd, static_cast<off_t>(output_size)) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot write \"", out_path, "\""));
  }
  std::vector<FileToWrite> model_files;
  model_files.push_back(std::move(model));
  return WriteFiles(work, options, std::move(model_files));
}

// Each rewritten tensor's mean and std, combined from its chunks in order;
// one entry per plan entry.
std::vector<WrittenStats> CombineStats(const WritePlan& plan,
                                       const Work& work) {
  std::vector<WrittenStats> stats(plan.size());
  for (const Target& target : work.targets) {
    ChunkStats total;
    for (size_t j = 0; j < target.job_count; ++j) {
      const ChunkStats& chunk = work.job_stats[target.first_job + j];
      total.n += chunk.n;
      total.sum += chunk.sum;
      total.sum_sq += chunk.sum_sq;
    }
    const double n = static_cast<double>(total.n);
    const double offset = total.sum / n;
    const size_t index = target.tensor;
    stats[index].mean = plan.recipe(index).target_mean + offset;
    stats[index].std =
        std::sqrt(std::max(0.0, total.sum_sq / n - offset * offset));
  }
  return stats;
}

}  // namespace

absl::StatusOr<std::vector<WrittenStats>> WriteReinitialized(
    const InputFile& input, const ModelLayout& layout, const WritePlan& plan,
    const RewriteOptions& options, const RewriteOutputs& outputs) {
  Work work;
  work.plan = &plan;
  ONNX_REINIT_RETURN_IF_ERROR(
      PlanTargets(input, layout, plan, options, outputs, &work));
  work.simd = options.simd;
  ONNX_REINIT_ASSIGN_OR_RETURN(
      work.filled, FillStructuredTargets(plan, work.targets, options));
  work.job_stats.assign(work.jobs.size(), ChunkStats());
  ONNX_REINIT_RETURN_IF_ERROR(SizeJobs(options, &work));
  if (options.progress != nullptr) {
    options.progress->expected += ExpectedValueBytes(work);
  }
  // The data files first: the model's checksums need them.
  ONNX_REINIT_RETURN_IF_ERROR(WriteDataFiles(work, options, outputs));
  ONNX_REINIT_RETURN_IF_ERROR(
      WriteModel(input, layout, options, outputs, work));
  return CombineStats(plan, work);
}

}  // namespace onnx_reinit
