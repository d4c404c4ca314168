// make_many_tensors PATH COUNT: writes PATH, a chain of COUNT MatMul nodes
// each reading its own [1, 1] initializer (tests/support/many_tensors_model.h),
// e.g. for bench/many_tensors.sh.
#include <cstdlib>
#include <iostream>

#include "support/many_tensors_model.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::atoll(argv[2]) <= 0) {
    std::cerr << "usage: make_many_tensors PATH COUNT (COUNT > 0)\n";
    return 2;
  }
  return onnx_reinit::testing::WriteManyTensorsModel(argv[1],
                                                     std::atoll(argv[2]))
             ? 0
             : 1;
}
