// DataFileSet (io/data_files.h): each output data file is created at its
// input's size with nothing written yet, taking from its input exactly the
// bytes outside the rewritten tensors' extents; rewritten tensors that share
// bytes are refused before anything is created.
#include "io/data_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// A FLOAT tensor of `count` values at `offset` of data.bin.
TensorPlan Tensor(const std::string& name, uint64_t offset, int64_t count,
                  bool rewrite) {
  TensorPlan p;
  p.name = name;
  p.dtype = onnx::TensorProto::FLOAT;
  p.dims = {count};
  p.element_count = static_cast<uint64_t>(count);
  p.rewrite = rewrite;
  p.external =
      TensorPlan::External{"data.bin", offset, 4 * p.element_count, false};
  return p;
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
  std::vector<TensorPlan> plan = {
      Tensor("b", 140, 10, true), Tensor("a", 100, 10, true),
      Tensor("k", 200, 10, false), Tensor("c", 400, 100, true)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", &plan);
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
  std::vector<TensorPlan> plan = {Tensor("first", 0, 100, true),
                                  Tensor("second", 396, 10, true)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", &plan);
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
  std::vector<TensorPlan> plan = {Tensor("rewritten", 0, 100, true),
                                  Tensor("tied", 0, 100, false)};
  absl::StatusOr<std::unique_ptr<DataFileSet>> set =
      DataFileSet::Prepare(f.in + "/model.onnx", f.out + "/model.onnx", &plan);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->outputs()[0].copies.empty());
}

}  // namespace
}  // namespace onnx_reinit
