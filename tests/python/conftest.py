"""Fixtures of the Python module's tests.

Run by CTest (test PythonModule, label python) with PYTHONPATH at the build
tree's package, ONNX_REINIT_CLI the CLI of the same build and
ONNX_REINIT_CORPUS the corpus decompressed by tests/e2e. Run by hand (e.g.
after `pip install .`), the CLI is looked up on PATH (tests comparing with it
are skipped without one) and the corpus is decompressed from tests/corpus
with zstd.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("ONNX_REINIT_CLI") or shutil.which("onnx-reinit")
    if not path:
        pytest.skip("no onnx-reinit CLI (set ONNX_REINIT_CLI)")
    return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    folder = os.environ.get("ONNX_REINIT_CORPUS")
    if folder:
        models = sorted(pathlib.Path(folder).glob("*.onnx"))
        assert models, f"no models in ONNX_REINIT_CORPUS={folder}"
        return models
    zstd = shutil.which("zstd")
    if not zstd:
        pytest.skip("no corpus: set ONNX_REINIT_CORPUS or install zstd")
    out = tmp_path_factory.mktemp("corpus")
    for zst in sorted((SOURCE_DIR / "tests" / "corpus").glob("*.onnx.zst")):
        subprocess.run([zstd, "-q", "-d", str(zst), "-o",
                        str(out / zst.name[:-len(".zst")])], check=True)
    return sorted(out.glob("*.onnx"))


def corpus_names():
    return sorted(p.name[:-len(".onnx.zst")]
                  for p in (SOURCE_DIR / "tests" / "corpus").glob("*.onnx.zst"))


@pytest.fixture
def model_path(corpus, request):
    """The corpus model named by the test's `model` parameter."""
    by_name = {p.name[:-len(".onnx")]: p for p in corpus}
    return by_name[request.param]


def cli_error(cli, args):
    """Runs the CLI expecting a failure; its message without the prefix."""
    run = subprocess.run([cli, *args], capture_output=True, text=True)
    assert run.returncode != 0, run
    prefix = "onnx-reinit: error: "
    assert run.stderr.startswith(prefix), run.stderr
    return run.stderr[len(prefix):].rstrip("\n")
