// Many models in one invocation (batch/): folder trees mirrored into OUT,
// each output the same bytes as a run on that model alone, failures isolated
// (exit 1, nothing left for the failed model), --fail_fast, --shard, --jobs,
// --seed_from, the JSON Lines report, --plan for several models, and the
// usage errors refused before anything is read (exit 2).
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "batch/layout.h"
#include "gtest/gtest.h"
#include "onnx_reinit/onnx_reinit.h"
#include "support/corpus.h"
#include "support/model_text.h"
#include "support/run_cli.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;
using testing::CorpusPath;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::WriteFile;

void Copy(const std::string& from, const std::string& to) {
  fs::create_directories(fs::path(to).parent_path());
  WriteFile(to, ReadFile(from));
}

// Every file beneath `dir`, relative, sorted.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files.push_back(fs::relative(e.path(), dir).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A tree of models with other files beside them:
//   in/a.onnx                 mlp
//   in/nested/deeper/r.onnx   resnet18
//   in/nested/g.onnx          gru_bidir
//   in/nested/test_data_set_0/input_0.pb, in/data.json, in/notes.txt
std::string MakeTree(const std::string& root) {
  const std::string in = root + "/in";
  Copy(CorpusPath("mlp"), in + "/a.onnx");
  Copy(CorpusPath("resnet18"), in + "/nested/deeper/r.onnx");
  Copy(CorpusPath("gru_bidir"), in + "/nested/g.onnx");
  fs::create_directories(in + "/nested/test_data_set_0");
  WriteFile(in + "/nested/test_data_set_0/input_0.pb", "not a model");
  WriteFile(in + "/data.json", "{}");
  WriteFile(in + "/notes.txt", "hello");
  return in;
}

// The bytes of a run of the CLI on `model` alone.
std::string SingleRun(const std::string& model,
                      const std::vector<std::string>& flags = {}) {
  const std::string out = MakeTempDir() + "/single.onnx";
  std::vector<std::string> args = {model, "-o", out};
  args.insert(args.end(), flags.begin(), flags.end());
  auto r = RunCli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return ReadFile(out);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(BatchTest, FolderTreeMirrorsModelsOnlyAndMatchesSingleRuns) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  const std::string out = root + "/out";
  auto r = RunCli({in, "-o", out, "--seed=7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(FilesUnder(out),
            (std::vector<std::string>{"a.onnx", "nested/deeper/r.onnx",
                                      "nested/g.onnx"}));
  for (const std::string& rel : FilesUnder(out)) {
    EXPECT_EQ(ReadFile(out + "/" + rel),
              SingleRun(in + "/" + rel, {"--seed=7"}))
        << rel;
  }
  // Not a terminal: no progress line, only the summary.
  EXPECT_TRUE(
      absl::StartsWith(r.err, "onnx-reinit: 3 models: 3 ok, 0 failed; "))
      << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(BatchTest, SeveralFilesGoToOutByFileName) {
  const std::string root = MakeTempDir();
  Copy(CorpusPath("mlp"), root + "/x/m1.onnx");
  Copy(CorpusPath("lstm_lm"), root + "/y/m2.onnx");
  auto r = RunCli({root + "/x/m1.onnx", root + "/y/m2.onnx", "-o",
                   root + "/out", "-q", "-j2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // --quiet: no summary
  EXPECT_EQ(FilesUnder(root + "/out"),
            (std::vector<std::string>{"m1.onnx", "m2.onnx"}));
  EXPECT_EQ(ReadFile(root + "/out/m2.onnx"), SingleRun(root + "/y/m2.onnx"));
}

TEST(BatchTest, TruncatedModelFailsAloneAndLeavesNothing) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  const std::string mlp = ReadFile(CorpusPath("mlp"));
  fs::create_directories(in + "/broken");
  WriteFile(in + "/broken/cut.onnx", mlp.substr(0, 3000));
  const std::string out = root + "/out";
  const std::string report = root + "/report.jsonl";
  auto r = RunCli({in, "-o", out, "--report=" + report});
  EXPECT_EQ(r.exit_code, 1);
  const std::string error =
      "\"" + in +
      "/broken/cut.onnx\" is not an ONNX model: malformed or truncated "
      "protobuf at byte 19: a message of 2144066 bytes runs past the end of "
      "the file";
  const std::vector<std::string> err = Lines(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_EQ(err[0], "onnx-reinit: error: " + error);
  EXPECT_TRUE(
      absl::StartsWith(err[1], "onnx-reinit: 4 models: 3 ok, 1 failed; "))
      << err[1];
  // The good models are written, byte-identical to single runs; nothing of
  // the bad one (not even its folder), no temporary files.
  EXPECT_EQ(FilesUnder(out),
            (std::vector<std::string>{"a.onnx", "nested/deeper/r.onnx",
                                      "nested/g.onnx"}));
  EXPECT_FALSE(fs::exists(out + "/broken"));
  EXPECT_EQ(ReadFile(out + "/nested/g.onnx"), SingleRun(in + "/nested/g.onnx"));
  // The report: one line per model, in path order, the failure with its
  // message.
  const std::vector<std::string> lines = Lines(ReadFile(report));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(absl::StartsWith(
      lines[1], "{\"model\":\"" + in + "/broken/cut.onnx\",\"output\":\"" +
                    out + "/broken/cut.onnx\""))
      << lines[1];
  EXPECT_TRUE(absl::StrContains(
      lines[1], "\"status\":\"error\",\"error\":\"" +
                    absl::StrReplaceAll(error, {{"\"", "\\\""}}) + "\""))
      << lines[1];
  for (int i : {0, 2, 3}) {
    EXPECT_TRUE(absl::StrContains(lines[i], "\"status\":\"ok\",\"error\":\"\""))
        << lines[i];
    EXPECT_TRUE(absl::StrContains(lines[i], "\"tensors\":[{")) << lines[i];
  }
  EXPECT_TRUE(absl::StrContains(lines[0], "\"tensors_rewritten\":6,"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(
      lines[0],
      absl::StrCat("\"bytes_written\":", fs::file_size(out + "/a.onnx"), ",")))
      << lines[0];
  EXPECT_EQ(FilesUnder(root).size(), FilesUnder(in).size() + 3 + 1)
      << "a temporary file is left";
}

TEST(BatchTest, FailFastStopsAtTheFirstFailure) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  // Sorted first ("0..." < "a.onnx").
  WriteFile(in + "/0-bad.onnx", "garbage");
  const std::string out = root + "/out";
  auto r = RunCli({in, "-o", out, "--fail_fast", "--jobs=1"});
  EXPECT_EQ(r.exit_code, 1);
  const std::vector<std::string> err = Lines(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_TRUE(absl::StartsWith(
      err[0],
      "onnx-reinit: error: \"" + in + "/0-bad.onnx\" is not an ONNX model"))
      << err[0];
  EXPECT_TRUE(absl::StartsWith(
      err[1], "onnx-reinit: 4 models: 0 ok, 1 failed, 3 skipped; "))
      << err[1];
  EXPECT_FALSE(fs::exists(out));
  // Without it, the others are still written.
  auto all = RunCli({in, "-o", out, "--jobs=1"});
  EXPECT_EQ(all.exit_code, 1);
  EXPECT_EQ(FilesUnder(out).size(), 3u);
}

TEST(BatchTest, ShardsPartitionTheBatchWithTheSameBytes) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  Copy(CorpusPath("squeezenet1_1"), in + "/s.onnx");
  Copy(CorpusPath("dcgan_generator"), in + "/nested/d.onnx");
  auto whole = RunCli({in, "-o", root + "/whole", "-q"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::vector<std::string> all = FilesUnder(root + "/whole");
  ASSERT_EQ(all.size(), 5u);
  std::multiset<std::string> union_of_shards;
  for (int i = 0; i < 3; ++i) {
    const std::string out = absl::StrCat(root, "/shard", i);
    auto r = RunCli({in, "-o", out, absl::StrCat("--shard=", i, "/3"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> files = FilesUnder(out);
    // Sorted relative paths: a, nested/d, nested/deeper/r, nested/g, s.
    EXPECT_EQ(files.size(), i < 2 ? 2u : 1u) << "shard " << i;
    for (const std::string& f : files) {
      union_of_shards.insert(f);
      EXPECT_EQ(ReadFile(out + "/" + f), ReadFile(root + "/whole/" + f)) << f;
    }
  }
  EXPECT_EQ(
      std::vector<std::string>(union_of_shards.begin(), union_of_shards.end()),
      all);
}

TEST(BatchTest, JobsAndThreadsDoNotChangeBytes) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  Copy(CorpusPath("transformer_encoder"), in + "/t.onnx");
  auto one = RunCli({in, "-o", root + "/one", "--jobs=1", "--threads=1",
                     "--strategy=orthogonal", "-q"});
  auto four = RunCli({in, "-o", root + "/four", "--jobs=4", "--threads=3",
                      "--strategy=orthogonal", "-q"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(four.exit_code, 0) << four.err;
  const std::vector<std::string> files = FilesUnder(root + "/one");
  ASSERT_EQ(files, FilesUnder(root + "/four"));
  ASSERT_EQ(files.size(), 4u);
  for (const std::string& f : files) {
    EXPECT_EQ(ReadFile(root + "/one/" + f), ReadFile(root + "/four/" + f)) << f;
  }
}

TEST(BatchTest, SeedFromPathGivesEachFileItsOwnValues) {
  const std::string root = MakeTempDir();
  Copy(CorpusPath("mlp"), root + "/in/a.onnx");
  Copy(CorpusPath("mlp"), root + "/in/b/a.onnx");
  auto same = RunCli({root + "/in", "-o", root + "/same", "--seed=9", "-q"});
  auto derived = RunCli({root + "/in", "-o", root + "/derived", "--seed=9",
                         "--seed_from=path", "-q"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  ASSERT_EQ(derived.exit_code, 0) << derived.err;
  EXPECT_EQ(ReadFile(root + "/same/a.onnx"), ReadFile(root + "/same/b/a.onnx"));
  EXPECT_NE(ReadFile(root + "/derived/a.onnx"),
            ReadFile(root + "/derived/b/a.onnx"));
  // The derived seed is SeedForPath(seed, relative path): a single run with
  // that seed gives the same bytes.
  EXPECT_EQ(ReadFile(root + "/derived/b/a.onnx"),
            SingleRun(root + "/in/b/a.onnx",
                      {absl::StrCat("--seed=", SeedForPath(9, "b/a.onnx"))}));
}

TEST(BatchTest, ExternalDataModelInABatchBringsItsDataFile) {
  const std::string root = MakeTempDir();
  const std::string in = root + "/in";
  fs::create_directories(in + "/ext");
  // A model whose weights are in a data file beside it, made by the CLI.
  auto made =
      RunCli({CorpusPath("mlp"), "-o", in + "/ext/m.onnx",
              "--external_data=external", "--external_file=w.bin", "-q"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Copy(CorpusPath("lstm_lm"), in + "/l.onnx");
  auto r = RunCli({in, "-o", root + "/out", "--seed=4", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(FilesUnder(root + "/out"),
            (std::vector<std::string>{"ext/m.onnx", "ext/w.bin", "l.onnx"}));
  const std::string single = MakeTempDir();
  auto s = RunCli({in + "/ext/m.onnx", "-o", single + "/m.onnx", "--seed=4"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(ReadFile(root + "/out/ext/m.onnx"), ReadFile(single + "/m.onnx"));
  EXPECT_EQ(ReadFile(root + "/out/ext/w.bin"), ReadFile(single + "/w.bin"));
  EXPECT_NE(ReadFile(root + "/out/ext/w.bin"), ReadFile(in + "/ext/w.bin"));
}

TEST(BatchTest, TwoModelsSharingADataFileAreNotBothWritten) {
  const std::string root = MakeTempDir();
  const std::string in = root + "/in";
  fs::create_directories(in);
  auto made =
      RunCli({CorpusPath("mlp"), "-o", in + "/m.onnx",
              "--external_data=external", "--external_file=w.bin", "-q"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  WriteFile(in + "/n.onnx", ReadFile(in + "/m.onnx"));
  auto r = RunCli({in, "-o", root + "/out", "--jobs=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Lines(r.err)[0],
            "onnx-reinit: error: \"" + in + "/n.onnx\": its data file \"" +
                root + "/out/w.bin\" is also written for \"" + in +
                "/m.onnx\"; models that share a data file cannot be written "
                "to one folder in one batch");
  EXPECT_EQ(FilesUnder(root + "/out"),
            (std::vector<std::string>{"m.onnx", "w.bin"}));
}

TEST(BatchTest, PlanOfSeveralModelsIsOnePlanPerModel) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  auto json = RunCli({in, "--plan", "--format=json", "--seed=42"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const std::vector<std::string> lines = Lines(json.out);
  ASSERT_EQ(lines.size(), 3u) << json.out;
  EXPECT_TRUE(absl::StrContains(lines[1], "\"seed\":\"42\"")) << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[0], "{\"model\":\"" + in + "/a.onnx\""));
  EXPECT_TRUE(
      absl::StartsWith(lines[2], "{\"model\":\"" + in + "/nested/g.onnx\""));
  auto text = RunCli({in, "--plan"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(absl::StartsWith(text.out, "== " + in + "/a.onnx ==\n"))
      << text.out.substr(0, 200);
  EXPECT_TRUE(
      absl::StrContains(text.out, "\n== " + in + "/nested/g.onnx ==\n"));
  EXPECT_FALSE(fs::exists(root + "/out"));
}

// stderr+stdout of `args` run under a pseudo-terminal (util-linux `script`).
std::string RunOnTerminal(const std::vector<std::string>& args) {
  std::string command = REINIT_TEST_CLI;
  for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
  const std::string shell =
      absl::StrCat("script -qec \"", command, "\" /dev/null");
  std::string output;
  if (FILE* pipe = ::popen(shell.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, n);
    }
    ::pclose(pipe);
  }
  return output;
}

TEST(BatchTest, ProgressLineOnlyOnATerminalAndNotWithQuiet) {
  if (::system("command -v script >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "util-linux script is not installed";
  }
  const std::string root = MakeTempDir();
  // Slow enough (orthogonal, one thread, one model at a time) for several
  // redraws every 200 ms.
  const std::vector<std::string> args = {
      REINIT_TEST_CORPUS_DIR, "-o", root + "/out", "--jobs=1", "--threads=1",
      "--strategy=orthogonal"};
  const std::string shown = RunOnTerminal(args);
  EXPECT_TRUE(absl::StrContains(shown, "\r\033[Kmodels ")) << shown;
  EXPECT_TRUE(absl::StrContains(shown, "/10 \u00b7 ")) << shown;
  EXPECT_TRUE(absl::StrContains(shown, " MB/s \u00b7 ETA ")) << shown;
  // Cleared before the summary.
  EXPECT_TRUE(absl::StrContains(shown, "\r\033[Konnx-reinit: 10 models: 10 ok"))
      << shown;
  std::vector<std::string> quiet = args;
  quiet[2] = root + "/quiet";
  quiet.push_back("-q");
  EXPECT_EQ(RunOnTerminal(quiet), "");
}

TEST(BatchTest, InPlaceRewritesEveryModelOfAFolder) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  const std::string expected = SingleRun(in + "/nested/g.onnx", {"--seed=2"});
  auto r = RunCli({in, "--in_place", "--seed=2", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(in + "/nested/g.onnx"), expected);
  EXPECT_EQ(ReadFile(in + "/notes.txt"), "hello");
}

TEST(BatchTest, OutInsideAnInputFolderIsAUsageErrorAndWritesNothing) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  const std::vector<std::string> before = FilesUnder(root);
  auto r = RunCli({in, "-o", in + "/out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "onnx-reinit: error: -o \"" + in +
                       "/out\" lies inside the input folder \"" + in +
                       "\"; choose an output folder outside it\n");
  fs::create_directories(root + "/out2/in");
  auto input_inside = RunCli({root + "/out2/in", "-o", root + "/out2"});
  EXPECT_EQ(input_inside.exit_code, 2);
  EXPECT_EQ(input_inside.err, "onnx-reinit: error: the input folder \"" + root +
                                  "/out2/in\" lies inside -o \"" + root +
                                  "/out2\"; choose an output folder "
                                  "outside it\n");
  fs::remove_all(root + "/out2");
  EXPECT_EQ(FilesUnder(root), before);
}

TEST(BatchTest, TwoInputsForOneOutputAreAUsageError) {
  const std::string root = MakeTempDir();
  Copy(CorpusPath("mlp"), root + "/a/m.onnx");
  Copy(CorpusPath("lstm_lm"), root + "/b/m.onnx");
  auto r = RunCli({root + "/a", root + "/b", "-o", root + "/out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "onnx-reinit: error: \"" + root + "/a/m.onnx\" and \"" +
                       root + "/b/m.onnx\" would both be written to \"" + root +
                       "/out/m.onnx\"\n");
  EXPECT_FALSE(fs::exists(root + "/out"));
}

TEST(BatchTest, AFileAsOutForSeveralModelsIsAUsageError) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  WriteFile(root + "/out.onnx", "x");
  auto r = RunCli({in, "-o", root + "/out.onnx"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "onnx-reinit: error: -o \"" + root +
                       "/out.onnx\" is a file; with several models (or a "
                       "folder) OUT is a folder\n");
  EXPECT_EQ(ReadFile(root + "/out.onnx"), "x");
}

TEST(BatchTest, BadBatchFlagsAreUsageErrors) {
  const std::string root = MakeTempDir();
  const std::string in = MakeTree(root);
  auto shard = RunCli({in, "-o", root + "/out", "--shard=3/3"});
  EXPECT_EQ(shard.exit_code, 2);
  EXPECT_EQ(shard.err,
            "onnx-reinit: error: --shard takes I/N with whole numbers 0 <= I "
            "< N, got \"3/3\"\n");
  auto jobs = RunCli({in, "-o", root + "/out", "--jobs=-1"});
  EXPECT_EQ(jobs.exit_code, 2);
  EXPECT_EQ(jobs.err,
            "onnx-reinit: error: --jobs takes a whole number from 0 to 1024, "
            "got \"-1\"\n");
  auto seed_from = RunCli({in, "-o", root + "/out", "--seed_from=name"});
  EXPECT_EQ(seed_from.exit_code, 2);
  EXPECT_EQ(seed_from.err,
            "onnx-reinit: error: --seed_from takes none or path, got "
            "\"name\"\n");
  EXPECT_FALSE(fs::exists(root + "/out"));
}

}  // namespace
}  // namespace onnx_reinit
