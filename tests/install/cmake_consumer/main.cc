// reinit_app MODEL OUT [SEED [STRATEGY]]: prints the plan as JSON (the
// same text as `onnx-reinit MODEL --plan --format=json`), then writes OUT
// (the same bytes as `onnx-reinit MODEL -o OUT --seed=SEED
// --strategy=STRATEGY`).
#include <cstdint>
#include <iostream>
#include <string>

#include "onnx_reinit/onnx_reinit.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::cerr << "usage: reinit_app MODEL OUT [SEED [STRATEGY]]\n";
    return 2;
  }
  onnx_reinit::Options options;
  if (argc > 3) options.seed = std::stoull(argv[3]);
  if (argc > 4) options.strategy = argv[4];  // e.g. "normal(std=0.02)"

  absl::StatusOr<std::string> plan = onnx_reinit::PlanFile(argv[1], options);
  if (!plan.ok()) {
    std::cerr << "reinit_app: " << plan.status().message() << "\n";
    return 1;
  }
  std::cout << *plan;

  absl::StatusOr<std::string> report =
      onnx_reinit::ReinitializeFile(argv[1], argv[2], options);
  if (!report.ok()) {
    std::cerr << "reinit_app: " << report.status().message() << "\n";
    return 1;
  }
  std::cerr << "reinit_app: wrote " << argv[2] << " with onnx_reinit "
            << onnx_reinit::Version() << "\n";
  return 0;
}
