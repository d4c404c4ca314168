// parse_model_rss MODEL: what holding a model's metadata costs, the baseline
// of bench/many_tensors.sh. Reads MODEL into memory and parses it as one
// onnx::ModelProto, as onnx-reinit does with the weightless form of a model
// (io/model_source.h: the serialized bytes and the parsed message are alive
// together), then prints
//   peak_rss_kb=K space_used_bytes=S file_bytes=F
// K: the process's peak resident set (getrusage ru_maxrss); S: the parsed
// message's SpaceUsedLong. For a model whose value payloads are all at most
// 256 bytes (io/wire_scan.h kInlineValueBytes) the file is its own
// weightless form.
#include <sys/resource.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "onnx/onnx_pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: parse_model_rss MODEL\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 1;
  }
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    std::cerr << argv[1] << " is not an ONNX model\n";
    return 1;
  }
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  std::cout << "peak_rss_kb=" << usage.ru_maxrss
            << " space_used_bytes=" << model.SpaceUsedLong()
            << " file_bytes=" << bytes.size() << "\n";
  return 0;
}
