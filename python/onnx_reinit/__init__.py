"""Re-initializes the weights of ONNX models (onnx-reinit's Python module).

Every function takes the same keyword options, each the CLI flag of the same
name with the same text (README "Usage"):

    strategy        for weight, recurrent_input and recurrent_hidden tensors,
                    e.g. "normal(std=0.02)". None (default): he_normal, unless
                    the profile or config file decides (an explicit strategy
                    beats the profile).
    bias_strategy   for bias and recurrent_bias tensors. None (default): zeros,
                    unless the profile or config file decides.
    rules           a sequence of "SELECTOR:STRATEGY" rules tried first, in
                    order (--rule), e.g. ["role=embedding:keep"].
    config          a rules file (.textproto, or .json), str or os.PathLike.
    profile         None, "torch" or "keras".
    seed            0 .. 2**64 - 1 (default 0).
    threads         worker threads, 0 = one per core (default). Never changes
                    the output.
    external_data   "keep" (default), "inline" or "external".
    external_threshold, external_file
                    for external_data="external": initializers of at least
                    external_threshold bytes (default 1024) move to
                    external_file (default: the output's name + ".data").
    fan_convention  "torch" (default) or "semantic".
    simd            "auto" (default), "avx512", "avx2" or "baseline".

The same options and seed give the same bytes as the CLI, on any machine and
for any thread count.

Errors raise ValueError (bad options, or a model that is not valid ONNX or
whose tensors do not fit their consumers), FileNotFoundError and
PermissionError (both OSError) or OSError (other I/O failures), with the
CLI's message: what follows "onnx-reinit: error: " on its stderr. The GIL is
released while the library works, so Python threads run models side by side.
"""

import json
import os

from . import _onnx_reinit

__version__ = _onnx_reinit.version()

__all__ = ["reinit", "plan", "reinit_bytes", "reinit_model", "strategies",
           "__version__"]

# protobuf refuses to serialize or parse one message of 2 GiB or more.
_MAX_PROTO_BYTES = 2**31 - 1


def _path(value, what):
    try:
        path = os.fspath(value)
    except TypeError:
        raise TypeError(
            f"{what} must be str or os.PathLike, not {type(value).__name__}"
        ) from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path


def _text(value, what, default=""):
    if value is None:
        return default
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str or None, not {type(value).__name__}")
    return value


# Range errors carry the CLI's messages for the same flag values.
def _whole(value, what, high, flag):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be int, not {type(value).__name__}")
    if not 0 <= value <= high:
        if high == 2**64 - 1:
            raise ValueError(f"{flag} takes a whole number >= 0, "
                             f"got \"{value}\"")
        raise ValueError(f"{flag} takes a whole number from 0 to {high}, "
                         f"got \"{value}\"")
    return value


def _options(strategy=None, bias_strategy=None, rules=(), config=None,
             profile=None, seed=0, threads=0, external_data="keep",
             external_threshold=1024, external_file=None,
             fan_convention="torch", simd="auto"):
    if isinstance(rules, (str, bytes)):
        raise TypeError("rules must be a sequence of str (one rule per item), "
                        "not a single str")
    rules = list(rules)
    for rule in rules:
        if not isinstance(rule, str):
            raise TypeError(f"rules must hold str, not {type(rule).__name__}")
    return _onnx_reinit.Options(
        strategy=_text(strategy, "strategy"),
        bias_strategy=_text(bias_strategy, "bias_strategy"),
        rules=rules,
        config_file="" if config is None else _path(config, "config"),
        profile=_text(profile, "profile"),
        seed=_whole(seed, "seed", 2**64 - 1, "--seed"),
        threads=_whole(threads, "threads", 1024, "--threads"),
        external_data=_text(external_data, "external_data", "keep"),
        external_threshold=_whole(external_threshold, "external_threshold",
                                  2**64 - 1, "--external_threshold"),
        external_file="" if external_file is None else _path(
            external_file, "external_file"),
        fan_convention=_text(fan_convention, "fan_convention", "torch"),
        simd=_text(simd, "simd", "auto"),
    )


def reinit(input, output, *, strategy=None, bias_strategy=None, rules=(),
           config=None, profile=None, seed=0, threads=0, external_data="keep",
           external_threshold=1024, external_file=None, fan_convention="torch",
           simd="auto"):
    """Writes `output` re-initialized from `input`; returns the report.

    `input` and `output` are str or os.PathLike. External data files are
    written next to `output`. The output appears only when complete: on any
    error nothing is at `output` and `input` is untouched. Defaults: he_normal
    weights, zeros biases, seed 0 (options: see the module's help).

    Returns the report as a dict, the same JSON as the CLI's --report: model,
    output, seed, tensors_total, tensors_rewritten, bytes_written, seconds and
    one record per initializer under "tensors" (name, role, fan_in, fan_out,
    strategy, action, reason, measured mean and std ...). As in protobuf's JSON
    mapping, 64-bit integers (dims, fan_in, fan_out, seed) are strings.
    """
    options = _options(
        strategy=strategy, bias_strategy=bias_strategy, rules=rules,
        config=config, profile=profile, seed=seed, threads=threads,
        external_data=external_data, external_threshold=external_threshold,
        external_file=external_file, fan_convention=fan_convention, simd=simd)
    report = _onnx_reinit.reinitialize_file(
        _path(input, "input"), _path(output, "output"), options)
    return json.loads(report)


def plan(input, *, strategy=None, bias_strategy=None, rules=(), config=None,
         profile=None, seed=0, threads=0, external_data="keep",
         external_threshold=1024, external_file=None, fan_convention="torch",
         simd="auto"):
    """What `reinit` would do to `input`, tensor by tensor; writes nothing.

    Returns the plan as a dict, the same JSON as the CLI's
    `--plan --format=json` (options: see the module's help; defaults he_normal
    weights, zeros biases).
    """
    options = _options(
        strategy=strategy, bias_strategy=bias_strategy, rules=rules,
        config=config, profile=profile, seed=seed, threads=threads,
        external_data=external_data, external_threshold=external_threshold,
        external_file=external_file, fan_convention=fan_convention, simd=simd)
    return json.loads(_onnx_reinit.plan_file(_path(input, "input"), options))


def reinit_bytes(data, *, strategy=None, bias_strategy=None, rules=(),
                 config=None, profile=None, seed=0, threads=0,
                 external_data="keep", external_threshold=1024,
                 external_file=None, fan_convention="torch", simd="auto"):
    """A serialized ModelProto in (bytes-like), the re-initialized model out.

    The same bytes as `reinit` writes for a file holding `data`. A model with
    external data is refused (ValueError naming the tensor: its data files
    cannot be found from bytes alone), as is external_data="external"; use
    `reinit` on files for those. Options: see the module's help (defaults
    he_normal weights, zeros biases).
    """
    if not isinstance(data, bytes):
        try:
            data = bytes(memoryview(data))
        except TypeError:
            raise TypeError("data must be bytes-like, not "
                            f"{type(data).__name__}") from None
    options = _options(
        strategy=strategy, bias_strategy=bias_strategy, rules=rules,
        config=config, profile=profile, seed=seed, threads=threads,
        external_data=external_data, external_threshold=external_threshold,
        external_file=external_file, fan_convention=fan_convention, simd=simd)
    return _onnx_reinit.reinitialize_bytes(data, options)


def reinit_model(model, *, strategy=None, bias_strategy=None, rules=(),
                 config=None, profile=None, seed=0, threads=0,
                 external_data="keep", external_threshold=1024,
                 external_file=None, fan_convention="torch", simd="auto"):
    """An onnx.ModelProto in, a new re-initialized onnx.ModelProto out.

    Goes through `model.SerializeToString()` and `ParseFromString` (the
    `onnx` package, e.g. Debian's python3-onnx, makes the ModelProto;
    onnx_reinit itself does not import it). `model` is not modified. A model
    of 2 GiB or more cannot be serialized by protobuf: save it with external
    data and use `reinit` on the file. Options: see the module's help
    (defaults he_normal weights, zeros biases).
    """
    if not (hasattr(model, "SerializeToString")
            and hasattr(model, "ParseFromString")):
        raise TypeError("model must be an onnx.ModelProto, not "
                        f"{type(model).__name__}")
    size = model.ByteSize()
    if size > _MAX_PROTO_BYTES:
        raise ValueError(
            f"the model is {size} bytes, over protobuf's 2 GiB limit for one "
            "message: save it with external data (onnx.save_model(model, "
            "path, save_as_external_data=True)) and use onnx_reinit.reinit "
            "on the file")
    data = reinit_bytes(
        model.SerializeToString(), strategy=strategy,
        bias_strategy=bias_strategy, rules=rules, config=config,
        profile=profile, seed=seed, threads=threads,
        external_data=external_data, external_threshold=external_threshold,
        external_file=external_file, fan_convention=fan_convention, simd=simd)
    result = type(model)()
    result.ParseFromString(data)
    return result


def strategies():
    """One line per strategy: "name(params) aliases: ... — formula"."""
    return list(_onnx_reinit.list_strategies())
