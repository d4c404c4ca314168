// make_large_model DIR LAYERS WIDTH: writes DIR/model.onnx and DIR/weights.bin
// (tests/support/large_model.h), e.g. 20 layers of width 1856 ≈ 2.2 GB.
#include <cstdlib>
#include <iostream>

#include "support/large_model.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: make_large_model DIR LAYERS WIDTH\n";
    return 2;
  }
  const auto model = onnx_reinit::testing::WriteLargeModel(
      argv[1], std::atoi(argv[2]), std::atoll(argv[3]));
  if (model.model_path.empty()) return 1;
  std::cout << model.model_path << " + " << model.data_path << " ("
            << model.data_size << " bytes)\n";
  return 0;
}
