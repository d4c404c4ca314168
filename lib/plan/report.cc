#include "plan/report.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dtype/dtype.h"

namespace onnx_reinit {
namespace {

constexpr size_t kColumns = 12;
using Row = std::array<std::string, kColumns>;

const Row& HeaderRow() {
  static const Row* const header =
      new Row{"name",    "role", "op (node)", "dtype",  "dims",   "fan_in",
              "fan_out", "rule", "strategy",  "target", "action", "reason"};
  return *header;
}

void MakeRow(const TensorRecord& r, Row* row) {
  std::string target;
  if (r.action() == "rewrite") {
    target = r.target_bound() > 0
                 ? absl::StrFormat("std=%.6g bound=%.6g", r.target_std(),
                                   r.target_bound())
                 : absl::StrFormat("std=%.6g", r.target_std());
    if (r.target_mean() != 0) {
      absl::StrAppend(&target, absl::StrFormat(" mean=%.6g", r.target_mean()));
    }
  }
  *row = {r.name(),
          r.role(),
          r.op_type().empty() ? "-"
                              : absl::StrCat(r.op_type(), " (", r.node(), ")"),
          r.dtype(),
          absl::StrCat("[", absl::StrJoin(r.dims(), ","), "]"),
          r.fan_in() ? absl::StrCat(r.fan_in()) : "-",
          r.fan_out() ? absl::StrCat(r.fan_out()) : "-",
          r.rule().empty() ? "-" : r.rule(),
          r.strategy().empty() ? "-" : r.strategy(),
          target.empty() ? "-" : target,
          r.action(),
          r.reason()};
}

void Widen(const Row& row, std::array<size_t, kColumns>* width) {
  for (size_t c = 0; c + 1 < kColumns; ++c) {
    (*width)[c] = std::max((*width)[c], row[c].size());
  }
}

void AppendLine(const Row& row, const std::array<size_t, kColumns>& width,
                std::string* out) {
  const size_t start = out->size();
  for (size_t c = 0; c < kColumns; ++c) {
    *out += row[c];
    if (c + 1 < kColumns) out->append(width[c] - row[c].size() + 2, ' ');
  }
  while (out->size() > start && out->back() == ' ') out->pop_back();
  *out += '\n';
}

}  // namespace

void FillRecord(const TensorPlan& plan, TensorRecord* r) {
  r->set_name(plan.name);
  r->set_role(std::string(RoleName(plan.role)));
  r->set_op_type(plan.op_type);
  r->set_node(plan.node);
  r->set_dtype(DTypeName(plan.dtype));
  r->clear_dims();
  for (int64_t d : plan.dims) r->add_dims(d);
  r->set_fan_in(plan.fans.fan_in);
  r->set_fan_out(plan.fans.fan_out);
  r->set_strategy(plan.strategy);
  r->set_target_mean(plan.rewrite ? plan.target_mean : 0);
  r->set_target_std(plan.rewrite ? plan.target_std : 0);
  r->set_target_bound(plan.rewrite ? plan.target_bound : 0);
  r->set_action(plan.rewrite ? "rewrite" : "keep");
  r->set_reason(plan.reason);
  r->set_mean(0);
  r->set_std(0);
  r->clear_consumers();
  for (const std::string& c : plan.consumers) r->add_consumers(c);
  r->set_scope(plan.scope);
  r->set_rule(plan.rule);
  r->set_role_reason(plan.role_reason);
  r->set_path(plan.path);
}

TensorRecord ToRecord(const TensorPlan& plan) {
  TensorRecord r;
  FillRecord(plan, &r);
  return r;
}

absl::Status WritePlanText(ForEachRecord tensors, TextSink sink) {
  std::array<size_t, kColumns> width{};
  Widen(HeaderRow(), &width);
  Row row;
  absl::Status status = tensors([&](const TensorRecord& r) {
    MakeRow(r, &row);
    Widen(row, &width);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::string out;
  AppendLine(HeaderRow(), width, &out);
  status = tensors([&](const TensorRecord& r) {
    MakeRow(r, &row);
    AppendLine(row, width, &out);
    if (out.size() < (size_t{64} << 10)) return absl::OkStatus();
    absl::Status s = sink(out);
    out.clear();
    return s;
  });
  if (!status.ok()) return status;
  return out.empty() ? absl::OkStatus() : sink(out);
}

std::string FormatPlanText(const Report& report) {
  std::string text;
  const absl::Status status = WritePlanText(
      [&](RecordVisitor visit) {
        for (const TensorRecord& r : report.tensors()) {
          absl::Status s = visit(r);
          if (!s.ok()) return s;
        }
        return absl::OkStatus();
      },
      [&](absl::string_view piece) {
        text.append(piece.data(), piece.size());
        return absl::OkStatus();
      });
  (void)status;  // neither the records nor the sink fail
  return text;
}

absl::StatusOr<std::string> ReportToJson(const Report& report,
                                         JsonLayout layout) {
  std::string json;
  absl::Status status =
      WriteReportJson(report, layout, [&](absl::string_view piece) {
        json.append(piece.data(), piece.size());
        return absl::OkStatus();
      });
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render the report as JSON: ", status.message()));
  }
  return json;
}

}  // namespace onnx_reinit
