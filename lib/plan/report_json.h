// The plan and run report (proto/report.proto) as JSON, written as it is
// made: the same text, byte for byte, as protobuf's MessageToJsonString with
// preserve_proto_field_names and always_print_primitive_fields (plus
// add_whitespace for the indented layout), without building the whole
// report first. The tensors' records can come one at a time from a callback,
// so a plan of a million tensors needs the memory of one record.
//
// Fields are written in declaration order from the message's descriptor;
// strings are escaped as protobuf escapes them (ASCII here; a string with any
// other byte is escaped by protobuf itself), doubles as protobuf prints them
// (the shortest of %.15g and %.17g that reads back the same; NaN and
// infinities quoted), 64-bit integers quoted.
#ifndef ONNX_REINIT_PLAN_REPORT_JSON_H_
#define ONNX_REINIT_PLAN_REPORT_JSON_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "report.pb.h"

namespace onnx_reinit {

// Receives the text in order, in pieces of up to about 64 KiB; an error
// stops the writing and is returned.
using TextSink = absl::FunctionRef<absl::Status(absl::string_view)>;

// Calls `visit` with each tensor's record, in order, and returns the first
// error (of its own or of `visit`).
using RecordVisitor = absl::FunctionRef<absl::Status(const TensorRecord&)>;
using ForEachRecord = absl::FunctionRef<absl::Status(RecordVisitor)>;

// kIndented: one field per line, ending in "\n" (a single model's report);
// kOneLine: the whole report on one line ending in "\n" (a line of JSON
// Lines).
enum class JsonLayout { kIndented, kOneLine };

// `report` whole.
[[nodiscard]] absl::Status WriteReportJson(const Report& report,
                                           JsonLayout layout, TextSink sink);

// `header` with the records of `tensors` in the place of its `tensors` field
// (which must be empty: InvalidArgument otherwise).
[[nodiscard]] absl::Status WriteReportJson(const Report& header,
                                           ForEachRecord tensors,
                                           JsonLayout layout, TextSink sink);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_PLAN_REPORT_JSON_H_
