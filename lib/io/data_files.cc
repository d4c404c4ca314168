#include "io/data_files.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/file_attributes.h"
#include "io/file_io.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::StatusOr<UniqueFd> OpenFolder(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot open folder \"", path, "\""));
  }
  return UniqueFd(fd);
}

bool SameInode(int a, int b) {
  struct stat sa, sb;
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// A TensorProto carrying what CheckExtent needs.
onnx::TensorProto Shape(const DataExtent& e) {
  onnx::TensorProto t;
  t.set_name(e.name);
  t.set_data_type(e.dtype);
  for (int64_t d : e.dims) t.add_dims(d);
  return t;
}

// What the output copy of the data file `in` takes from it: every byte
// outside the rewritten extents among `extents` (indices into `all`, stored
// in it, `lengths` resolved), which must not share bytes.
absl::StatusOr<std::vector<CopiedRange>> KeptRanges(
    const std::string& input_model, const std::string& location,
    const std::vector<DataExtent>& all, const std::vector<uint64_t>& lengths,
    const std::vector<size_t>& extents, const OpenedData& in) {
  std::vector<size_t> rewritten;
  for (size_t i : extents) {
    if (all[i].rewritten) rewritten.push_back(i);
  }
  std::sort(rewritten.begin(), rewritten.end(),
            [&](size_t a, size_t b) { return all[a].offset < all[b].offset; });
  std::vector<CopiedRange> kept;
  uint64_t from = 0;
  const DataExtent* before = nullptr;
  for (size_t i : rewritten) {
    const DataExtent& e = all[i];
    if (lengths[i] == 0) continue;
    const uint64_t begin = e.offset;
    if (before != nullptr && begin < from) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", input_model, "\": tensors \"", before->name, "\" and \"",
          e.name, "\" share bytes of the data file \"", location,
          "\"; each rewritten tensor needs bytes of its own"));
    }
    if (begin > from) kept.push_back({in.fd.get(), from, from, begin - from});
    from = begin + lengths[i];
    before = &e;
  }
  if (from < in.size) kept.push_back({in.fd.get(), from, from, in.size - from});
  return kept;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataFileSet>> DataFileSet::Prepare(
    const std::string& input_model, const std::string& output_model,
    const std::vector<DataExtent>& extents, bool copy) {
  std::unique_ptr<DataFileSet> set(new DataFileSet());
  set->output_model_ = output_model;
  set->out_dir_path_ = Folder(output_model);
  set->lengths_.assign(extents.size(), 0);
  std::map<std::string, std::vector<size_t>> by_location;
  for (size_t i = 0; i < extents.size(); ++i) {
    by_location[extents[i].location].push_back(i);
  }
  if (by_location.empty()) return set;

  const std::string in_path = Folder(input_model);
  ONNX_REINIT_ASSIGN_OR_RETURN(UniqueFd in_dir, OpenFolder(in_path));
  ONNX_REINIT_ASSIGN_OR_RETURN(set->out_dir_, OpenFolder(set->out_dir_path_));
  if (copy && SameInode(in_dir.get(), set->out_dir_.get()) &&
      !SameFile(input_model, output_model)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", output_model, "\" is in the folder of \"", input_model,
        "\", whose external data files it would replace; write to another "
        "folder (or replace the model itself with --in_place)"));
  }
  // Every input file is opened, every extent checked and what each output
  // takes from its input worked out before anything is created in the output
  // folder.
  std::map<std::string, std::vector<CopiedRange>> copies;
  for (auto& [location, indices] : by_location) {
    absl::StatusOr<OpenedData> in = OpenDataBeneath(in_dir.get(), location);
    if (!in.ok()) {
      return absl::Status(
          in.status().code(),
          absl::StrCat("\"", input_model, "\": ", in.status().message()));
    }
    for (size_t i : indices) {
      const DataExtent& e = extents[i];
      const ExternalRef ref{location, e.offset, e.length, ""};
      absl::Status extent =
          CheckExtent(Shape(e), ref, in->size, &set->lengths_[i]);
      if (!extent.ok()) {
        return absl::Status(
            extent.code(),
            absl::StrCat("\"", input_model, "\": ", extent.message()));
      }
    }
    if (copy) {
      ONNX_REINIT_ASSIGN_OR_RETURN(copies[location],
                                   KeptRanges(input_model, location, extents,
                                              set->lengths_, indices, *in));
    }
    set->inputs_[location] = *std::move(in);
  }
  if (!copy) return set;
  for (auto& [location, kept] : copies) {
    ONNX_REINIT_ASSIGN_OR_RETURN(
        const int out_fd,
        set->AddFile(location, set->inputs_.at(location).size));
    set->outputs_.push_back({location, out_fd,
                             absl::StrCat(set->out_dir_path_, "/", location),
                             std::move(kept)});
  }
  return set;
}

absl::StatusOr<DataFileOutput> DataFileSet::AddNew(
    const std::string& location, uint64_t size,
    std::vector<CopiedRange> copies) {
  for (const File& file : files_) {
    if (file.location == location) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", output_model_, "\": the new data file \"", location,
          "\" is also an input data file; choose another --external_file"));
    }
  }
  if (!out_dir_.valid()) {
    ONNX_REINIT_ASSIGN_OR_RETURN(out_dir_, OpenFolder(out_dir_path_));
  }
  ONNX_REINIT_ASSIGN_OR_RETURN(const int fd, AddFile(location, size));
  const std::string path = absl::StrCat(out_dir_path_, "/", location);
  outputs_.push_back({location, fd, path, std::move(copies)});
  return outputs_.back();
}

absl::StatusOr<int> DataFileSet::AddFile(const std::string& location,
                                         uint64_t size) {
  File file;
  file.location = location;
  file.temp = absl::StrCat(location, ".tmp-", ::getpid());
  absl::StatusOr<UniqueFd> out = CreateDataBeneath(out_dir_.get(), file.temp);
  if (!out.ok()) {
    return absl::Status(
        out.status().code(),
        absl::StrCat("\"", output_model_, "\": ", out.status().message()));
  }
  file.fd = *std::move(out);
  file.on_signal = TempFileRegistration(out_dir_.get(), file.temp);
  files_.push_back(std::move(file));  // removed by the destructor from here
  const int fd = files_.back().fd.get();
  const std::string path = absl::StrCat(out_dir_path_, "/", location);
  // A file at the location (a previous output, or in place the input's own
  // data file) is replaced by one with its mode and owner.
  struct stat previous;
  if (::fstatat(out_dir_.get(), location.c_str(), &previous,
                AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISREG(previous.st_mode)) {
    ONNX_REINIT_RETURN_IF_ERROR(KeepOwnerAndMode(fd, previous, path));
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot write \"", path, "\""));
  }
  return fd;
}

int DataFileSet::InputFd(const std::string& location) const {
  auto it = inputs_.find(location);
  return it == inputs_.end() ? -1 : it->second.fd.get();
}

absl::Status DataFileSet::Commit() {
  const int dir = out_dir_.get();
  for (File& file : files_) {
    if (file.state != File::State::kTemporary) continue;
    const int fd = file.fd.release();
    if (::close(fd) != 0) {
      const int err = errno;
      Rollback();
      return ErrnoStatus(err, absl::StrCat("cannot write \"", out_dir_path_,
                                           "/", file.location, "\""));
    }
    // A file already at the location (a previous output, or the input's own
    // data file in place) is exchanged with the new one, so that it can be
    // put back; where the file system cannot exchange, it is replaced.
    bool placed = false;
    if (::renameat2(dir, file.temp.c_str(), dir, file.location.c_str(),
                    RENAME_EXCHANGE) == 0) {
      file.displaced = true;
      placed = true;
    } else if (errno == ENOENT) {
      placed =
          ::renameat(dir, file.temp.c_str(), dir, file.location.c_str()) == 0;
    } else if (errno == EINVAL || errno == ENOSYS) {
      struct stat st;
      file.irreversible =
          ::fstatat(dir, file.location.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
      placed =
          ::renameat(dir, file.temp.c_str(), dir, file.location.c_str()) == 0;
    }
    if (!placed) {
      const int err = errno;
      Rollback();
      return ErrnoStatus(err, absl::StrCat("cannot write \"", out_dir_path_,
                                           "/", file.location, "\""));
    }
    file.state = File::State::kPlaced;
  }
  return absl::OkStatus();
}

void DataFileSet::Rollback() {
  const int dir = out_dir_.get();
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    File& file = *it;
    if (file.state != File::State::kPlaced || file.irreversible) continue;
    if (file.displaced) {
      // The previous file back at its location, the new one at the
      // temporary name (removed by the destructor).
      if (::renameat2(dir, file.temp.c_str(), dir, file.location.c_str(),
                      RENAME_EXCHANGE) == 0) {
        file.displaced = false;
        file.state = File::State::kTemporary;
      }
    } else if (::unlinkat(dir, file.location.c_str(), 0) == 0) {
      file.state = File::State::kRemoved;
    }
  }
}

void DataFileSet::Finish() {
  for (File& file : files_) {
    if (file.state != File::State::kPlaced) continue;
    if (file.displaced) ::unlinkat(out_dir_.get(), file.temp.c_str(), 0);
    file.state = File::State::kFinal;
    file.on_signal = TempFileRegistration();
  }
}

DataFileSet::~DataFileSet() {
  if (!out_dir_.valid()) return;
  Rollback();
  for (File& file : files_) {
    if (file.state == File::State::kTemporary) {
      file.fd.reset();
      ::unlinkat(out_dir_.get(), file.temp.c_str(), 0);
    }
  }
}

}  // namespace onnx_reinit
