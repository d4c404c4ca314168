#include "support/report_proto.h"

#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace onnx_reinit::testing {

Report ToProto(const RunReport& report) {
  Report proto;
  const absl::StatusOr<std::string> json = report.ToJson();
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok()) return proto;
  const auto status =
      google::protobuf::util::JsonStringToMessage(*json, &proto);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << *json;
  return proto;
}

}  // namespace onnx_reinit::testing
