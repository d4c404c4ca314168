// Loading a --config file: protobuf text format, or JSON for *.json.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "io/file_io.h"
#include "rules/rules.h"
#include "rules/rules_internal.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

// A config file is rules, not data: anything larger (or endless, like
// /dev/zero; a pipe such as <(...) is fine) is refused before it costs memory.
constexpr size_t kMaxConfigBytes = size_t{16} << 20;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  if (file == nullptr) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot open config file \"", path, "\""));
  }
  std::string text;
  char buffer[1 << 14];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    if (text.size() + n > kMaxConfigBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("config file \"", path, "\" is over ",
                       kMaxConfigBytes >> 20, " MiB"));
    }
    text.append(buffer, n);
  }
  if (std::ferror(file.get())) {
    return ErrnoStatus(errno,
                       absl::StrCat("cannot read config file \"", path, "\""));
  }
  return text;
}

// Keeps the text parser's first error (later ones are usually follow-ons).
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!message_.empty()) return;
    // The parser counts from 0; editors count from 1.
    message_ =
        absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

absl::Status ParseText(const std::string& path, const std::string& text,
                       Config* config) {
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(false);
  parser.AllowUnknownExtension(false);
  if (parser.ParseFromString(text, config)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ",
                   errors.message().empty() ? std::string("cannot parse")
                                            : errors.message()));
}

absl::Status ParseJson(const std::string& path, const std::string& text,
                       Config* config) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text, config, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", std::string(status.message())));
}

}  // namespace

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  ONNX_REINIT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
  Config config;
  if (absl::EndsWith(path, ".json")) {
    ONNX_REINIT_RETURN_IF_ERROR(ParseJson(path, text, &config));
  } else {
    ONNX_REINIT_RETURN_IF_ERROR(ParseText(path, text, &config));
  }
  ONNX_REINIT_RETURN_IF_ERROR(
      rules_internal::CompileConfig(config, path).status());
  return config;
}

}  // namespace onnx_reinit
