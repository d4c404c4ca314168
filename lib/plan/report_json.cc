#include "plan/report_json.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace onnx_reinit {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kFlushBytes = size_t{64} << 10;

// protobuf's escapes of the ASCII characters (util/internal/json_escaping.cc):
// C0 controls, DEL, the quote and backslash, and < and > (for HTML).
const char* AsciiEscape(unsigned char c) {
  static const char* const kControl[32] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
      "\\u0006", "\\u0007", "\\b",     "\\t",     "\\n",     "\\u000b",
      "\\f",     "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
      "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
      "\\u001e", "\\u001f"};
  if (c < 32) return kControl[c];
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '<':
      return "\\u003c";
    case '>':
      return "\\u003e";
    case 0x7f:
      return "\\u007f";
    default:
      return nullptr;
  }
}

// A string with a byte outside ASCII: protobuf's own escaping (which also
// decides what becomes of invalid UTF-8), through a google.protobuf.Value,
// whose JSON is the bare string.
absl::Status AppendEscapedByProtobuf(absl::string_view text, std::string* out) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(value, &json);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render a string as JSON: ", status.ToString()));
  }
  out->append(json);
  return absl::OkStatus();
}

// protobuf's SimpleDtoa: %.15g when it reads back the same, else %.17g.
std::string Dtoa(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG, value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG + 2, value);
  }
  for (char* c = buffer; *c != '\0'; ++c) {
    if (*c == ',') *c = '.';  // a locale's radix
  }
  return buffer;
}

// The layout logic of protobuf's JsonObjectWriter: a stack of open objects
// and lists, each knowing whether it has had an element yet.
class JsonOut {
 public:
  JsonOut(bool indented, TextSink sink) : indented_(indented), sink_(sink) {
    open_.push_back({/*object=*/false, /*used=*/false});  // the root
  }

  void StartObject(absl::string_view name) {
    Prefix(name);
    text_ += '{';
    open_.push_back({true, false});
  }
  void EndObject() {
    Pop();
    text_ += '}';
    if (open_.size() == 1) NewLine();
  }
  void StartList(absl::string_view name) {
    Prefix(name);
    text_ += '[';
    open_.push_back({false, false});
  }
  void EndList() {
    Pop();
    text_ += ']';
    if (open_.size() == 1) NewLine();
  }
  // A value already in JSON form (a number, true, a quoted string).
  void Raw(absl::string_view name, absl::string_view json) {
    Prefix(name);
    text_.append(json.data(), json.size());
  }
  absl::Status String(absl::string_view name, absl::string_view value) {
    Prefix(name);
    return AppendString(value);
  }

  absl::Status MaybeFlush() {
    return text_.size() >= kFlushBytes ? Flush() : absl::OkStatus();
  }
  absl::Status Flush() {
    if (text_.empty()) return absl::OkStatus();
    absl::Status status = sink_(text_);
    text_.clear();
    return status;
  }
  void AppendNewLine() { text_ += '\n'; }

 private:
  struct Open {
    bool object;
    bool used;
  };

  // JsonObjectWriter::Element::is_first(): true only the first time.
  static bool First(Open& open) {
    const bool first = !open.used;
    open.used = true;
    return first;
  }

  void NewLine() {
    if (!indented_) return;
    text_ += '\n';
    text_.append(open_.size() - 1, ' ');
  }

  void Pop() {
    const bool had_elements = !First(open_.back());
    open_.pop_back();
    if (had_elements) NewLine();
  }

  void Prefix(absl::string_view name) {
    const bool not_first = !First(open_.back());
    if (not_first) text_ += ',';
    if (not_first || open_.size() > 1) NewLine();
    if (!name.empty() || open_.back().object) {
      text_ += '"';
      text_.append(name.data(), name.size());  // field names are plain ASCII
      text_ += "\":";
      if (indented_) text_ += ' ';
    }
  }

  absl::Status AppendString(absl::string_view value) {
    for (unsigned char c : value) {
      if (c >= 0x80) return AppendEscapedByProtobuf(value, &text_);
    }
    text_ += '"';
    size_t plain = 0;  // start of the run not yet copied
    for (size_t i = 0; i < value.size(); ++i) {
      const char* escape = AsciiEscape(static_cast<unsigned char>(value[i]));
      if (escape == nullptr) continue;
      text_.append(value.data() + plain, i - plain);
      text_ += escape;
      plain = i + 1;
    }
    text_.append(value.data() + plain, value.size() - plain);
    text_ += '"';
    return absl::OkStatus();
  }

  const bool indented_;
  TextSink sink_;
  std::vector<Open> open_;
  std::string text_;
};

absl::Status WriteMessage(JsonOut& out, absl::string_view name,
                          const Message& message, const ForEachRecord* tensors);

// One value of a field (element `index` of a repeated one, else -1).
absl::Status WriteValue(JsonOut& out, absl::string_view name,
                        const Message& message, const FieldDescriptor& field,
                        int index) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          repeated
              ? r.GetRepeatedStringReference(message, &field, index, &scratch)
              : r.GetStringReference(message, &field, &scratch);
      return out.String(name, value);
    }
    case FieldDescriptor::CPPTYPE_INT64:
      out.Raw(name,
              absl::StrCat("\"",
                           repeated ? r.GetRepeatedInt64(message, &field, index)
                                    : r.GetInt64(message, &field),
                           "\""));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_UINT64:
      out.Raw(name, absl::StrCat(
                        "\"",
                        repeated ? r.GetRepeatedUInt64(message, &field, index)
                                 : r.GetUInt64(message, &field),
                        "\""));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32:
      out.Raw(name,
              absl::StrCat(repeated ? r.GetRepeatedInt32(message, &field, index)
                                    : r.GetInt32(message, &field)));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_UINT32:
      out.Raw(name, absl::StrCat(
                        repeated ? r.GetRepeatedUInt32(message, &field, index)
                                 : r.GetUInt32(message, &field)));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL:
      out.Raw(name, (repeated ? r.GetRepeatedBool(message, &field, index)
                              : r.GetBool(message, &field))
                        ? "true"
                        : "false");
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double value = repeated
                               ? r.GetRepeatedDouble(message, &field, index)
                               : r.GetDouble(message, &field);
      if (std::isfinite(value)) {
        out.Raw(name, Dtoa(value));
        return absl::OkStatus();
      }
      return out.String(name, std::isnan(value) ? "NaN"
                              : value > 0       ? "Infinity"
                                                : "-Infinity");
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (repeated) {
        return WriteMessage(
            out, name, r.GetRepeatedMessage(message, &field, index), nullptr);
      }
      break;
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("the report's field ",
                                          field.full_name(),
                                          " has a type the JSON writer does "
                                          "not print"));
}

absl::Status WriteMessage(JsonOut& out, absl::string_view name,
                          const Message& message,
                          const ForEachRecord* tensors) {
  const Reflection& r = *message.GetReflection();
  out.StartObject(name);
  const auto& descriptor = *message.GetDescriptor();
  for (int f = 0; f < descriptor.field_count(); ++f) {
    const FieldDescriptor& field = *descriptor.field(f);
    if (!field.is_repeated()) {
      absl::Status status = WriteValue(out, field.name(), message, field, -1);
      if (!status.ok()) return status;
      continue;
    }
    out.StartList(field.name());
    for (int i = 0; i < r.FieldSize(message, &field); ++i) {
      absl::Status status = WriteValue(out, "", message, field, i);
      if (!status.ok()) return status;
      status = out.MaybeFlush();
      if (!status.ok()) return status;
    }
    if (tensors != nullptr && field.name() == "tensors") {
      absl::Status status = (*tensors)([&](const TensorRecord& record) {
        absl::Status s = WriteMessage(out, "", record, nullptr);
        return s.ok() ? out.MaybeFlush() : s;
      });
      if (!status.ok()) return status;
    }
    out.EndList();
  }
  out.EndObject();
  return absl::OkStatus();
}

absl::Status Write(const Report& report, const ForEachRecord* tensors,
                   JsonLayout layout, TextSink sink) {
  JsonOut out(layout == JsonLayout::kIndented, sink);
  absl::Status status = WriteMessage(out, "", report, tensors);
  if (!status.ok()) return status;
  if (layout == JsonLayout::kOneLine) out.AppendNewLine();
  return out.Flush();
}

}  // namespace

absl::Status WriteReportJson(const Report& report, JsonLayout layout,
                             TextSink sink) {
  return Write(report, nullptr, layout, sink);
}

absl::Status WriteReportJson(const Report& header, ForEachRecord tensors,
                             JsonLayout layout, TextSink sink) {
  if (header.tensors_size() != 0) {
    return absl::InvalidArgumentError(
        "a report header with its own tensors given tensors to stream");
  }
  return Write(header, &tensors, layout, sink);
}

}  // namespace onnx_reinit
