#!/usr/bin/python3
"""Writes the two models of bench/speed_bench.sh (issue 11), with all values zero, densely.

usage: make_speed_models.py vgg16 OUT.onnx
       make_speed_models.py external DIR [LAYERS]

vgg16     torchvision's VGG16 as torch.onnx.export lays it out (opset 17): 13 Conv (3x3, pads 1)
          + Relu, 5 MaxPool (2x2, stride 2), Flatten, 3 Gemm (transB=1) with Relu between, every
          weight and bias inline as raw_data; initializers named features.N.weight/bias and
          classifier.N.weight/bias. 138,357,544 floats: a 553 MB file.
external  a decoder-like stack in DIR/model.onnx with one data file per initializer, as torch
          writes a model over 2 GB: each file holds the whole tensor, is named after the tensor
          with \\ / : ? " < > | replaced by _ (torch's GetExternalFileName), and is referenced by
          a `location` key alone. Token embedding [32000, 2048] (Gather), then LAYERS (default
          13) pre-norm blocks of LayerNormalization, single-head attention with Q/K/V/O MatMul
          weights [2048, 2048] named onnx::MatMul_N (torch's name for a transposed Linear
          weight) and biases layers.I.self_attn.*_proj.bias, LayerNormalization, MLP
          2048 -> 8192 -> 2048 (Relu); a final LayerNormalization. 13 layers: 211 data files,
          2,880,823,296 bytes of values.

Files are written with real zero bytes (no holes), so `cp` and the tools copy every byte.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 17
ZERO_CHUNK = bytes(16 << 20)


def _model(nodes, name, inputs, outputs, inits):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="pytorch", producer_version="2.0.0")
    model.ir_version = 8
    return model


def _zeros(name, dims):
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
    t.raw_data = bytes(4 * int(np.prod(dims)))
    return t


def vgg16(out):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    nodes, inits = [], []
    x, c_in, idx = "input", 3, 0
    for v in cfg:
        if v == "M":
            nodes.append(helper.make_node("MaxPool", [x], [f"/features/features.{idx}/MaxPool_output_0"],
                                          name=f"/features/features.{idx}/MaxPool", ceil_mode=0,
                                          kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2]))
            x = nodes[-1].output[0]
            idx += 1
            continue
        w, b = f"features.{idx}.weight", f"features.{idx}.bias"
        inits += [_zeros(w, [v, c_in, 3, 3]), _zeros(b, [v])]
        conv = f"/features/features.{idx}/Conv"
        nodes.append(helper.make_node("Conv", [x, w, b], [conv + "_output_0"], name=conv, dilations=[1, 1],
                                      group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        relu = f"/features/features.{idx + 1}/Relu"
        nodes.append(helper.make_node("Relu", [conv + "_output_0"], [relu + "_output_0"], name=relu))
        x, c_in, idx = relu + "_output_0", v, idx + 2
    nodes.append(helper.make_node("Flatten", [x], ["/Flatten_output_0"], name="/Flatten", axis=1))
    x = "/Flatten_output_0"
    for i, (n_in, n_out) in zip((0, 3, 6), ((512 * 7 * 7, 4096), (4096, 4096), (4096, 1000))):
        w, b = f"classifier.{i}.weight", f"classifier.{i}.bias"
        inits += [_zeros(w, [n_out, n_in]), _zeros(b, [n_out])]
        gemm = f"/classifier/classifier.{i}/Gemm"
        out_name = "output" if i == 6 else gemm + "_output_0"
        nodes.append(helper.make_node("Gemm", [x, w, b], [out_name], name=gemm, alpha=1.0, beta=1.0, transB=1))
        x = out_name
        if i != 6:
            relu = f"/classifier/classifier.{i + 1}/Relu"
            nodes.append(helper.make_node("Relu", [x], [relu + "_output_0"], name=relu))
            x = relu + "_output_0"
    model = _model(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                   [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1000])], inits)
    onnx.save(model, out)


def _torch_file_name(tensor_name):
    return "".join("_" if c in '\\/:?"<>|' else c for c in tensor_name)


def external(folder, layers):
    d, ffn, vocab = 2048, 8192, 32000
    os.makedirs(folder, exist_ok=True)
    nodes, inits = [], []
    counter = [100]

    def init(name, dims):
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
        location = _torch_file_name(name)
        t.data_location = TensorProto.EXTERNAL
        t.external_data.add(key="location", value=location)
        remaining = 4 * int(np.prod(dims))
        with open(os.path.join(folder, location), "wb") as f:
            while remaining:
                n = min(remaining, len(ZERO_CHUNK))
                f.write(ZERO_CHUNK[:n])
                remaining -= n
        inits.append(t)
        return name

    def matmul_weight(dims):
        counter[0] += 1
        return init(f"onnx::MatMul_{counter[0]}", dims)

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name + "_output_0"], name=name, **attrs))
        return name + "_output_0"

    def layer_norm(x, prefix):
        return node("LayerNormalization", [x, init(prefix + ".weight", [d]), init(prefix + ".bias", [d])],
                    "/" + prefix.replace(".", "/") + "/LayerNormalization", axis=-1, epsilon=1e-5)

    def linear(x, prefix, n_in, n_out):
        p = "/" + prefix.replace(".", "/")
        y = node("MatMul", [x, matmul_weight([n_in, n_out])], p + "/MatMul")
        return node("Add", [init(prefix + ".bias", [n_out]), y], p + "/Add")

    nodes.append(helper.make_node("Constant", [], ["/scale_output_0"], name="/scale",
                                  value=helper.make_tensor("scale", TensorProto.FLOAT, [], [d ** -0.5])))
    x = node("Gather", [init("embed_tokens.weight", [vocab, d]), "input_ids"], "/embed_tokens/Gather")
    for i in range(layers):
        p = f"layers.{i}"
        h = layer_norm(x, p + ".input_layernorm")
        q, k, v = (linear(h, f"{p}.self_attn.{n}_proj", d, d) for n in "qkv")
        kt = node("Transpose", [k], f"/{p}/self_attn/Transpose".replace(".", "/"), perm=[0, 2, 1])
        s = node("MatMul", [q, kt], f"/{p}/self_attn/MatMul".replace(".", "/"))
        s = node("Mul", [s, "/scale_output_0"], f"/{p}/self_attn/Mul".replace(".", "/"))
        s = node("Softmax", [s], f"/{p}/self_attn/Softmax".replace(".", "/"), axis=-1)
        a = node("MatMul", [s, v], f"/{p}/self_attn/MatMul_1".replace(".", "/"))
        x = node("Add", [x, linear(a, f"{p}.self_attn.o_proj", d, d)], f"/{p}/Add".replace(".", "/"))
        h = layer_norm(x, p + ".post_attention_layernorm")
        h = node("Relu", [linear(h, f"{p}.mlp.fc1", d, ffn)], f"/{p}/mlp/act/Relu".replace(".", "/"))
        x = node("Add", [x, linear(h, f"{p}.mlp.fc2", ffn, d)], f"/{p}/Add_1".replace(".", "/"))
    x = layer_norm(x, "norm")
    nodes[-1].output[0] = "last_hidden_state"
    model = _model(nodes, "main_graph",
                   [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "sequence"])],
                   [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [1, "sequence", d])],
                   inits)
    onnx.save(model, os.path.join(folder, "model.onnx"))


def main(argv):
    if len(argv) >= 3 and argv[1] == "vgg16" and len(argv) == 3:
        vgg16(argv[2])
    elif len(argv) in (3, 4) and argv[1] == "external":
        external(argv[2], int(argv[3]) if len(argv) == 4 else 13)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
