"""Builds and installs the Python module onnx_reinit (README "Use from Python").

    python3 -m venv --system-site-packages V
    V/bin/pip install --no-build-isolation .

setuptools drives CMake: build_ext configures this repository in
build-python/ (Release, no tests) for the running Python, builds the target
_onnx_reinit alone and copies it into the package. Nothing is downloaded:
pybind11, CMake and the libraries come from Debian's packages (README "Set
up"; scripts/install_deps.sh). Environment:
    ONNX_REINIT_JOBS        parallel build jobs (default: one per core)
    ONNX_REINIT_BUILD_TYPE  CMake build type (default Release)
    ONNX_REINIT_CMAKE_ARGS  more arguments for the CMake configure step
    CMAKE                   the cmake to run (default cmake)
"""

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent
# setuptools' own build and egg-info folders, out of the source folders (and
# of build/, the README's CMake build folder); ignored by git (build-*/).
BUILD_BASE = "build-python"
(ROOT / BUILD_BASE).mkdir(exist_ok=True)


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(\s*onnx_reinit\s+VERSION\s+([0-9][0-9.]*)",
                      text)
    if not match:
        raise RuntimeError("no project(onnx_reinit VERSION ...) in "
                           "CMakeLists.txt")
    return match.group(1)


class CMakeExtension(Extension):
    """An extension built by the CMake target of the same last name."""

    def __init__(self, name, target):
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        cmake = os.environ.get("CMAKE", "cmake")
        if not shutil.which(cmake):
            raise RuntimeError("cmake not found: apt-get install cmake (and "
                               "the packages of scripts/install_deps.sh)")
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        build_type = os.environ.get("ONNX_REINIT_BUILD_TYPE", "Release")
        configure = [
            cmake, "-S", str(ROOT), "-B", str(build_dir),
            f"-DCMAKE_BUILD_TYPE={build_type}",
            "-DONNX_REINIT_BUILD_TESTS=OFF",
            "-DONNX_REINIT_BUILD_BENCH=OFF",
            "-DONNX_REINIT_BUILD_PYTHON=ON",
            f"-DPython3_EXECUTABLE={sys.executable}",
        ] + shlex.split(os.environ.get("ONNX_REINIT_CMAKE_ARGS", ""))
        jobs = (os.environ.get("ONNX_REINIT_JOBS") or
                (str(self.parallel) if self.parallel else None) or
                str(os.cpu_count() or 1))
        build = [cmake, "--build", str(build_dir), "--target", ext.target,
                 "-j", jobs]
        for command in (configure, build):
            print(" ".join(shlex.quote(c) for c in command), flush=True)
            subprocess.run(command, check=True)

        built = sorted((build_dir / "python" / "onnx_reinit").glob(
            ext.target + ".*so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one {ext.target} module in "
                               f"{build_dir}/python/onnx_reinit, found "
                               f"{[str(p) for p in built]}")
        destination = pathlib.Path(self.get_ext_fullpath(ext.name))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], destination)


setup(
    name="onnx-reinit",
    version=project_version(),
    description="Re-initializes the weights of ONNX models",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["onnx_reinit"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("onnx_reinit._onnx_reinit", "_onnx_reinit")],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE},
             "egg_info": {"egg_base": BUILD_BASE}},
    zip_safe=False,
)
