// Models whose weights live in external data files, written to disk for the
// end-to-end tests of outputs (faults, signals, concurrent runs, modes):
// `files` MatMul weights W0..W{files-1} of [rows, cols] FLOAT, each alone in
// its data file "w<k>.bin" after a 16-byte header, each with a "checksum"
// entry (the SHA-1 of its data file, which every run rewrites), so that a
// model and its data files can be checked against each other.
#ifndef ONNX_REINIT_TESTS_SUPPORT_EXTERNAL_MODEL_H_
#define ONNX_REINIT_TESTS_SUPPORT_EXTERNAL_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace onnx_reinit::testing {

// Writes `dir`/model.onnx and its data files; returns the data files' names.
std::vector<std::string> WriteExternalDataModel(const std::string& dir,
                                                int files, int64_t rows,
                                                int64_t cols);

// Whether every external tensor of the model at `model_path` names, in its
// "checksum" entry, the SHA-1 of its data file as it is on disk now; the
// first mismatch is described in `why`.
bool ChecksumsMatchDataFiles(const std::string& model_path, std::string* why);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_EXTERNAL_MODEL_H_
