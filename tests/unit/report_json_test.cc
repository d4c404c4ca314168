// The streaming JSON writer prints exactly what protobuf's JSON printer
// prints for the same report (the oracle), in both layouts, for plans of the
// corpus and for records full of awkward strings and numbers; and streamed
// records give the same text as records held in the report.
#include "plan/report_json.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "plan/report.h"
#include "reinit.h"
#include "support/corpus.h"
#include "support/rules_for.h"

namespace onnx_reinit {
namespace {

std::string Oracle(const Report& report, JsonLayout layout) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = layout == JsonLayout::kIndented;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(report, &json, options).ok());
  if (layout == JsonLayout::kOneLine) json += "\n";
  return json;
}

std::string Written(const Report& report, JsonLayout layout) {
  std::string json;
  EXPECT_TRUE(WriteReportJson(report, layout, [&](absl::string_view piece) {
                return json.append(piece.data(), piece.size()),
                       absl::OkStatus();
              }).ok());
  return json;
}

std::string Streamed(const Report& report, JsonLayout layout) {
  Report header = report;
  header.clear_tensors();
  std::string json;
  const absl::Status status = WriteReportJson(
      header,
      [&](RecordVisitor visit) {
        for (const TensorRecord& r : report.tensors()) {
          absl::Status s = visit(r);
          if (!s.ok()) return s;
        }
        return absl::OkStatus();
      },
      layout,
      [&](absl::string_view piece) {
        json.append(piece.data(), piece.size());
        return absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
  return json;
}

void ExpectSameAsProtobuf(const Report& report) {
  for (JsonLayout layout : {JsonLayout::kIndented, JsonLayout::kOneLine}) {
    const std::string oracle = Oracle(report, layout);
    EXPECT_EQ(Written(report, layout), oracle);
    EXPECT_EQ(Streamed(report, layout), oracle);
  }
}

TEST(ReportJsonTest, CorpusPlansPrintAsProtobufPrintsThem) {
  for (const std::string& name : testing::CorpusModels()) {
    SCOPED_TRACE(name);
    PlanOptions options;
    options.rules = testing::RulesFor("orthogonal", "fan_in_uniform");
    absl::StatusOr<Report> report =
        PlanFile(testing::CorpusPath(name), options);
    ASSERT_TRUE(report.ok()) << report.status();
    report->set_seconds(0.125);
    for (int i = 0; i < report->tensors_size(); ++i) {
      report->mutable_tensors(i)->set_mean(1.0 / (i + 3));
      report->mutable_tensors(i)->set_std(std::sqrt(i + 2.0));
    }
    ExpectSameAsProtobuf(*report);
  }
}

TEST(ReportJsonTest, EmptyReportAndEmptyListsPrintAsProtobufPrintsThem) {
  Report report;
  ExpectSameAsProtobuf(report);
  report.add_tensors();
  report.add_tensors()->set_name("scalar");
  ExpectSameAsProtobuf(report);
}

TEST(ReportJsonTest, AwkwardStringsAreEscapedAsProtobufEscapesThem) {
  Report report;
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  const std::string strings[] = {
      controls,
      "quote \" backslash \\ slash / <tag> & 'apostrophe' \x7f end",
      "caf\xc3\xa9 \xe2\x80\xa8 line separator \xef\xbb\xbf bom",
      "\xc2\x85 C1 \xc2\xa0 nbsp \xc2\xad soft hyphen",
      "emoji \xf0\x9f\x98\x80 and tag \xf3\xa0\x80\x81",
      "invalid \xff\xfe bytes \xc3( and truncated \xe2\x82",
      std::string("nul \0 inside", 12),
  };
  for (const std::string& s : strings) {
    TensorRecord* r = report.add_tensors();
    r->set_name(s);
    r->set_reason(s);
    r->add_consumers(s);
    r->add_consumers("plain");
  }
  report.set_model(strings[1]);
  report.set_error(strings[2]);
  ExpectSameAsProtobuf(report);
}

TEST(ReportJsonTest, NumbersPrintAsProtobufPrintsThem) {
  const double doubles[] = {0.0,
                            -0.0,
                            0.1,
                            1.0 / 3,
                            std::sqrt(2.0),
                            1e21,
                            1e-300,
                            5e-324,
                            123456789012345680.0,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  Report report;
  report.set_seed(std::numeric_limits<uint64_t>::max());
  report.set_tensors_total(std::numeric_limits<uint32_t>::max());
  report.set_bytes_written(684445670.0);
  for (double d : doubles) {
    TensorRecord* r = report.add_tensors();
    r->set_mean(d);
    r->set_std(-d);
    r->set_target_std(d * 3);
    r->set_fan_in(std::numeric_limits<int64_t>::min());
    r->set_fan_out(std::numeric_limits<int64_t>::max());
    r->add_dims(-1);
    r->add_dims(0);
  }
  ExpectSameAsProtobuf(report);
}

TEST(ReportJsonTest, StreamedHeaderWithItsOwnTensorsIsRefused) {
  Report header;
  header.add_tensors();
  const absl::Status status = WriteReportJson(
      header, [](RecordVisitor) { return absl::OkStatus(); },
      JsonLayout::kOneLine, [](absl::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReportJsonTest, SinkErrorStopsTheWriting) {
  Report report;
  for (int i = 0; i < 2000; ++i) report.add_tensors()->set_name("t");
  int calls = 0;
  const absl::Status status =
      WriteReportJson(report, JsonLayout::kIndented, [&](absl::string_view) {
        ++calls;
        return absl::UnavailableError("disk gone");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST(ReportJsonTest, PlanTextOfStreamedRecordsEqualsTheReportsText) {
  PlanOptions options;
  options.rules = testing::RulesFor("he_normal", "zeros");
  absl::StatusOr<Report> report =
      PlanFile(testing::CorpusPath("transformer_encoder"), options);
  ASSERT_TRUE(report.ok()) << report.status();
  std::string text;
  ASSERT_TRUE(WritePlanText(
                  [&](RecordVisitor visit) {
                    for (const TensorRecord& r : report->tensors()) {
                      absl::Status s = visit(r);
                      if (!s.ok()) return s;
                    }
                    return absl::OkStatus();
                  },
                  [&](absl::string_view piece) {
                    text.append(piece.data(), piece.size());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(text, FormatPlanText(*report));
  EXPECT_EQ(text.substr(0, 5), "name ");
}

}  // namespace
}  // namespace onnx_reinit
