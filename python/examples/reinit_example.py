import onnx
import onnx_reinit

print("onnx_reinit", onnx_reinit.__version__)

# A file to a file: He-normal weights and zero biases (the defaults), seed 0.
report = onnx_reinit.reinit("model.onnx", "fresh.onnx")
print(report["tensors_rewritten"], "of", report["tensors_total"], "tensors rewritten")

# Options are the CLI's flags, with the same text; the report is a dict.
report = onnx_reinit.reinit(
    "model.onnx", "fresh.onnx",
    strategy="xavier_uniform", bias_strategy="fan_in_uniform", seed=42,
    rules=["role=norm_scale|norm_bias:keep"])
for tensor in report["tensors"][:3]:
    print(tensor["name"], tensor["role"], tensor["action"], tensor.get("strategy"))

# What would be done, without writing anything.
plan = onnx_reinit.plan("model.onnx", profile="torch")
print(len(plan["tensors"]), "initializers planned")

# In memory: serialized bytes, or an onnx.ModelProto.
with open("model.onnx", "rb") as f:
    fresh_bytes = onnx_reinit.reinit_bytes(f.read(), seed=42,
                                           strategy="xavier_uniform",
                                           bias_strategy="fan_in_uniform",
                                           rules=["role=norm_scale|norm_bias:keep"])
with open("fresh.onnx", "rb") as f:
    assert fresh_bytes == f.read()  # the same bytes as the file written above

model = onnx.load("model.onnx")
fresh = onnx_reinit.reinit_model(model, strategy="normal(std=0.02)", seed=7)
onnx.checker.check_model(fresh)

# Errors carry the CLI's message.
try:
    onnx_reinit.reinit("model.onnx", "out.onnx", strategy="he_normall")
except ValueError as e:
    print("ValueError:", e)
try:
    onnx_reinit.reinit("missing.onnx", "out.onnx")
except FileNotFoundError as e:
    print("FileNotFoundError:", e)
