// Addresses of TensorProtos inside a ModelProto, shared by the wire-format
// walk (which finds where a tensor's bytes are) and the graph analysis (which
// finds what the tensor is), so the two can be joined. A path lists the
// fields from the ModelProto down, repeated fields with their index:
//   graph/initializer[3]
//   graph/node[12]/attribute[0]/t                  (a Constant's value)
//   graph/node[4]/attribute[1]/g/initializer[0]    (inside an If branch)
//   training_info[0]/initialization/initializer[2]
#ifndef ONNX_REINIT_UTIL_TENSOR_PATH_H_
#define ONNX_REINIT_UTIL_TENSOR_PATH_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace onnx_reinit {

// `parent` + "/" + field (+ "[index]" for a repeated field, index >= 0).
inline std::string ChildPath(absl::string_view parent, absl::string_view field,
                             int index = -1) {
  std::string path(parent);
  if (!path.empty()) path += "/";
  absl::StrAppend(&path, field);
  if (index >= 0) absl::StrAppend(&path, "[", index, "]");
  return path;
}

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_UTIL_TENSOR_PATH_H_
