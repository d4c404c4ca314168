// ONNX data types as this project sees them: names, and which ones it
// rewrites (FLOAT, DOUBLE, FLOAT16, BFLOAT16). Everything else is left as is.
#ifndef ONNX_REINIT_DTYPE_DTYPE_H_
#define ONNX_REINIT_DTYPE_DTYPE_H_

#include <cstdint>
#include <string>

namespace onnx_reinit {

// "FLOAT", "INT64", ...; "TYPE_<n>" for values onnx 1.12 does not name.
std::string DTypeName(int32_t data_type);

// True for the floating-point types whose values this project writes.
bool IsRewritableDType(int32_t data_type);

// Bytes per element in raw_data for rewritable types (2, 4 or 8), else 0.
int RawElementSize(int32_t data_type);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_DTYPE_DTYPE_H_
