#include "support/report_proto.h"

#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace onnx_reinit::testing {

Report ToProto(const RunReport& report) {
  Report proto;
  const std::string json = report.ToJson();
  const auto status = google::protobuf::util::JsonStringToMessage(json, &proto);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return proto;
}

}  // namespace onnx_reinit::testing
