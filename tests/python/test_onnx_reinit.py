"""The Python module against the CLI: same bytes, same plans, same errors."""

import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import time

import pytest

import onnx_reinit
from onnx_reinit import _onnx_reinit
from conftest import SOURCE_DIR, cli_error, corpus_names

MODELS = corpus_names()

# (name, keyword arguments, the same as CLI flags)
FLAG_SETS = [
    ("default", {}, []),
    ("strategy_seed",
     dict(strategy="xavier_uniform", bias_strategy="fan_in_uniform", seed=42),
     ["--strategy=xavier_uniform", "--bias_strategy=fan_in_uniform",
      "--seed=42"]),
    ("profile_torch", dict(profile="torch", seed=7),
     ["--profile=torch", "--seed=7"]),
    ("rules",
     dict(strategy="normal(std=0.02)", seed=3,
          rules=["role=embedding:normal(std=0.02)",
                 "role=norm_scale|norm_bias:keep",
                 "role=recurrent_hidden:orthogonal"]),
     ["--strategy=normal(std=0.02)", "--seed=3",
      "--rule=role=embedding:normal(std=0.02)",
      "--rule=role=norm_scale|norm_bias:keep",
      "--rule=role=recurrent_hidden:orthogonal"]),
]


def without_seconds(value):
    """The report or plan minus its wall time, the one field that varies."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items()
                if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value


def run_cli(cli, args):
    run = subprocess.run([cli, "--quiet", *args], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("model_path", MODELS, indirect=True)
@pytest.mark.parametrize("name,kwargs,flags", FLAG_SETS,
                         ids=[f[0] for f in FLAG_SETS])
def test_reinit_writes_the_cli_bytes_and_report(cli, model_path, tmp_path,
                                                name, kwargs, flags):
    cli_out = tmp_path / "cli.onnx"
    cli_report = tmp_path / "cli_report.json"
    run_cli(cli, [str(model_path), "-o", str(cli_out),
                  f"--report={cli_report}", *flags])
    py_out = tmp_path / "py.onnx"
    report = onnx_reinit.reinit(model_path, py_out, **kwargs)
    assert py_out.read_bytes() == cli_out.read_bytes()

    expected = json.loads(cli_report.read_text())
    expected["output"] = str(py_out)
    assert without_seconds(report) == without_seconds(expected)
    assert report["tensors_rewritten"] > 0


@pytest.mark.parametrize("model_path", MODELS, indirect=True)
@pytest.mark.parametrize("name,kwargs,flags",
                         [FLAG_SETS[0], FLAG_SETS[2], FLAG_SETS[3]],
                         ids=["default", "profile_torch", "rules"])
def test_plan_is_the_cli_json_plan(cli, model_path, name, kwargs, flags):
    expected = json.loads(run_cli(cli, [str(model_path), "--plan",
                                        "--format=json", *flags]))
    assert (without_seconds(onnx_reinit.plan(str(model_path), **kwargs))
            == without_seconds(expected))


@pytest.mark.parametrize("model_path", MODELS, indirect=True)
def test_reinit_bytes_is_the_file_output(model_path, tmp_path):
    kwargs = dict(strategy="he_uniform", seed=11, profile="keras")
    out = tmp_path / "out.onnx"
    onnx_reinit.reinit(model_path, out, **kwargs)
    data = model_path.read_bytes()
    fresh = onnx_reinit.reinit_bytes(data, **kwargs)
    assert isinstance(fresh, bytes)
    assert fresh == out.read_bytes()
    assert fresh != data
    # Any bytes-like input.
    assert onnx_reinit.reinit_bytes(bytearray(data), **kwargs) == fresh
    assert onnx_reinit.reinit_bytes(memoryview(data), **kwargs) == fresh


def test_reinit_model_round_trip(corpus, tmp_path):
    onnx = pytest.importorskip("onnx")
    numpy_helper = pytest.importorskip("onnx.numpy_helper")
    path = next(p for p in corpus if p.name == "resnet18.onnx")
    model = onnx.load(str(path))
    before = model.SerializeToString()
    fresh = onnx_reinit.reinit_model(model, strategy="he_normal", seed=5)
    assert isinstance(fresh, onnx.ModelProto)
    assert model.SerializeToString() == before  # not modified
    onnx.checker.check_model(fresh)
    assert fresh.SerializeToString() == onnx_reinit.reinit_bytes(
        before, strategy="he_normal", seed=5)
    out = tmp_path / "out.onnx"
    onnx_reinit.reinit(path, out, strategy="he_normal", seed=5)
    assert fresh == onnx.load(str(out))

    # The corpus's weights are zeros; the first Conv's are He-normal now.
    weights = {t.name: t for t in fresh.graph.initializer}
    conv = next(n for n in fresh.graph.node if n.op_type == "Conv")
    w = numpy_helper.to_array(weights[conv.input[1]])
    fan_in = w[0].size
    assert abs(w.std() - (2.0 / fan_in) ** 0.5) < 0.05 * (2.0 / fan_in) ** 0.5
    assert not numpy_helper.to_array(
        {t.name: t for t in model.graph.initializer}[conv.input[1]]).any()


def test_reinit_model_refuses_2_gib_with_a_pointer_to_reinit():
    class Huge:
        def ByteSize(self):
            return 2**31

        def SerializeToString(self):
            raise AssertionError("must not serialize")

        def ParseFromString(self, data):
            raise AssertionError("must not parse")

    with pytest.raises(ValueError, match=r"2 GiB.*onnx_reinit\.reinit"):
        onnx_reinit.reinit_model(Huge())
    with pytest.raises(TypeError):
        onnx_reinit.reinit_model(b"not a model")


def test_paths_may_be_path_like(corpus, tmp_path):
    path = corpus[0]
    onnx_reinit.reinit(pathlib.Path(path), tmp_path / "a.onnx")
    onnx_reinit.reinit(str(path), str(tmp_path / "b.onnx"))
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    assert onnx_reinit.plan(pathlib.Path(path)) is not None


def test_version_is_the_cli_and_project_version(cli):
    run = subprocess.run([cli, "--version"], capture_output=True, text=True)
    assert run.stdout.strip() == f"onnx-reinit {onnx_reinit.__version__}"
    project = re.search(r"project\(onnx_reinit VERSION ([0-9.]+)",
                        (SOURCE_DIR / "CMakeLists.txt").read_text()).group(1)
    assert onnx_reinit.__version__ == project


def test_strategies_are_listed():
    names = [line.split("(")[0].split(" ")[0]
             for line in onnx_reinit.strategies()]
    assert "he_normal" in names and "orthogonal" in names


# --- Errors: the CLI's message, the right exception ---------------------------

# (keyword arguments, the same as CLI flags)
BAD_OPTIONS = [
    (dict(strategy="he_normall"), ["--strategy=he_normall"]),
    (dict(strategy="normal(std=-1)"), ["--strategy=normal(std=-1)"]),
    (dict(bias_strategy="uniform(a=1, b=0)"),
     ["--bias_strategy=uniform(a=1, b=0)"]),
    (dict(rules=["role=nope:zeros"]), ["--rule=role=nope:zeros"]),
    (dict(rules=["no colon"]), ["--rule=no colon"]),
    (dict(profile="jax"), ["--profile=jax"]),
    (dict(external_data="sometimes"), ["--external_data=sometimes"]),
    (dict(fan_convention="keras"), ["--fan_convention=keras"]),
    (dict(simd="sse9"), ["--simd=sse9"]),
    (dict(seed=-1), ["--seed=-1"]),
    (dict(threads=5000), ["--threads=5000"]),
]


@pytest.mark.parametrize("kwargs,flags", BAD_OPTIONS,
                         ids=[f[1][0] for f in BAD_OPTIONS])
def test_bad_options_raise_value_error_with_the_cli_message(
        cli, corpus, tmp_path, kwargs, flags):
    model = str(corpus[0])
    out = tmp_path / "out.onnx"
    expected = cli_error(cli, [model, "-o", str(out), *flags])
    with pytest.raises(ValueError) as e:
        onnx_reinit.reinit(model, out, **kwargs)
    assert str(e.value) == expected
    with pytest.raises(ValueError) as e:
        onnx_reinit.plan(model, **kwargs)
    assert str(e.value) == expected
    with pytest.raises(ValueError) as e:
        onnx_reinit.reinit_bytes(pathlib.Path(model).read_bytes(), **kwargs)
    assert str(e.value) == expected
    assert not out.exists()


def test_missing_input_raises_file_not_found_error(cli, tmp_path):
    missing = str(tmp_path / "missing.onnx")
    out = tmp_path / "out.onnx"
    expected = cli_error(cli, [missing, "-o", str(out)])
    with pytest.raises(FileNotFoundError) as e:
        onnx_reinit.reinit(missing, out)
    assert str(e.value) == expected
    assert missing in str(e.value)
    with pytest.raises(FileNotFoundError) as e:
        onnx_reinit.plan(missing)
    assert str(e.value) == cli_error(cli, [missing, "--plan"])
    assert not out.exists()


def test_missing_config_file_raises_file_not_found_error(cli, corpus,
                                                         tmp_path):
    config = str(tmp_path / "rules.textproto")
    out = tmp_path / "out.onnx"
    expected = cli_error(cli, [str(corpus[0]), "-o", str(out),
                               f"--config={config}"])
    with pytest.raises(FileNotFoundError) as e:
        onnx_reinit.reinit(corpus[0], out, config=config)
    assert str(e.value) == expected


def test_bad_config_file_raises_value_error(cli, corpus, tmp_path):
    config = tmp_path / "rules.textproto"
    config.write_text("rule { no_such_field: 1 }\n")
    out = tmp_path / "out.onnx"
    expected = cli_error(cli, [str(corpus[0]), "-o", str(out),
                               f"--config={config}"])
    with pytest.raises(ValueError) as e:
        onnx_reinit.reinit(corpus[0], out, config=config)
    assert str(e.value) == expected


def test_bad_model_raises_value_error_and_writes_nothing(cli, corpus,
                                                         tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(corpus[0].read_bytes()[:1000])
    out = tmp_path / "out.onnx"
    expected = cli_error(cli, [str(bad), "-o", str(out)])
    with pytest.raises(ValueError) as e:
        onnx_reinit.reinit(bad, out)
    assert str(e.value) == expected
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.onnx"]
    with pytest.raises(ValueError):
        onnx_reinit.reinit_bytes(b"\xff\xff\xff not a model")


def test_missing_output_folder_raises_os_error(cli, corpus, tmp_path):
    out = str(tmp_path / "no" / "such" / "out.onnx")
    expected = cli_error(cli, [str(corpus[0]), "-o", out])
    with pytest.raises(OSError) as e:
        onnx_reinit.reinit(corpus[0], out)
    assert str(e.value) == expected


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_output_folder_raises_permission_error(cli, corpus,
                                                          tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        out = str(folder / "out.onnx")
        expected = cli_error(cli, [str(corpus[0]), "-o", out])
        with pytest.raises(PermissionError) as e:
            onnx_reinit.reinit(corpus[0], out)
        assert str(e.value) == expected
    finally:
        folder.chmod(0o700)


def test_argument_types_are_checked(corpus, tmp_path):
    with pytest.raises(TypeError):
        onnx_reinit.reinit(corpus[0], tmp_path / "o.onnx", rules="role=bias:zeros")
    with pytest.raises(TypeError):
        onnx_reinit.reinit(corpus[0], tmp_path / "o.onnx", seed=1.5)
    with pytest.raises(TypeError):
        onnx_reinit.reinit(corpus[0], 42)
    with pytest.raises(TypeError):
        onnx_reinit.plan(corpus[0], strategy=3)
    with pytest.raises(TypeError):
        onnx_reinit.reinit(corpus[0], tmp_path / "o.onnx", "he_normal")


# --- Threads ---------------------------------------------------------------


def test_eight_python_threads_write_the_serial_bytes(corpus, tmp_path):
    jobs = [(corpus[i % len(corpus)], seed) for i, seed in
            enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]

    def run(index, folder):
        model, seed = jobs[index]
        out = folder / f"{index}.onnx"
        onnx_reinit.reinit(model, out, seed=seed, strategy="he_uniform",
                           threads=2)
        return out.read_bytes()

    serial_dir = tmp_path / "serial"
    serial_dir.mkdir()
    serial = [run(i, serial_dir) for i in range(len(jobs))]
    parallel_dir = tmp_path / "parallel"
    parallel_dir.mkdir()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda i: run(i, parallel_dir),
                                 range(len(jobs))))
    assert parallel == serial


def test_the_gil_is_released_while_the_library_works(corpus, tmp_path):
    model = str(max(corpus, key=lambda p: p.stat().st_size))
    options = _onnx_reinit.Options(threads=1)
    window = []

    def work():
        window.append(time.perf_counter())
        _onnx_reinit.reinitialize_file(model, str(tmp_path / "o.onnx"),
                                       options)
        window.append(time.perf_counter())

    ticks = []
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    start, end = window
    inside = [start] + [t for t in ticks if start < t < end] + [end]
    longest_gap = max(b - a for a, b in zip(inside, inside[1:]))
    # Holding the GIL, the library would stop this thread for the whole call
    # (one gap as long as the window); released, it ticks on all along.
    assert longest_gap < 0.5 * (end - start), (longest_gap, end - start)


# --- The README's example -------------------------------------------------------


def test_readme_example_is_the_tested_example():
    readme = (SOURCE_DIR / "README.md").read_text()
    section = readme.split("\n## Use from Python\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    example = SOURCE_DIR / "python" / "examples" / "reinit_example.py"
    assert block == example.read_text()


def test_readme_example_runs(corpus, tmp_path):
    pytest.importorskip("onnx")
    model = next(p for p in corpus if p.name == "mlp.onnx")
    (tmp_path / "model.onnx").write_bytes(model.read_bytes())
    example = SOURCE_DIR / "python" / "examples" / "reinit_example.py"
    # The onnx_reinit these tests import, wherever the example runs.
    package_parent = str(pathlib.Path(onnx_reinit.__file__).parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_parent, env.get("PYTHONPATH")) if p)
    run = subprocess.run([sys.executable, str(example)], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "tensors rewritten" in run.stdout
    assert '\nValueError: --strategy: unknown strategy "he_normall"' in run.stdout
    assert '\nFileNotFoundError: cannot open "missing.onnx"' in run.stdout
    assert sorted(os.listdir(tmp_path)) == ["fresh.onnx", "model.onnx"]
