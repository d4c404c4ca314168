#include "support/decide_role.h"

#include "graph/model_index.h"
#include "gtest/gtest.h"

namespace onnx_reinit::testing {

RoleDecision DecideRoleOf(const onnx::ModelProto& model,
                          const std::string& name) {
  ModelIndex index(model);
  for (const TensorSite& site : index.sites()) {
    if (site.name() != name) continue;
    absl::StatusOr<RoleDecision> d =
        DecideRole(index, site, FanConvention::kTorch);
    EXPECT_TRUE(d.ok()) << name << ": " << d.status();
    return d.ok() ? *d : RoleDecision{};
  }
  ADD_FAILURE() << "no tensor named " << name;
  return {};
}

}  // namespace onnx_reinit::testing
