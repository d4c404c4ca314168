#include "cli_args.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "onnx_reinit/onnx_reinit.h"

namespace onnx_reinit {
namespace {

using Setter = absl::Status (*)(const std::string& value, CliArgs* args);

struct Flag {
  const char* name;        // long name, without "--"
  const char* short_name;  // "" or one letter, without "-"
  const char* value;       // value name; nullptr for a switch
  const char* help;
  Setter set;
};

absl::Status Bad(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

const Flag kFlags[] = {
    {"output", "o", "OUT", "write the re-initialized model to OUT",
     [](const std::string& v, CliArgs* a) {
       a->output = v;
       return absl::OkStatus();
     }},
    {"in_place", "", nullptr, "replace MODEL itself (atomically)",
     [](const std::string&, CliArgs* a) {
       a->in_place = true;
       return absl::OkStatus();
     }},
    {"strategy", "", "S",
     "strategy for weight, recurrent_input and recurrent_hidden tensors, "
     "e.g. 'normal(std=0.02)' (default he_normal)",
     [](const std::string& v, CliArgs* a) {
       a->strategy = v;
       return absl::OkStatus();
     }},
    {"bias_strategy", "", "S",
     "strategy for bias and recurrent_bias tensors (default zeros)",
     [](const std::string& v, CliArgs* a) {
       a->bias_strategy = v;
       return absl::OkStatus();
     }},
    {"rule", "", "SELECTOR:S",
     "a rule, tried before all others in the order given, e.g. "
     "'role=embedding:normal(std=0.02)', 'name=~^enc\\..*:keep' "
     "(repeatable)",
     [](const std::string& v, CliArgs* a) {
       a->rules.push_back(v);
       return absl::OkStatus();
     }},
    {"config", "", "FILE",
     "rules from a file: protobuf text format (.textproto) or .json",
     [](const std::string& v, CliArgs* a) {
       a->config = v;
       return absl::OkStatus();
     }},
    {"profile", "", "P",
     "torch: torch's own reset_parameters per layer; keras: Keras 3's "
     "layer defaults (glorot_uniform, orthogonal recurrent, forget bias 1)",
     [](const std::string& v, CliArgs* a) {
       a->profile = v;
       return absl::OkStatus();
     }},
    {"seed", "", "N", "random seed, 0..2^64-1 (default 0)",
     [](const std::string& v, CliArgs* a) {
       if (!absl::SimpleAtoi(v, &a->seed) || absl::StartsWith(v, "-") ||
           absl::StartsWith(v, "+")) {
         return Bad(
             absl::StrCat("--seed takes a whole number >= 0, got \"", v, "\""));
       }
       return absl::OkStatus();
     }},
    {"threads", "", "N", "worker threads, 0 = one per core (default 0)",
     [](const std::string& v, CliArgs* a) {
       if (!absl::SimpleAtoi(v, &a->threads) || a->threads < 0 ||
           a->threads > 1024) {
         return Bad(absl::StrCat(
             "--threads takes a whole number from 0 to 1024, got \"", v, "\""));
       }
       return absl::OkStatus();
     }},
    {"simd", "", "S",
     "auto (default), avx512, avx2 or baseline: the vector instructions of "
     "every kernel (a level the CPU lacks is refused). The samplers give the "
     "same bits at every level; orthogonal values at baseline differ in the "
     "last places from avx2 and avx512 (which share the AVX2+FMA kernels)",
     [](const std::string& v, CliArgs* a) {
       a->simd = v;
       return absl::OkStatus();
     }},
    {"fan_convention", "", "C",
     "torch (default) or semantic: how Conv/ConvTranspose fans are counted",
     [](const std::string& v, CliArgs* a) {
       a->fan_convention = v;
       return absl::OkStatus();
     }},
    {"plan", "", nullptr, "print what would be done; write nothing",
     [](const std::string&, CliArgs* a) {
       a->plan = true;
       return absl::OkStatus();
     }},
    {"format", "", "F", "--plan output: text (default) or json",
     [](const std::string& v, CliArgs* a) {
       if (v != "text" && v != "json") {
         return Bad(
             absl::StrCat("--format takes text or json, got \"", v, "\""));
       }
       a->format = v;
       return absl::OkStatus();
     }},
    {"report", "", "FILE",
     "after a run, write every decision and the measured mean/std as JSON",
     [](const std::string& v, CliArgs* a) {
       a->report = v;
       return absl::OkStatus();
     }},
    {"external_data", "", "MODE",
     "keep (default): values stay where they are; external: initializers of "
     "at least --external_threshold bytes move to one data file; inline: "
     "values in data files come back into the model",
     [](const std::string& v, CliArgs* a) {
       a->external_data = v;  // checked by Reinitializer::Create
       return absl::OkStatus();
     }},
    {"external_threshold", "", "BYTES",
     "smallest tensor moved by --external_data=external (default 1024)",
     [](const std::string& v, CliArgs* a) {
       if (!absl::SimpleAtoi(v, &a->external_threshold) ||
           absl::StartsWith(v, "-") || absl::StartsWith(v, "+")) {
         return Bad(absl::StrCat(
             "--external_threshold takes a whole number >= 0, got \"", v,
             "\""));
       }
       return absl::OkStatus();
     }},
    {"external_file", "", "NAME",
     "the data file for --external_data=external, relative to the output "
     "(default: OUT's name + \".data\")",
     [](const std::string& v, CliArgs* a) {
       a->external_file = v;
       return absl::OkStatus();
     }},
    {"jobs", "j", "N",
     "models processed at a time when there are several, 0 = one per core "
     "(default 0); they share one pool of threads with --threads",
     [](const std::string& v, CliArgs* a) {
       if (!absl::SimpleAtoi(v, &a->jobs) || a->jobs < 0 || a->jobs > 1024) {
         return Bad(absl::StrCat(
             "--jobs takes a whole number from 0 to 1024, got \"", v, "\""));
       }
       return absl::OkStatus();
     }},
    {"fail_fast", "", nullptr,
     "stop at the first model that fails (models already started finish)",
     [](const std::string&, CliArgs* a) {
       a->fail_fast = true;
       return absl::OkStatus();
     }},
    {"seed_from", "", "S",
     "none (default): every model gets --seed, so its bytes are those of a "
     "run on it alone; path: each model's seed is derived from --seed and "
     "its path relative to its input folder",
     [](const std::string& v, CliArgs* a) {
       if (v != "none" && v != "path") {
         return Bad(
             absl::StrCat("--seed_from takes none or path, got \"", v, "\""));
       }
       a->seed_from = v;
       return absl::OkStatus();
     }},
    {"shard", "", "I/N",
     "process only the models whose index in the sorted list of relative "
     "paths is I modulo N (0 <= I < N)",
     [](const std::string& v, CliArgs* a) {
       a->shard = v;
       return absl::OkStatus();
     }},
    {"quiet", "q", nullptr,
     "no progress line, no summary, no \"wrote\" line (errors still go to "
     "stderr)",
     [](const std::string&, CliArgs* a) {
       a->quiet = true;
       return absl::OkStatus();
     }},
    {"help", "h", nullptr, "show this help",
     [](const std::string&, CliArgs* a) {
       a->help = true;
       return absl::OkStatus();
     }},
    {"version", "", nullptr, "show the version",
     [](const std::string&, CliArgs* a) {
       a->version = true;
       return absl::OkStatus();
     }},
};

const Flag* FindFlag(const std::string& name, bool is_short) {
  for (const Flag& flag : kFlags) {
    if (name == (is_short ? flag.short_name : flag.name)) return &flag;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<CliArgs> ParseCliArgs(int argc, const char* const* argv) {
  CliArgs args;
  std::vector<std::string> positional;
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    const bool is_long = absl::StartsWith(arg, "--");
    std::string body = arg.substr(is_long ? 2 : 1);
    std::string value;
    const size_t eq = body.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    // "-j2": a short flag with its value attached.
    if (!is_long && !has_value && body.size() > 1) {
      const Flag* letter = FindFlag(body.substr(0, 1), true);
      if (letter != nullptr && letter->value != nullptr) {
        value = body.substr(1);
        body = body.substr(0, 1);
        has_value = true;
      }
    }
    const Flag* flag = FindFlag(body, !is_long);
    if (flag == nullptr) {
      return Bad(absl::StrCat("unknown flag \"", arg, "\" (see --help)"));
    }
    if (flag->value == nullptr) {
      if (has_value) {
        return Bad(absl::StrCat("--", flag->name, " takes no value"));
      }
    } else if (!has_value) {
      if (i + 1 >= argc) {
        return Bad(absl::StrCat("--", flag->name, " needs a value (",
                                flag->value, ")"));
      }
      value = argv[++i];
    }
    absl::Status status = flag->set(value, &args);
    if (!status.ok()) return status;
  }
  if (args.help || args.version) return args;
  if (positional.empty()) return Bad("missing MODEL (see --help)");
  args.inputs = positional;
  if (args.plan) {
    if (!args.output.empty() || args.in_place || !args.report.empty()) {
      return Bad("--plan writes nothing; drop -o, --in_place and --report");
    }
    return args;
  }
  if (args.format != "text") return Bad("--format applies only to --plan");
  if (args.in_place && !args.output.empty()) {
    return Bad("give either -o OUT or --in_place, not both");
  }
  if (!args.in_place && args.output.empty()) {
    return Bad("missing -o OUT (or --in_place, or --plan)");
  }
  return args;
}

std::string CliUsage() {
  std::string usage =
      "usage: onnx-reinit MODEL -o OUT [options]    re-initialize weights\n"
      "       onnx-reinit IN... -o OUT_FOLDER [options]\n"
      "       onnx-reinit IN... --in_place [options]\n"
      "       onnx-reinit IN... --plan [--format=text|json]\n\n"
      "Each IN is a model file or a folder, walked for *.onnx files. With one\n"
      "model file OUT is the output file; otherwise OUT is a folder that\n"
      "mirrors the inputs (IN/a/m.onnx -> OUT/a/m.onnx), and --report writes\n"
      "JSON Lines, one object per model.\n\n"
      "options:\n";
  for (const Flag& flag : kFlags) {
    std::string left = absl::StrCat(
        *flag.short_name ? absl::StrCat("-", flag.short_name, ", ") : "    ",
        "--", flag.name, flag.value ? absl::StrCat("=", flag.value) : "");
    left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
    absl::StrAppend(&usage, "  ", left, flag.help, "\n");
  }
  absl::StrAppend(&usage, "\nstrategies:\n");
  for (const std::string& line : ListStrategies()) {
    absl::StrAppend(&usage, "  ", line, "\n");
  }
  absl::StrAppend(
      &usage,
      "\nexit codes: 0 success (every model), 1 bad input or I/O failure (any "
      "model),\n2 usage error (nothing read or written)\n");
  return usage;
}

}  // namespace onnx_reinit
