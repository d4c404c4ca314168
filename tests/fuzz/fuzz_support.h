// What more than one fuzz target does the same way: writing the input to a
// file, and asking a rule set for every role and scope.
#ifndef ONNX_REINIT_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ONNX_REINIT_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "rules/rules.h"

namespace onnx_reinit {

// Writes `size` bytes to `path` (created or truncated); aborts on failure.
inline void WriteFuzzFile(const std::string& path, const uint8_t* data,
                          size_t size) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ONNX_REINIT_FUZZ_CHECK(fd >= 0, "cannot write ", path);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    ONNX_REINIT_FUZZ_CHECK(n > 0, "cannot write ", path);
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Chooses for `facts` under every known role and scope: each choice names
// the rule that made it.
inline void CheckEveryRoleAndScopeIsChosen(const RuleSet& rules,
                                           TensorFacts facts) {
  for (absl::string_view role : KnownRoles()) {
    for (absl::string_view scope : KnownScopes()) {
      facts.role = std::string(role);
      facts.scope = std::string(scope);
      const RuleChoice choice = rules.Choose(facts);
      ONNX_REINIT_FUZZ_CHECK(!choice.rule.empty(), "no rule named for role ",
                             role);
    }
  }
}

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_TESTS_FUZZ_FUZZ_SUPPORT_H_
