// The role decision of one tensor of a test model, by name.
#ifndef ONNX_REINIT_TESTS_SUPPORT_DECIDE_ROLE_H_
#define ONNX_REINIT_TESTS_SUPPORT_DECIDE_ROLE_H_

#include <string>

#include "graph/roles.h"
#include "onnx/onnx_pb.h"

namespace onnx_reinit::testing {

// DecideRole (torch fan convention) for the first tensor named `name`; fails
// the current test, and returns a default decision, when there is none or
// the decision is an error.
RoleDecision DecideRoleOf(const onnx::ModelProto& model,
                          const std::string& name);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_DECIDE_ROLE_H_
