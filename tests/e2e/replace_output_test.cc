// Replacing an existing output: the new file keeps the old one's mode and
// owner (the model, in place or with -o, and the data files), and a symbolic
// link at the output is refused, not replaced by a file.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/corpus.h"
#include "support/external_model.h"
#include "support/model_text.h"
#include "support/run_cli.h"
#include "support/same_bytes.h"
#include "support/spawn_cli.h"

namespace onnx_reinit {
namespace {

using testing::CorpusPath;
using testing::ListDir;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunCli;
using testing::WriteFile;

struct Owner {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  bool operator==(const Owner& o) const {
    return mode == o.mode && uid == o.uid && gid == o.gid;
  }
};

std::ostream& operator<<(std::ostream& os, const Owner& o) {
  return os << "mode 0" << std::oct << o.mode << std::dec << ", uid " << o.uid
            << ", gid " << o.gid;
}

Owner OwnerOf(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return {st.st_mode & 07777, st.st_uid, st.st_gid};
}

void SetOwner(const std::string& path, const Owner& owner) {
  ASSERT_EQ(::chown(path.c_str(), owner.uid, owner.gid), 0) << path;
  ASSERT_EQ(::chmod(path.c_str(), owner.mode), 0) << path;
}

TEST(ReplaceOutputTest, InPlaceKeepsTheModelsModeAndOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to another owner needs root";
  const std::string dir = MakeTempDir();
  const std::string model = dir + "/m.onnx";
  WriteFile(model, ReadFile(CorpusPath("mlp")));
  const Owner owner{0600, 1234, 5678};
  SetOwner(model, owner);
  const testing::CliResult r = RunCli({model, "--in_place", "--seed=3", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(
      testing::SameBytes(ReadFile(model), ReadFile(CorpusPath("mlp"))));
  EXPECT_EQ(OwnerOf(model), owner);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"m.onnx"});
}

TEST(ReplaceOutputTest, InPlaceKeepsTheDataFilesModesAndOwners) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to another owner needs root";
  const std::string dir = MakeTempDir();
  testing::WriteExternalDataModel(dir, 2, 16, 16);
  const Owner model{0640, 1234, 5678}, w0{0600, 4321, 8765},
      w1{02604, 1111, 2222};
  SetOwner(dir + "/model.onnx", model);
  SetOwner(dir + "/w0.bin", w0);
  SetOwner(dir + "/w1.bin", w1);
  const std::string before = ReadFile(dir + "/w0.bin");
  const testing::CliResult r =
      RunCli({dir + "/model.onnx", "--in_place", "--seed=3", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(testing::SameBytes(ReadFile(dir + "/w0.bin"), before));
  EXPECT_EQ(OwnerOf(dir + "/model.onnx"), model);
  EXPECT_EQ(OwnerOf(dir + "/w0.bin"), w0);
  EXPECT_EQ(OwnerOf(dir + "/w1.bin"), w1);
  EXPECT_EQ(ListDir(dir),
            (std::vector<std::string>{"model.onnx", "w0.bin", "w1.bin"}));
}

TEST(ReplaceOutputTest, OutputOverAnExistingFileKeepsItsModeAndOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to another owner needs root";
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/out.onnx";
  WriteFile(out, "previous");
  const Owner owner{0604, 1234, 5678};
  SetOwner(out, owner);
  const testing::CliResult r =
      RunCli({CorpusPath("mlp"), "-o", out, "--seed=3", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(OwnerOf(out), owner);
  EXPECT_EQ(ReadFile(out).size(), ReadFile(CorpusPath("mlp")).size());
}

TEST(ReplaceOutputTest, NewOutputGetsTheUsualModeFromTheUmask) {
  const std::string dir = MakeTempDir();
  for (mode_t mask : {022, 077}) {
    SCOPED_TRACE(mask);
    const std::string out = dir + "/out" + std::to_string(mask) + ".onnx";
    const testing::CliProcess run = testing::StartCli(
        {CorpusPath("mlp"), "-o", out, "-q"}, [mask] { ::umask(mask); });
    const testing::CliEnd end = testing::WaitCli(run);
    ASSERT_EQ(end.wait_status, 0) << end.err;
    EXPECT_EQ(OwnerOf(out).mode, 0666 & ~mask);
  }
}

TEST(ReplaceOutputTest, SymbolicLinkAtTheOutputIsRefusedAndLeftAlone) {
  const std::string dir = MakeTempDir();
  const std::string model = dir + "/m.onnx", link = dir + "/link.onnx";
  WriteFile(model, ReadFile(CorpusPath("mlp")));
  ASSERT_EQ(::symlink("m.onnx", link.c_str()), 0);
  const std::string expected =
      "onnx-reinit: error: \"" + link +
      "\" is a symbolic link (to \"m.onnx\"); links are neither replaced nor "
      "followed: name the file itself\n";
  const testing::CliResult in_place = RunCli({link, "--in_place", "-q"});
  EXPECT_EQ(in_place.exit_code, 1);
  EXPECT_EQ(in_place.err, expected);
  const testing::CliResult output =
      RunCli({CorpusPath("mlp"), "-o", link, "-q"});
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_EQ(output.err, expected);
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_TRUE(testing::SameBytes(ReadFile(model), ReadFile(CorpusPath("mlp"))));
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"link.onnx", "m.onnx"}));
}

}  // namespace
}  // namespace onnx_reinit
