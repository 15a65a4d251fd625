"""The INT8 recipes export can make, as data (torch-free: the option parser of every target reads it)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Int8Recipe:
    """One way to make an INT8 file: the ai-edge-quantizer recipe and, in words, what it quantises."""

    name: str
    quantizer_recipe: str  # a function name in ai_edge_quantizer.recipe
    quantises: str
    calibrated: bool
    float_ops: tuple = ()  # groups of ops that stay float: "exp_arguments" (softmax logits), "small_convs"
    # (tflite_export.FLOAT_OP_FINDERS finds each group's ops in a file)
    gptq_rounding: bool = False  # conv weights rounded error-compensated on calibration images (int8_rounding)


SMALL_CONV_WEIGHTS = 16  # "small_convs": a conv with at most this many weights in all saves < 48 bytes as int8,
# and a chain of them (one-channel 3x3 layers) compounds its rounding


INT8_RECIPES = {r.name: r for r in (
    Int8Recipe("static", "static_wi8_ai8", "per-channel int8 weights, int8 activations and I/O (integer compute)",
               True),
    Int8Recipe("static_exp_float", "static_wi8_ai8", "as static, except the ops that compute an exponent's argument "
               "(softmax logits) stay float", True, ("exp_arguments",)),
    Int8Recipe("dynamic", "dynamic_wi8_afp32", "per-channel int8 weights; activations quantised at run time "
               "inside each quantised op, float tensors and I/O between ops", False),
    Int8Recipe("dynamic_gptq", "dynamic_wi8_afp32", "as dynamic, with the conv weights rounded to int8 "
               "error-compensated (GPTQ) on T91 calibration patches instead of to nearest", False, gptq_rounding=True),
    Int8Recipe("weight_only", "weight_only_wi8_afp32", "int8 weights only, dequantised to float at load: float "
               "compute and I/O (a smaller file, not faster arithmetic)", False),
    Int8Recipe("weight_only_exp_float", "weight_only_wi8_afp32", "as weight_only, except the ops that compute an "
               "exponent's argument (softmax logits) keep float weights", False, ("exp_arguments",)),
    Int8Recipe("weight_only_gptq", "weight_only_wi8_afp32", "as weight_only, with the conv weights rounded to "
               "int8 error-compensated (GPTQ) on T91 calibration patches instead of to nearest", False,
               gptq_rounding=True),
    Int8Recipe("weight_only_exp_float_gptq", "weight_only_wi8_afp32", "as weight_only_gptq, except the ops that "
               "compute an exponent's argument (softmax logits) keep float weights (not rounded either)", False,
               ("exp_arguments",), gptq_rounding=True),
    Int8Recipe("weight_only_small_float_gptq", "weight_only_wi8_afp32", "as weight_only_gptq, except convolutions "
               "with at most %d weights keep float weights (not rounded either)" % SMALL_CONV_WEIGHTS, False,
               ("small_convs",), gptq_rounding=True),
)}

DEFAULT_RECIPES = ("static,static_exp_float,dynamic,dynamic_gptq,weight_only,weight_only_exp_float,weight_only_gptq,"
                   "weight_only_exp_float_gptq,weight_only_small_float_gptq")
DEFAULT_MAX_DROP_DB = 0.3


def parse_recipes(value):
    """"static,dynamic" -> "static,dynamic" (validated, duplicates dropped); ValueError names the known ones."""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    names = list(dict.fromkeys(str(v).strip().lower() for v in items if str(v).strip()))
    unknown = [n for n in names if n not in INT8_RECIPES]
    if unknown or not names:
        raise ValueError("unknown INT8 recipe %s; known: %s" % (", ".join(unknown) or "(none given)",
                                                               ", ".join(INT8_RECIPES)))
    return ",".join(names)
