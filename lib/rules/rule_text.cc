// The --rule syntax, 'SELECTOR:STRATEGY' (rules/rules.h), both ways.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "config.pb.h"
#include "re2/re2.h"
#include "rules/rules.h"
#include "rules/rules_internal.h"
#include "util/status_macros.h"

namespace onnx_reinit {
namespace {

constexpr absl::string_view kExample = "role=embedding:normal(std=0.02)";

// One selector key: its name, whether it is the regex form (KEY=~VALUE), and
// how its value goes into a Selector.
struct KeyDef {
  absl::string_view key;
  bool regex;
  absl::Status (*apply)(absl::string_view value, Selector* s);
};

// "a|b" -> {"a", "b"}, each trimmed; an empty value is an error.
absl::StatusOr<std::vector<std::string>> Values(absl::string_view key,
                                                absl::string_view value) {
  std::vector<std::string> values;
  for (absl::string_view v : absl::StrSplit(value, '|')) {
    v = absl::StripAsciiWhitespace(v);
    if (v.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("empty value for key \"", key, "\""));
    }
    values.emplace_back(v);
  }
  return values;
}

template <typename Int>
absl::StatusOr<Int> WholeNumber(absl::string_view key,
                                absl::string_view value) {
  // Digits only: SimpleAtoi alone would accept "+3", " 3" and "-1".
  bool digits = !value.empty();
  for (char c : value) {
    digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  }
  Int n = 0;
  if (!digits || !absl::SimpleAtoi(value, &n)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " must be a whole number >= 0, got \"", value, "\""));
  }
  return n;
}

// Appends the '|'-separated values to a repeated string field.
template <google::protobuf::RepeatedPtrField<std::string>* (Selector::*field)()>
absl::Status AddValues(absl::string_view key, absl::string_view value,
                       Selector* s) {
  ONNX_REINIT_ASSIGN_OR_RETURN(const std::vector<std::string> values,
                               Values(key, value));
  for (const std::string& v : values) *(s->*field)()->Add() = v;
  return absl::OkStatus();
}

const std::vector<KeyDef>& Keys() {
  static const auto* const keys = new std::vector<KeyDef>{
      {"role", false,
       [](absl::string_view v, Selector* s) {
         return AddValues<&Selector::mutable_role>("role", v, s);
       }},
      {"op", false,
       [](absl::string_view v, Selector* s) {
         return AddValues<&Selector::mutable_op_type>("op", v, s);
       }},
      {"name", false,  // exact names: quoted into a regex
       [](absl::string_view v, Selector* s) {
         ONNX_REINIT_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                                      Values("name", v));
         std::vector<std::string> quoted;
         for (const std::string& n : names) quoted.push_back(RE2::QuoteMeta(n));
         s->set_name_regex(absl::StrJoin(quoted, "|"));
         return absl::OkStatus();
       }},
      {"name", true,  // the whole value is one regex; '|' is alternation
       [](absl::string_view v, Selector* s) {
         v = absl::StripAsciiWhitespace(v);
         if (v.empty()) {
           return absl::InvalidArgumentError(
               "empty value for key \"name\" (=~)");
         }
         s->set_name_regex(std::string(v));
         return absl::OkStatus();
       }},
      {"dtype", false,
       [](absl::string_view v, Selector* s) {
         return AddValues<&Selector::mutable_dtype>("dtype", v, s);
       }},
      {"rank", false,
       [](absl::string_view v, Selector* s) {
         ONNX_REINIT_ASSIGN_OR_RETURN(const int32_t rank,
                                      WholeNumber<int32_t>("rank", v));
         s->set_rank(rank);
         return absl::OkStatus();
       }},
      {"min_elements", false,
       [](absl::string_view v, Selector* s) {
         ONNX_REINIT_ASSIGN_OR_RETURN(const uint64_t n,
                                      WholeNumber<uint64_t>("min_elements", v));
         s->set_min_elements(n);
         return absl::OkStatus();
       }},
      {"scope", false,
       [](absl::string_view v, Selector* s) {
         return AddValues<&Selector::mutable_scope>("scope", v, s);
       }},
  };
  return *keys;
}

std::string KnownKeys() {
  std::vector<absl::string_view> names;
  for (const KeyDef& def : Keys()) {
    if (!def.regex) names.push_back(def.key);
  }
  return absl::StrJoin(names, ", ");
}

// Index of the ':' that separates SELECTOR from STRATEGY: the last one not
// inside parentheses, scanning from the end (an unmatched '(' does not hide
// what precedes it). npos when there is none.
size_t FindSeparator(absl::string_view text) {
  int depth = 0;
  for (size_t i = text.size(); i-- > 0;) {
    const char c = text[i];
    if (c == ')') {
      ++depth;
    } else if (c == '(') {
      if (depth > 0) --depth;
    } else if (c == ':' && depth == 0) {
      return i;
    }
  }
  return absl::string_view::npos;
}

// True when `rest` (the text after a ',') starts a new item: `word=`.
bool StartsItem(absl::string_view rest) {
  rest = absl::StripLeadingAsciiWhitespace(rest);
  size_t i = 0;
  while (i < rest.size() &&
         (absl::ascii_isalnum(static_cast<unsigned char>(rest[i])) ||
          rest[i] == '_')) {
    ++i;
  }
  if (i == 0) return false;
  rest = absl::StripLeadingAsciiWhitespace(rest.substr(i));
  return !rest.empty() && rest[0] == '=';
}

absl::Status ParseSelector(absl::string_view text, Selector* selector) {
  if (text.empty() || text == "*") return absl::OkStatus();
  std::vector<absl::string_view> seen;
  size_t pos = 0;
  while (true) {
    // KEY, up to '=' (the item must have one before its end).
    const size_t comma = text.find(',', pos);
    const size_t eq = text.find('=', pos);
    if (eq == absl::string_view::npos || eq > comma) {
      const absl::string_view item = absl::StripAsciiWhitespace(text.substr(
          pos, comma == absl::string_view::npos ? comma : comma - pos));
      if (item.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "empty selector item; separate KEY=VALUE items with one ',' "
            "(e.g. ",
            kExample, ")"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("selector item \"", item,
                       "\" is not KEY=VALUE (keys: ", KnownKeys(), ")"));
    }
    const absl::string_view key =
        absl::StripAsciiWhitespace(text.substr(pos, eq - pos));
    const bool regex = eq + 1 < text.size() && text[eq + 1] == '~';
    const size_t value_start = eq + (regex ? 2 : 1);

    // VALUE, up to the next ',' (for a regex: the next ',' starting an item).
    size_t end = text.find(',', value_start);
    while (regex && end != absl::string_view::npos &&
           !StartsItem(text.substr(end + 1))) {
      end = text.find(',', end + 1);
    }
    const absl::string_view value = text.substr(
        value_start, end == absl::string_view::npos ? end : end - value_start);

    const KeyDef* def = nullptr;
    bool known_key = false;
    for (const KeyDef& k : Keys()) {
      known_key = known_key || k.key == key;
      if (k.key == key && k.regex == regex) def = &k;
    }
    if (!known_key) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown key \"", key, "\"; known: ", KnownKeys()));
    }
    if (def == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key \"", key, "\" does not take =~ (only name=~REGEX does)"));
    }
    for (absl::string_view s : seen) {
      if (s == key) {
        return absl::InvalidArgumentError(
            absl::StrCat("key \"", key,
                         "\" given twice; give several values with '|' (e.g. "
                         "role=bias|recurrent_bias)"));
      }
    }
    seen.push_back(key);
    ONNX_REINIT_RETURN_IF_ERROR(def->apply(value, selector));

    if (end == absl::string_view::npos) return absl::OkStatus();
    pos = end + 1;
  }
}

}  // namespace

absl::StatusOr<Rule> ParseRuleText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t colon = FindSeparator(text);
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected SELECTOR:STRATEGY (e.g. ", kExample,
                     " or *:zeros), found no ':' outside parentheses"));
  }
  const absl::string_view action =
      absl::StripAsciiWhitespace(text.substr(colon + 1));
  if (action.empty()) {
    return absl::InvalidArgumentError(
        "no strategy after ':'; give a strategy (e.g. zeros) or keep");
  }
  Rule rule;
  if (action == "keep") {
    rule.set_keep(true);
  } else {
    rule.set_strategy(std::string(action));
  }
  ONNX_REINIT_RETURN_IF_ERROR(
      ParseSelector(absl::StripAsciiWhitespace(text.substr(0, colon)),
                    rule.mutable_select()));
  // Everything a Config rule is checked for: roles, dtypes, the regex, the
  // strategy and its parameters.
  ONNX_REINIT_RETURN_IF_ERROR(rules_internal::CompileRule(rule).status());
  return rule;
}

std::string DescribeSelector(const Selector& s) {
  std::vector<std::string> items;
  const auto add =
      [&](absl::string_view key,
          const google::protobuf::RepeatedPtrField<std::string>& values) {
        if (!values.empty()) {
          items.push_back(absl::StrCat(key, "=", absl::StrJoin(values, "|")));
        }
      };
  add("role", s.role());
  add("op", s.op_type());
  if (!s.name_regex().empty()) {
    items.push_back(absl::StrCat("name=~", s.name_regex()));
  }
  add("dtype", s.dtype());
  if (s.has_rank()) items.push_back(absl::StrCat("rank=", s.rank()));
  if (s.min_elements() != 0) {
    items.push_back(absl::StrCat("min_elements=", s.min_elements()));
  }
  add("scope", s.scope());
  return items.empty() ? "*" : absl::StrJoin(items, ",");
}

}  // namespace onnx_reinit
