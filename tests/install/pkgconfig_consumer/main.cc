// reinit_bytes MODEL OUT SEED STRATEGY: the in-memory entry point, built
// with pkg-config (see Makefile). Reads MODEL, re-initializes its bytes and
// writes them to OUT: the same bytes as `onnx-reinit MODEL -o OUT
// --seed=SEED --strategy=STRATEGY` for a model without external data.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "onnx_reinit/onnx_reinit.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: reinit_bytes MODEL OUT SEED STRATEGY\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string model((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (!in) {
    std::cerr << "reinit_bytes: cannot read " << argv[1] << "\n";
    return 1;
  }
  onnx_reinit::Options options;
  options.seed = std::stoull(argv[3]);
  options.strategy = argv[4];
  absl::StatusOr<std::string> fresh =
      onnx_reinit::ReinitializeBytes(model, options);
  if (!fresh.ok()) {
    std::cerr << "reinit_bytes: " << fresh.status() << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out.write(fresh->data(), static_cast<std::streamsize>(fresh->size()));
  out.close();
  return out ? 0 : 1;
}
