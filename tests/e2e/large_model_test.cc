// A model over 2 GiB, with external data, end to end: statistics on a sample
// of tensors and every byte outside the tensors unchanged. Skipped (with a
// message) only when the machine has less than 8 GiB of free disk.
#include "support/large_model.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reinit.h"
#include "support/model_text.h"
#include "support/rules_for.h"
#include "support/stats.h"

namespace onnx_reinit {
namespace {

uint64_t FreeBytes(const std::string& dir) {
  struct statvfs s;
  if (::statvfs(dir.c_str(), &s) != 0) return 0;
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

std::vector<float> ReadFloats(int fd, uint64_t offset, size_t n) {
  std::vector<float> v(n);
  EXPECT_EQ(::pread(fd, v.data(), n * 4, static_cast<off_t>(offset)),
            static_cast<ssize_t>(n * 4));
  return v;
}

TEST(LargeModelTest, ModelOverTwoGibibytesIsReinitializedEndToEnd) {
  const std::string in = testing::MakeTempDir(), out = testing::MakeTempDir();
  if (FreeBytes(in) < (uint64_t{8} << 30)) {
    GTEST_SKIP() << "less than 8 GiB free in " << in
                 << ": the > 2 GiB model test needs room for two copies";
  }
  // 20 layers of width 1856: 20 · 8 · 1856² · 4 bytes ≈ 2.2 GB.
  const testing::LargeModel model = testing::WriteLargeModel(in, 20, 1856);
  ASSERT_FALSE(model.model_path.empty());
  ASSERT_GT(model.data_size, uint64_t{2} << 30);

  ReinitOptions options;
  options.plan.rules = testing::RulesFor("he_normal", "zeros");
  options.rewrite.seed = 11;
  absl::StatusOr<Report> report =
      ReinitializeFile(model.model_path, out + "/model.onnx", options);
  ASSERT_TRUE(report.ok()) << report.status();

  const int fd = ::open((out + "/weights.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(static_cast<uint64_t>(::lseek(fd, 0, SEEK_END)), model.data_size);
  // The markers before the first and after the last tensor are intact.
  char marker[sizeof(testing::kLargeModelMarker)];
  ASSERT_EQ(::pread(fd, marker, sizeof(marker), 0), ssize_t(sizeof(marker)));
  EXPECT_EQ(std::memcmp(marker, testing::kLargeModelMarker, sizeof(marker)), 0);
  ASSERT_EQ(::pread(fd, marker, sizeof(marker),
                    off_t(model.data_size - sizeof(marker))),
            ssize_t(sizeof(marker)));
  EXPECT_EQ(std::memcmp(marker, testing::kLargeModelMarker, sizeof(marker)), 0);

  // A sample of tensors: first and last layers' weights (he_normal, fan_in =
  // dim 0) and biases (zeros); the alignment gap before the first weight is
  // still zeros.
  const onnx::ModelProto written = testing::ReadModel(out + "/model.onnx");
  int checked = 0;
  for (const TensorRecord& r : report->tensors()) {
    if (r.name().rfind("layers.0.", 0) != 0 &&
        r.name().rfind("layers.19.", 0) != 0) {
      continue;
    }
    const onnx::TensorProto* t = nullptr;
    for (const auto& i : written.graph().initializer()) {
      if (i.name() == r.name()) t = &i;
    }
    ASSERT_NE(t, nullptr);
    uint64_t offset = 0;
    for (const auto& e : t->external_data()) {
      if (e.key() == "offset") offset = std::stoull(e.value());
    }
    const size_t n = std::min<size_t>(
        1 << 20, r.dims(0) * (r.dims_size() > 1 ? r.dims(1) : 1));
    const std::vector<float> v = ReadFloats(fd, offset, n);
    std::vector<double> d(v.begin(), v.end());
    const testing::Moments m = testing::ComputeMoments(d);
    EXPECT_EQ(r.action(), "rewrite") << r.name();
    if (r.role() == "weight") {
      const double sigma = std::sqrt(2.0 / r.dims(0));
      EXPECT_NEAR(m.mean, 0, 6 * sigma / std::sqrt(double(n))) << r.name();
      EXPECT_NEAR(m.std, sigma,
                  6 * sigma * std::sqrt(0.5) / std::sqrt(double(n)))
          << r.name();
    } else {
      EXPECT_EQ(m.min, 0) << r.name();
      EXPECT_EQ(m.max, 0) << r.name();
    }
    ++checked;
  }
  EXPECT_EQ(checked, 8);
  ::close(fd);

  // It cannot come back inline: a clear error, and nothing written.
  const std::string inline_out = testing::MakeTempDir();
  options.storage.mode = StorageOptions::Mode::kInline;
  absl::StatusOr<Report> too_big =
      ReinitializeFile(model.model_path, inline_out + "/model.onnx", options);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.status().message().find("over protobuf's 2 GiB limit"),
            std::string::npos)
      << too_big.status();
  EXPECT_TRUE(std::filesystem::is_empty(inline_out));
  std::filesystem::remove_all(inline_out);
  std::filesystem::remove_all(in);
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace onnx_reinit
