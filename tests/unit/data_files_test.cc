// DataFileSet (io/data_files.h): extents are checked against their files and
// their lengths resolved; each output data file is created at its input's
// size with nothing written yet, under a temporary name until Commit(),
// taking from its input exactly the bytes outside the rewritten extents;
// rewritten tensors that share bytes are refused before anything is created.
#include "io/data_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

void WriteFile(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()),
            static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = d == nullptr ? nullptr : ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  if (d != nullptr) ::closedir(d);
  return names;
}

std::vector<std::string> SortedNames(const std::string& dir) {
  std::vector<std::string> names = Names(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::string bytes;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return bytes;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) bytes.append(buffer, n);
  ::close(fd);
  return bytes;
}

// A FLOAT tensor of `count` values at `offset` of data.bin.
DataExtent Tensor(const std::string& name, uint64_t offset, int64_t count,
                  bool rewrite) {
  DataExtent e;
  e.name = name;
  e.dtype = onnx::TensorProto::FLOAT;
  e.dims = {count};
  e.location = "data.bin";
  e.offset = offset;
  e.length = 4 * static_cast<uint64_t>(count);
  e.rewritten = rewrite;
  return e;
}

struct Folders {
  std::string in = testing::MakeTempDir();
  std::string out = testing::MakeTempDir();
  ~Folders() {
    for (const std::string& dir : {in, out}) {
      for (const std::string& name : Names(dir)) {
        ::unlink((dir + "/" + name).c_str());
      }
      ::rmdir(dir.c_str());
    }
  }
};

TEST(DataFilesTest, OutputTakesEveryByteOutsideTheRewrittenExtents) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(1000, 'x'));
  // Kept [0, 100); rewritten [100, 140), [140, 180); kept [200, 240);
  // rewritten [400, 800); the rest of the file kept.
  std::vector<DataExtent> plan = {
      Tensor("b", 140, 10, true), Tensor("a", 100, 10, true),
      Tensor("k", 200, 10, false), Tensor("c", 400, 100, true)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", plan);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ((*set)->outputs().size(), 1u);
  const DataFileOutput& out = (*set)->outputs()[0];
  EXPECT_EQ(out.location, "data.bin");
  struct stat st;
  ASSERT_EQ(::fstat(out.fd, &st), 0);
  EXPECT_EQ(st.st_size, 1000);
  EXPECT_EQ(st.st_blocks, 0);  // nothing written yet
  const int in_fd = (*set)->InputFd("data.bin");
  ASSERT_GE(in_fd, 0);
  std::vector<std::vector<uint64_t>> copies;
  for (const CopiedRange& c : out.copies) {
    EXPECT_EQ(c.source_fd, in_fd);
    EXPECT_EQ(c.from, c.to);
    copies.push_back({c.from, c.size});
  }
  EXPECT_EQ(copies, (std::vector<std::vector<uint64_t>>{
                        {0, 100}, {180, 220}, {800, 200}}));
}

TEST(DataFilesTest, RewrittenTensorsSharingBytesAreRefusedBeforeWriting) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(1000, 'x'));
  std::vector<DataExtent> plan = {Tensor("first", 0, 100, true),
                                  Tensor("second", 396, 10, true)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", plan);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(set.status().message(),
            "\"" + f.in +
                "/model.onnx\": tensors \"first\" and \"second\" share bytes "
                "of the data file \"data.bin\"; each rewritten tensor needs "
                "bytes of its own");
  EXPECT_TRUE(Names(f.out).empty());
}

TEST(DataFilesTest, AKeptTensorMayShareBytesWithARewrittenOne) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  std::vector<DataExtent> plan = {Tensor("rewritten", 0, 100, true),
                                  Tensor("tied", 0, 100, false)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", plan);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->outputs()[0].copies.empty());
}

TEST(DataFilesTest, ALengthlessExtentRunsToTheEndOfItsFile) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  DataExtent rest = Tensor("rest", 160, 60, true);
  rest.length.reset();
  std::vector<DataExtent> plan = {Tensor("first", 0, 40, false), rest};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", plan);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->lengths(), (std::vector<uint64_t>{160, 240}));
  ASSERT_EQ((*set)->outputs().size(), 1u);
  ASSERT_EQ((*set)->outputs()[0].copies.size(), 1u);
  EXPECT_EQ((*set)->outputs()[0].copies[0].from, 0u);
  EXPECT_EQ((*set)->outputs()[0].copies[0].size, 160u);
}

TEST(DataFilesTest, ALengthlessExtentOfTheWrongSizeIsRefused) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(120, 'x'));
  DataExtent w = Tensor("W", 100, 16, true);
  w.dims = {4, 4};
  w.length.reset();
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", {w});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(set.status().message(),
            "\"" + f.in +
                "/model.onnx\": initializer \"W\": external data from offset "
                "100 to the end of \"data.bin\" is 20 bytes but dims [4, 4] "
                "of FLOAT need 64 bytes");
  EXPECT_TRUE(Names(f.out).empty());
}

TEST(DataFilesTest, AMissingDataFileIsNotFoundNamingTheModel) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  absl::StatusOr<std::unique_ptr<DataFileSet>> set = DataFileSet::Prepare(
      f.in + "/model.onnx", f.out + "/model.onnx", {Tensor("W", 0, 10, true)});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(
      set.status().message(),
      "\"" + f.in + "/model.onnx\": data file \"data.bin\" does not exist");
  EXPECT_TRUE(Names(f.out).empty());
}

TEST(DataFilesTest, WithoutCopyTheInputsAreOnlyOpened) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx",
                           {Tensor("W", 0, 100, true)}, /*copy=*/false);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->lengths(), (std::vector<uint64_t>{400}));
  EXPECT_TRUE((*set)->outputs().empty());
  EXPECT_GE((*set)->InputFd("data.bin"), 0);
  EXPECT_EQ((*set)->InputFd("other.bin"), -1);
  EXPECT_TRUE(Names(f.out).empty());
}

TEST(DataFilesTest, OutputsAreTemporaryUntilCommit) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  absl::StatusOr<std::unique_ptr<DataFileSet>> set = DataFileSet::Prepare(
      f.in + "/model.onnx", f.out + "/model.onnx", {Tensor("W", 0, 100, true)});
  ASSERT_TRUE(set.ok()) << set.status();
  absl::StatusOr<DataFileOutput> added =
      (*set)->AddNew("new.bin", 64, /*copies=*/{});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->path, f.out + "/new.bin");
  ASSERT_EQ((*set)->outputs().size(), 2u);
  ASSERT_EQ(::pwrite((*set)->outputs()[0].fd, "data", 4, 0), 4);
  const std::vector<std::string> temporary = SortedNames(f.out);
  ASSERT_EQ(temporary.size(), 2u);
  for (const std::string& name : temporary) {
    EXPECT_NE(name, "data.bin");
    EXPECT_NE(name, "new.bin");
  }
  ASSERT_TRUE((*set)->Commit().ok());
  (*set)->Finish();
  EXPECT_EQ(SortedNames(f.out),
            (std::vector<std::string>{"data.bin", "new.bin"}));
  EXPECT_EQ(ReadFile(f.out + "/data.bin"), "data" + std::string(396, '\0'));
  EXPECT_EQ(ReadFile(f.out + "/new.bin"), std::string(64, '\0'));
  set->reset();  // finished files stay
  EXPECT_EQ(SortedNames(f.out),
            (std::vector<std::string>{"data.bin", "new.bin"}));
}

TEST(DataFilesTest, DestroyedWithoutCommitLeavesNothing) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  {
    absl::StatusOr<std::unique_ptr<DataFileSet>> set =
        DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx",
                             {Tensor("W", 0, 100, true)});
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(Names(f.out).size(), 1u);
  }
  EXPECT_TRUE(Names(f.out).empty());
}

TEST(DataFilesTest, ANewFileAtAnInputLocationIsRefused) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  absl::StatusOr<std::unique_ptr<DataFileSet>> set = DataFileSet::Prepare(
      f.in + "/model.onnx", f.out + "/model.onnx", {Tensor("W", 0, 100, true)});
  ASSERT_TRUE(set.ok()) << set.status();
  absl::StatusOr<DataFileOutput> added = (*set)->AddNew("data.bin", 64, {});
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(added.status().message(),
            "\"" + f.out +
                "/model.onnx\": the new data file \"data.bin\" is also an "
                "input data file; choose another --external_file");
}

TEST(DataFilesTest, WithoutFinishCommitIsUndone) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  // A previous output's data file is at one of the locations.
  WriteFile(f.out + "/data.bin", "previous");
  {
    absl::StatusOr<std::unique_ptr<DataFileSet>> set =
        DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx",
                             {Tensor("W", 0, 100, true)});
    ASSERT_TRUE(set.ok()) << set.status();
    ASSERT_TRUE((*set)->AddNew("new.bin", 64, /*copies=*/{}).ok());
    ASSERT_TRUE((*set)->Commit().ok());
    EXPECT_EQ(ReadFile(f.out + "/data.bin"), std::string(400, '\0'));
    EXPECT_EQ(ReadFile(f.out + "/new.bin"), std::string(64, '\0'));
    // The model's commit failed: the set is destroyed without Finish().
  }
  EXPECT_EQ(SortedNames(f.out), std::vector<std::string>{"data.bin"});
  EXPECT_EQ(ReadFile(f.out + "/data.bin"), "previous");
}

TEST(DataFilesTest, FinishRemovesTheDisplacedFiles) {
  Folders f;
  WriteFile(f.in + "/model.onnx", "");
  WriteFile(f.in + "/data.bin", std::string(400, 'x'));
  WriteFile(f.out + "/data.bin", "previous");
  {
    absl::StatusOr<std::unique_ptr<DataFileSet>> set =
        DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx",
                             {Tensor("W", 0, 100, true)});
    ASSERT_TRUE(set.ok()) << set.status();
    ASSERT_TRUE((*set)->Commit().ok());
    (*set)->Finish();
  }
  EXPECT_EQ(SortedNames(f.out), std::vector<std::string>{"data.bin"});
  EXPECT_EQ(ReadFile(f.out + "/data.bin"), std::string(400, '\0'));
}

}  // namespace
}  // namespace onnx_reinit
