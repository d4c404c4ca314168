#include "plan/report.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dtype/dtype.h"
#include "google/protobuf/util/json_util.h"

namespace onnx_reinit {

TensorRecord ToRecord(const TensorPlan& plan) {
  TensorRecord r;
  r.set_name(plan.name);
  r.set_role(std::string(RoleName(plan.role)));
  r.set_op_type(plan.op_type);
  r.set_node(plan.node);
  r.set_dtype(DTypeName(plan.dtype));
  for (int64_t d : plan.dims) r.add_dims(d);
  r.set_fan_in(plan.fans.fan_in);
  r.set_fan_out(plan.fans.fan_out);
  r.set_strategy(plan.strategy);
  if (plan.rewrite) {
    r.set_target_mean(plan.target_mean);
    r.set_target_std(plan.target_std);
    r.set_target_bound(plan.target_bound);
  }
  r.set_action(plan.rewrite ? "rewrite" : "keep");
  r.set_reason(plan.reason);
  for (const std::string& c : plan.consumers) r.add_consumers(c);
  r.set_scope(plan.scope);
  r.set_rule(plan.rule);
  r.set_role_reason(plan.role_reason);
  r.set_path(plan.path);
  return r;
}

std::string FormatPlanText(const Report& report) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"name", "role", "op (node)", "dtype", "dims", "fan_in",
                  "fan_out", "rule", "strategy", "target", "action", "reason"});
  for (const TensorRecord& r : report.tensors()) {
    std::string target;
    if (r.action() == "rewrite") {
      target = r.target_bound() > 0
                   ? absl::StrFormat("std=%.6g bound=%.6g", r.target_std(),
                                     r.target_bound())
                   : absl::StrFormat("std=%.6g", r.target_std());
      if (r.target_mean() != 0) {
        absl::StrAppend(&target,
                        absl::StrFormat(" mean=%.6g", r.target_mean()));
      }
    }
    rows.push_back(
        {r.name(), r.role(),
         r.op_type().empty() ? "-"
                             : absl::StrCat(r.op_type(), " (", r.node(), ")"),
         r.dtype(), absl::StrCat("[", absl::StrJoin(r.dims(), ","), "]"),
         r.fan_in() ? absl::StrCat(r.fan_in()) : "-",
         r.fan_out() ? absl::StrCat(r.fan_out()) : "-",
         r.rule().empty() ? "-" : r.rule(),
         r.strategy().empty() ? "-" : r.strategy(),
         target.empty() ? "-" : target, r.action(), r.reason()});
  }
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c + 1 < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<std::string> ReportToJson(const Report& report,
                                         JsonLayout layout) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = layout == JsonLayout::kIndented;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render the report as JSON: ", status.ToString()));
  }
  if (layout == JsonLayout::kOneLine) json += "\n";
  return json;
}

}  // namespace onnx_reinit
