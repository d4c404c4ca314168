// ParseStrategySpec: "name", "name()" or "name(k=v, k2=v2)".
//
// Grammar (whitespace allowed around every token):
//   spec  := ident [ "(" [ param { "," param } ] ")" ]
//   param := ident "=" value
//   ident := [A-Za-z_][A-Za-z0-9_]*
//   value := one or more characters other than whitespace and "(),="
// Errors read `malformed strategy "<text>": <what was expected>`; running out
// of text inside the parentheses is always `expected ")"`.
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "strategy/strategy.h"

namespace onnx_reinit {
namespace {

class SpecParser {
 public:
  explicit SpecParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<StrategySpec> Parse() {
    StrategySpec spec;
    SkipSpace();
    spec.name = std::string(Identifier());
    if (spec.name.empty()) {
      return AtEnd() ? Error("expected a strategy name")
                     : Error(absl::StrCat("expected a strategy name at \"",
                                          Rest(), "\""));
    }
    SkipSpace();
    if (AtEnd()) return spec;
    if (!Consume('(')) {
      return Error(absl::StrCat("unexpected \"", Rest(), "\" after \"",
                                spec.name, "\""));
    }
    SkipSpace();
    if (!Consume(')')) {
      while (true) {
        SkipSpace();
        if (AtEnd()) return Error("expected \")\"");
        const absl::string_view key = Identifier();
        if (key.empty()) {
          return Error(
              absl::StrCat("expected a parameter name at \"", Rest(), "\""));
        }
        SkipSpace();
        if (AtEnd()) return Error("expected \")\"");
        if (!Consume('=')) {
          return Error(absl::StrCat("expected \"=\" after \"", key, "\""));
        }
        SkipSpace();
        if (AtEnd()) return Error("expected \")\"");
        const absl::string_view value = Value();
        if (value.empty()) {
          return Error(absl::StrCat("expected a value for \"", key, "\""));
        }
        for (const auto& [k, v] : spec.params) {
          if (k == key) {
            return Error(absl::StrCat("parameter \"", key, "\" given twice"));
          }
        }
        spec.params.emplace_back(std::string(key), std::string(value));
        SkipSpace();
        if (AtEnd()) return Error("expected \")\"");
        if (Consume(')')) break;
        if (!Consume(',')) {
          return Error(absl::StrCat("expected \",\" or \")\" after \"", key,
                                    "=", value, "\""));
        }
      }
    }
    SkipSpace();
    if (!AtEnd()) {
      return Error(absl::StrCat("unexpected \"", Rest(), "\" after \")\""));
    }
    return spec;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  absl::string_view Rest() const { return text_.substr(pos_); }

  void SkipSpace() {
    while (!AtEnd() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  absl::string_view Identifier() {
    const size_t start = pos_;
    if (!AtEnd() && (absl::ascii_isalpha(text_[pos_]) || text_[pos_] == '_')) {
      ++pos_;
      while (!AtEnd() &&
             (absl::ascii_isalnum(text_[pos_]) || text_[pos_] == '_')) {
        ++pos_;
      }
    }
    return text_.substr(start, pos_ - start);
  }

  absl::string_view Value() {
    const size_t start = pos_;
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (absl::ascii_isspace(c) || c == '(' || c == ')' || c == ',' ||
          c == '=') {
        break;
      }
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed strategy \"", text_, "\": ", what));
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<StrategySpec> ParseStrategySpec(std::string_view text) {
  // Debian's Abseil has its own string_view type, so convert once here.
  return SpecParser(absl::string_view(text.data(), text.size())).Parse();
}

}  // namespace onnx_reinit
