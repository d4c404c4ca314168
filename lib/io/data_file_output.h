// What the data files and the writer share: an output data file and the
// byte ranges it takes unchanged from other files.
#ifndef ONNX_REINIT_IO_DATA_FILE_OUTPUT_H_
#define ONNX_REINIT_IO_DATA_FILE_OUTPUT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace onnx_reinit {

// A byte range an output data file takes unchanged from another file.
struct CopiedRange {
  int source_fd = -1;
  uint64_t from = 0;  // offset in the source
  uint64_t to = 0;    // offset in the output
  uint64_t size = 0;
};

// An output data file, created at its final size and not written yet: the
// rewriter writes `copies` (the bytes kept from the input data file, or the
// values of kept tensors moved out of the model) and the new values of the
// rewritten tensors stored in it, in offset order. Bytes that neither covers
// (alignment gaps of a new file) stay zero.
struct DataFileOutput {
  std::string location;  // as the tensors' external_data names it
  int fd = -1;
  std::string path;                 // for messages
  std::vector<CopiedRange> copies;  // not overlapping the rewritten extents
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_DATA_FILE_OUTPUT_H_
