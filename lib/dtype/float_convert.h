// Conversions between float and the 16-bit float formats ONNX stores as bit
// patterns (FLOAT16 = IEEE 754 binary16, BFLOAT16 = the top half of a float).
// Float to 16-bit rounds to nearest, ties to even; NaN stays NaN (quiet),
// infinities stay infinite, overflow rounds to infinity as IEEE requires.
#ifndef ONNX_REINIT_DTYPE_FLOAT_CONVERT_H_
#define ONNX_REINIT_DTYPE_FLOAT_CONVERT_H_

#include <cstdint>

namespace onnx_reinit {

uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);
uint16_t FloatToBfloat16(float f);
float Bfloat16ToFloat(uint16_t b);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_DTYPE_FLOAT_CONVERT_H_
