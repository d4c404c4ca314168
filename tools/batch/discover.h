// Finding the models of a batch on disk: each input is a model file or a
// folder walked recursively, where every regular file named *.onnx is a
// model (other files — test data, data.json, external data — are not; a
// model's external data files follow it when it is written). Symbolic links
// to files are followed; links to folders are not (no cycles).
#ifndef ONNX_REINIT_TOOLS_BATCH_DISCOVER_H_
#define ONNX_REINIT_TOOLS_BATCH_DISCOVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace onnx_reinit {

// One command-line input.
struct InputRoot {
  std::string path;       // as given
  std::string canonical;  // absolute, links resolved ("" when missing)
  bool is_folder = false;
};

// One model found under an input.
struct FoundModel {
  int root = 0;          // index of its InputRoot
  std::string path;      // openable: the root's path joined with `relative`
  std::string relative;  // '/'-separated, beneath its root; a file input's
                         // own file name
  // Absolute: the root's canonical path joined with `relative` (a link to a
  // file inside a folder is not resolved); "" when the input is missing.
  std::string canonical;
  uint64_t bytes = 0;  // file size when listed
  // Set when a folder could not be listed (unreadable): the batch reports
  // it as a failed model. A file input that cannot be read is listed as is
  // and fails when it is opened.
  absl::Status error;
};

struct FoundInputs {
  std::vector<InputRoot> roots;
  std::vector<FoundModel> models;  // sorted by root, then by relative path
};

// Walks every input. An unreadable folder becomes a FoundModel with `error`
// set (the others are still listed).
FoundInputs FindModels(const std::vector<std::string>& inputs);

// `folder` + "/" + `relative` (no doubled "/").
std::string JoinPath(const std::string& folder, const std::string& relative);

// The absolute form of `path` with links resolved as far as it exists
// (std::filesystem::weakly_canonical); "" on error.
std::string CanonicalPath(const std::string& path);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TOOLS_BATCH_DISCOVER_H_
