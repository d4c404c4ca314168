// onnx_reinit._onnx_reinit: the compiled half of the Python package, a thin
// pybind11 layer over the public API (include/onnx_reinit/onnx_reinit.h).
// python/onnx_reinit/__init__.py holds the documented functions: it turns
// paths and None into the texts the API takes and parses the JSON it returns.
//
// Every call releases the GIL while the library works (several Python
// threads run models side by side) and raises, with the status's message
// unchanged (the CLI's message after "onnx-reinit: error: "):
//   NotFound                    FileNotFoundError
//   PermissionDenied            PermissionError
//   AlreadyExists               FileExistsError
//   InvalidArgument, OutOfRange,
//   DataLoss                    ValueError (bad options or a bad model)
//   anything else               OSError (I/O failures, from errno)
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "onnx_reinit/onnx_reinit.h"

namespace py = pybind11;

namespace {

PyObject* ExceptionFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return PyExc_FileNotFoundError;
    case absl::StatusCode::kPermissionDenied:
      return PyExc_PermissionError;
    case absl::StatusCode::kAlreadyExists:
      return PyExc_FileExistsError;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kDataLoss:
      return PyExc_ValueError;
    default:
      return PyExc_OSError;
  }
}

// Called with the GIL held: raises the Python exception for `status`.
[[noreturn]] void Raise(const absl::Status& status) {
  const std::string message(status.message());
  PyErr_SetString(ExceptionFor(status.code()), message.c_str());
  throw py::error_already_set();
}

template <typename T>
T ValueOrRaise(absl::StatusOr<T> result) {
  if (!result.ok()) Raise(result.status());
  return *std::move(result);
}

onnx_reinit::Options MakeOptions(
    std::string strategy, std::string bias_strategy,
    std::vector<std::string> rules, std::string config_file,
    std::string profile, uint64_t seed, int threads, std::string external_data,
    uint64_t external_threshold, std::string external_file,
    std::string fan_convention, std::string simd) {
  onnx_reinit::Options options;
  options.strategy = std::move(strategy);
  options.bias_strategy = std::move(bias_strategy);
  options.rules = std::move(rules);
  options.config_file = std::move(config_file);
  options.profile = std::move(profile);
  options.seed = seed;
  options.threads = threads;
  options.external_data = std::move(external_data);
  options.external_threshold = external_threshold;
  options.external_file = std::move(external_file);
  options.fan_convention = std::move(fan_convention);
  options.simd = std::move(simd);
  return options;
}

std::string ReinitializeFile(const std::string& input,
                             const std::string& output,
                             const onnx_reinit::Options& options) {
  absl::StatusOr<std::string> report;
  {
    py::gil_scoped_release release;
    report = onnx_reinit::ReinitializeFile(input, output, options);
  }
  return ValueOrRaise(std::move(report));
}

std::string PlanFile(const std::string& input,
                     const onnx_reinit::Options& options) {
  absl::StatusOr<std::string> plan;
  {
    py::gil_scoped_release release;
    plan = onnx_reinit::PlanFile(input, options);
  }
  return ValueOrRaise(std::move(plan));
}

// `model` is a bytes object: immutable, and kept alive by the caller's
// reference, so the library reads it in place with the GIL released.
py::bytes ReinitializeBytes(const py::bytes& model,
                            const onnx_reinit::Options& options) {
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(model.ptr(), &data, &size) != 0) {
    throw py::error_already_set();
  }
  absl::StatusOr<std::string> result;
  {
    py::gil_scoped_release release;
    result = onnx_reinit::ReinitializeBytes(
        std::string_view(data, static_cast<size_t>(size)), options);
  }
  return py::bytes(ValueOrRaise(std::move(result)));
}

}  // namespace

PYBIND11_MODULE(_onnx_reinit, m) {
  m.doc() =
      "onnx-reinit's C++ API (include/onnx_reinit/onnx_reinit.h); use the "
      "functions of the onnx_reinit package.";

  py::class_<onnx_reinit::Options>(m, "Options",
                                   "onnx_reinit::Options: one field per CLI "
                                   "flag, taking the same text.")
      .def(py::init(&MakeOptions), py::kw_only(), py::arg("strategy") = "",
           py::arg("bias_strategy") = "",
           py::arg("rules") = std::vector<std::string>(),
           py::arg("config_file") = "", py::arg("profile") = "",
           py::arg("seed") = 0, py::arg("threads") = 0,
           py::arg("external_data") = "keep",
           py::arg("external_threshold") = 1024, py::arg("external_file") = "",
           py::arg("fan_convention") = "torch", py::arg("simd") = "auto")
      .def_readonly("strategy", &onnx_reinit::Options::strategy)
      .def_readonly("bias_strategy", &onnx_reinit::Options::bias_strategy)
      .def_readonly("rules", &onnx_reinit::Options::rules)
      .def_readonly("config_file", &onnx_reinit::Options::config_file)
      .def_readonly("profile", &onnx_reinit::Options::profile)
      .def_readonly("seed", &onnx_reinit::Options::seed)
      .def_readonly("threads", &onnx_reinit::Options::threads)
      .def_readonly("external_data", &onnx_reinit::Options::external_data)
      .def_readonly("external_threshold",
                    &onnx_reinit::Options::external_threshold)
      .def_readonly("external_file", &onnx_reinit::Options::external_file)
      .def_readonly("fan_convention", &onnx_reinit::Options::fan_convention)
      .def_readonly("simd", &onnx_reinit::Options::simd);

  m.def("reinitialize_file", &ReinitializeFile, py::arg("input"),
        py::arg("output"), py::arg("options"),
        "Writes `output` re-initialized from `input`; returns the report as "
        "JSON text.");
  m.def("plan_file", &PlanFile, py::arg("input"), py::arg("options"),
        "The plan of `input` as JSON text; nothing is written.");
  m.def("reinitialize_bytes", &ReinitializeBytes, py::arg("model"),
        py::arg("options"),
        "A serialized ModelProto in, the re-initialized model's bytes out.");
  m.def("version", &onnx_reinit::Version, "The library's version.");
  m.def("list_strategies", &onnx_reinit::ListStrategies,
        "One line per strategy, as in the CLI's --help.");
}
