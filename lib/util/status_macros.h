// Tiny local equivalents of the status macros Debian 12's Abseil (20220623)
// does not ship. The only place they are defined.
#ifndef ONNX_REINIT_UTIL_STATUS_MACROS_H_
#define ONNX_REINIT_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define REINIT_CONCAT_INNER_(a, b) a##b
#define REINIT_CONCAT_(a, b) REINIT_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status reinit_status_ = (expr);          \
    if (!reinit_status_.ok()) return reinit_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` moves the value of F() into x, or returns
// its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  REINIT_ASSIGN_OR_RETURN_IMPL_(REINIT_CONCAT_(reinit_or_, __LINE__), lhs, expr)
#define REINIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // ONNX_REINIT_UTIL_STATUS_MACROS_H_
