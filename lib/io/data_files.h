// The external data files of a model being re-initialized. Each file the
// extents name is opened safely beneath the input model's folder
// (io/external_data.h: no links, no escaping the folder, extents checked
// against every tensor stored in it) and gets a fresh temporary file of the
// same size beneath the output model's folder at the same relative location,
// with what it takes from the input (every byte outside the extents of the
// tensors rewritten there): the rewriter then writes each output whole, in
// offset order, every byte once.
//
// Making them visible is two steps around the model's own commit:
//   ONNX_REINIT_RETURN_IF_ERROR(data->Commit());  // data files in place
//   ONNX_REINIT_RETURN_IF_ERROR(model.Commit());  // error: ~DataFileSet
//   data->Finish();                               // undoes; else keep them
// Until Commit() nothing is visible at the final locations. Commit() moves
// each temporary file to its location; a file already there (a previous
// output, or in place the input's own data file) is exchanged with it
// (renameat2 RENAME_EXCHANGE) and kept under the temporary name until
// Finish() removes it. Destroying the set after Commit() without Finish()
// (or a failing Commit()) undoes the moves: previous files go back to their
// locations, new ones are removed. What can still be left: after a crash
// between Commit() and Finish(), the new data files at their locations and
// the previous ones under their temporary names ("<location>.tmp-<pid>");
// where the file system cannot exchange (EINVAL), a previous file is
// replaced outright and cannot be put back, so a failure then leaves the
// new file there; and a move back that itself fails leaves the new file.
// Destroying the set before Commit() removes the temporary files.
//
// A file replaced at a location keeps its mode and, where permitted, owner
// and group (io/file_attributes.h); a new one gets 0666 & ~umask. Temporary
// files are removed by SIGINT, SIGTERM and SIGHUP once the program has
// installed the handler (io/signal_cleanup.h); the caller runs Commit()
// through Finish() (or the set's destruction after a failure) inside a
// CommitSection, so that the handler never meets a temporary name holding a
// displaced previous file, and holds a FolderLock on folder_fd() across it
// (io/folder_lock.h), so that concurrent runs commit one at a time.
#ifndef ONNX_REINIT_IO_DATA_FILES_H_
#define ONNX_REINIT_IO_DATA_FILES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/data_extent.h"
#include "io/data_file_output.h"
#include "io/external_data.h"
#include "io/signal_cleanup.h"

namespace onnx_reinit {

class DataFileSet {
 public:
  // Opens the input data file of every extent (in files beside
  // `input_model`), checks each extent against its file and its tensor and
  // resolves its length (lengths()), and creates one output data file per
  // input file (outputs()) that takes every byte outside the rewritten
  // extents; rewritten extents that share bytes are refused. Nothing is
  // created in the output folder before every check has passed. Errors name
  // the model file and tensor. Writing a different model file into the
  // input's own folder is refused (its data files would be replaced);
  // output == input (in place) replaces them atomically.
  // With `copy` false the input files are only opened and checked (their
  // values go back into the model: InputFd()); there are no outputs.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataFileSet>> Prepare(
      const std::string& input_model, const std::string& output_model,
      const std::vector<DataExtent>& extents, bool copy = true);

  // The byte count of each extent given to Prepare, in the same order: its
  // length, or from its offset to the end of its file when it had none.
  const std::vector<uint64_t>& lengths() const { return lengths_; }

  // The open input data file at `location`, or -1. Input files stay open as
  // long as the set (outputs' copies read from them).
  int InputFd(const std::string& location) const;

  // The open output model's folder, or -1 when the set writes no file.
  int folder_fd() const { return files_.empty() ? -1 : out_dir_.get(); }

  DataFileSet(const DataFileSet&) = delete;
  DataFileSet& operator=(const DataFileSet&) = delete;
  ~DataFileSet();

  const std::vector<DataFileOutput>& outputs() const { return outputs_; }

  // Adds a new, empty data file of `size` bytes at `location` (normalized)
  // beneath the output model's folder, under a temporary name until
  // Commit(), that will take `copies` (from files that stay open until the
  // rewrite is done). InvalidArgument when an input data file has that
  // location.
  [[nodiscard]] absl::StatusOr<DataFileOutput> AddNew(
      const std::string& location, uint64_t size,
      std::vector<CopiedRange> copies);

  // Moves every temporary file to its location (see the top of this file).
  // On error the moves already done are undone.
  [[nodiscard]] absl::Status Commit();

  // After Commit(), once the model is in place: removes the previous files
  // that Commit() displaced. Without it, destroying the set undoes Commit().
  void Finish();

 private:
  DataFileSet() = default;
  struct File {
    std::string location;
    std::string temp;
    UniqueFd fd;
    enum class State {
      kTemporary,  // at `temp`, not yet (or no longer) at `location`
      kPlaced,     // at `location` (Commit), not yet Finish()ed
      kFinal,      // at `location` for good
      kRemoved,    // rolled back: removed from `location`
    };
    State state = State::kTemporary;
    bool displaced = false;     // the previous file at `location` is at `temp`
    bool irreversible = false;  // it was replaced outright (no exchange)
    TempFileRegistration on_signal;  // `temp`, until Finish()
  };
  // Undoes Commit() where it can, in reverse order.
  void Rollback();
  // Creates the temporary file for `location`, `size` bytes long, and
  // returns its descriptor.
  absl::StatusOr<int> AddFile(const std::string& location, uint64_t size);
  std::string output_model_;
  UniqueFd out_dir_;
  std::string out_dir_path_;
  std::vector<File> files_;
  std::vector<DataFileOutput> outputs_;
  std::vector<uint64_t> lengths_;
  std::map<std::string, OpenedData> inputs_;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_DATA_FILES_H_
