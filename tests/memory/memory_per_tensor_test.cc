// Memory per tensor (issue 13, defect 7). A model of 100,000 tensors, each
// read by a MatMul (support/many_tensors_model.h), is reinitialized (as the
// CLI does without --report) and planned with its JSON written out (as
// --plan --format=json does), and the peak heap of each, per tensor, may
// exceed the peak heap of merely holding the model's metadata (its bytes and
// the parsed ModelProto at once, as reading it takes) by at most 200 bytes.
// What every run costs whatever the model (thread scratch, write buffers)
// is taken out by the same measurements on a model of 1,000 tensors:
//   ((peak(N) - peak(n)) - (metadata(N) - metadata(n))) / (N - n).
// The heap is counted by heap_counter.cc (every operator new of the
// process); no timing. bench/many_tensors.sh measures RSS and time up to a
// million tensors.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "heap_counter.h"
#include "onnx/onnx_pb.h"
#include "onnx_reinit/onnx_reinit.h"
#include "support/many_tensors_model.h"
#include "support/model_text.h"

namespace onnx_reinit {
namespace {

constexpr int64_t kTensors = 100000;
constexpr int64_t kFewTensors = 1000;
constexpr double kMaxBytesPerTensor = 200;

// Peak heap of `run`, beyond what was in use before it.
template <typename Run>
size_t PeakOf(Run run) {
  const size_t before = testing::HeapInUse();
  testing::ResetHeapPeak();
  run();
  return testing::HeapPeak() - before;
}

class MemoryPerTensorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir());
    for (int64_t n : {kTensors, kFewTensors}) {
      ASSERT_TRUE(testing::WriteManyTensorsModel(Model(n), n));
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Model(int64_t n) {
    return absl::StrCat(*dir_, "/m", n, ".onnx");
  }

  // Holding the metadata: the serialized model and its parse at once.
  static size_t MetadataPeak(int64_t n) {
    return PeakOf([n] {
      const std::string bytes = testing::ReadFile(Model(n));
      onnx::ModelProto model;
      EXPECT_TRUE(model.ParseFromString(bytes));
    });
  }

  static Reinitializer Make() {
    Options options;
    options.threads = 2;  // the same fixed costs on every machine
    absl::StatusOr<Reinitializer> r = Reinitializer::Create(options);
    EXPECT_TRUE(r.ok()) << r.status();
    return *std::move(r);
  }

  // Bytes per tensor beyond the metadata, fixed costs taken out.
  static double BeyondMetadata(size_t peak_many, size_t peak_few) {
    const double run = static_cast<double>(peak_many) - peak_few;
    const double metadata =
        static_cast<double>(MetadataPeak(kTensors)) - MetadataPeak(kFewTensors);
    const double per_tensor = (run - metadata) / (kTensors - kFewTensors);
    RecordProperty("bytes_per_tensor_beyond_metadata",
                   absl::StrCat(static_cast<int64_t>(per_tensor)));
    return per_tensor;
  }

  static std::string* dir_;
};

std::string* MemoryPerTensorTest::dir_ = nullptr;

TEST_F(MemoryPerTensorTest, TheCounterSeesTheMetadata) {
  // A parsed node and tensor take hundreds of bytes: were operator new not
  // counted, every bound below would hold vacuously.
  EXPECT_GT(static_cast<double>(MetadataPeak(kTensors)) / kTensors, 400);
}

TEST_F(MemoryPerTensorTest, ReinitializingKeepsLittleBeyondTheMetadata) {
  const Reinitializer reinitializer = Make();
  RunControl control;
  control.tensor_report = false;  // the CLI without --report
  auto run = [&](int64_t n) {
    return PeakOf([&] {
      absl::StatusOr<RunReport> report = reinitializer.Reinitialize(
          Model(n), absl::StrCat(*dir_, "/out", n, ".onnx"), control);
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_EQ(report->tensors_rewritten(), static_cast<uint32_t>(n));
    });
  };
  const size_t few = run(kFewTensors);
  const size_t many = run(kTensors);
  EXPECT_LE(BeyondMetadata(many, few), kMaxBytesPerTensor)
      << "peak heap " << many << " bytes for " << kTensors << " tensors";
}

TEST_F(MemoryPerTensorTest, PlanningAsJsonKeepsLittleBeyondTheMetadata) {
  const Reinitializer reinitializer = Make();
  auto plan = [&](int64_t n) {
    return PeakOf([&] {
      absl::StatusOr<RunReport> report = reinitializer.Plan(Model(n), 0);
      ASSERT_TRUE(report.ok()) << report.status();
      uint64_t bytes = 0;
      ASSERT_TRUE(report
                      ->WriteJson([&](std::string_view piece) {
                        bytes += piece.size();
                        return absl::OkStatus();
                      })
                      .ok());
      EXPECT_GT(bytes, static_cast<uint64_t>(n) * 500);  // every record
    });
  };
  const size_t few = plan(kFewTensors);
  const size_t many = plan(kTensors);
  EXPECT_LE(BeyondMetadata(many, few), kMaxBytesPerTensor)
      << "peak heap " << many << " bytes for " << kTensors << " tensors";
}

}  // namespace
}  // namespace onnx_reinit
