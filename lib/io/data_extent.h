// Where a tensor's values are in an input data file, as the data files
// (io/data_files.h) need it: no plan, no graph, just bytes of a file.
#ifndef ONNX_REINIT_IO_DATA_EXTENT_H_
#define ONNX_REINIT_IO_DATA_EXTENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onnx_reinit {

struct DataExtent {
  // The tensor, for CheckExtent (io/external_data.h) and messages.
  std::string name;
  int32_t dtype = 0;  // onnx::TensorProto::DataType
  std::vector<int64_t> dims;
  // `length` bytes at `offset` of the data file `location` (relative to the
  // model's folder, normalized: NormalizeLocation); no length: to the end of
  // the file.
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  // Whether the output gets new values there (so the output copy of the file
  // does not take these bytes from the input).
  bool rewritten = false;
};

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_IO_DATA_EXTENT_H_
