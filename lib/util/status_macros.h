// Tiny local equivalents of the status macros Debian 12's Abseil (20220623)
// does not ship. The only place they are defined; every name is prefixed
// ONNX_REINIT_ so that they cannot collide with another library's macros.
#ifndef ONNX_REINIT_UTIL_STATUS_MACROS_H_
#define ONNX_REINIT_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ONNX_REINIT_CONCAT_INNER_(a, b) a##b
#define ONNX_REINIT_CONCAT_(a, b) ONNX_REINIT_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define ONNX_REINIT_RETURN_IF_ERROR(expr)                      \
  do {                                                         \
    ::absl::Status onnx_reinit_status_ = (expr);               \
    if (!onnx_reinit_status_.ok()) return onnx_reinit_status_; \
  } while (0)

// `ONNX_REINIT_ASSIGN_OR_RETURN(auto x, F());` moves the value of F() into x,
// or returns its status from the enclosing function.
#define ONNX_REINIT_ASSIGN_OR_RETURN(lhs, expr) \
  ONNX_REINIT_ASSIGN_OR_RETURN_IMPL_(           \
      ONNX_REINIT_CONCAT_(onnx_reinit_or_, __LINE__), lhs, expr)
#define ONNX_REINIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                       \
  if (!tmp.ok()) return tmp.status();                      \
  lhs = std::move(tmp).value()

#endif  // ONNX_REINIT_UTIL_STATUS_MACROS_H_
