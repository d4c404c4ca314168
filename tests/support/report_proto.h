// The proto record (proto/report.proto) behind a public RunReport, for tests
// that look at every tensor: parsed back from the report's JSON.
#ifndef ONNX_REINIT_TESTS_SUPPORT_REPORT_PROTO_H_
#define ONNX_REINIT_TESTS_SUPPORT_REPORT_PROTO_H_

#include "onnx_reinit/onnx_reinit.h"
#include "report.pb.h"

namespace onnx_reinit::testing {

// Fails the current test (and returns an empty Report) if the JSON does not
// parse.
Report ToProto(const RunReport& report);

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_SUPPORT_REPORT_PROTO_H_
