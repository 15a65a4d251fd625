#!/usr/bin/env python3
"""Nearest vs GPTQ rounding of the int8 conv weights, recipe by recipe, on chosen models (no timing).

    python benchmarks/int8/rounding.py MODEL [MODEL ...] [--resolution 240x144] [--recipes weight_only,dynamic,static]

Per model: the FP32 .tflite (deployment form for LiteRT), the same file with its conv weights put on
the int8 grid by ``edgesr_export.int8_rounding`` (GPTQ on 8 T91 calibration mosaics), then each recipe
applied to both and the PSNR drop against the FP32 PyTorch model measured like the exporter's gate
(4 Set5+Set14 mosaics). Prints one line per (model, recipe): drop with nearest rounding, with GPTQ.
``--recipes`` also takes ``static_wi8_ai16`` (int16 activations, int8 weights: LiteRT's 16x8 mode,
calibrated like ``static``), which the exporter does not offer.
"""

import argparse
import sys
import tempfile

from edgesr_export.capture import quiet

INT16_ACTIVATIONS = "static_wi8_ai16"


def quantize_16x8(source, out, calibration):
    """``source`` quantised with ai-edge-quantizer's static_wi8_ai16, I/O ranges pinned as for ``static``."""
    from edgesr_export import tflite_export

    quantizer, recipe, _ = tflite_export.import_quantizer()
    key, input_name, input_tensor, output_tensor = tflite_export._signature(source)
    qt = quantizer.Quantizer(source)
    qt.load_quantization_recipe(recipe.static_wi8_ai16())
    feed = [{input_name: x.transpose(0, 2, 3, 1)} for x in calibration]
    ranges = tflite_export._pin_io_ranges(qt.calibrate({key: feed}, num_threads=1), input_tensor, output_tensor)
    qt.quantize(ranges).export_model(out, overwrite=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--resolution", default="240x144", help="output WxH (default 240x144)")
    parser.add_argument("--recipes", default="weight_only,dynamic,static")
    args = parser.parse_args(argv)

    from edgesr.exporting import build, describe
    from edgesr_export import deployment, int8_quality, int8_rounding, tflite_export
    from edgesr_export.images import calibration_inputs
    from edgesr_export.resolution import input_size, parse_resolution

    print("model  recipe  drop_nearest_dB  drop_gptq_dB")
    with tempfile.TemporaryDirectory() as folder:
        for model_id in args.models:
            description = describe(model_id)
            module, scale = build(description), description.scale
            lr_height, lr_width = input_size(parse_resolution(args.resolution), scale)
            graph, _ = deployment.graph_for(module, "litert", "optimised")
            fp32, rounded = "%s/%s.tflite" % (folder, model_id), "%s/%s.gptq.tflite" % (folder, model_id)
            calibration = calibration_inputs(scale, lr_height, lr_width, 8)
            with quiet():
                tflite_export.convert_fp32(graph, fp32, lr_height, lr_width, scale)
                int8_rounding.round_weights(fp32, rounded, calibration)
                reference = int8_quality.fp32_reference(module, scale, lr_height, lr_width, 4)
            for recipe in args.recipes.split(","):
                drops = []
                for source in (fp32, rounded):
                    out = "%s.%s.int8" % (source, recipe)
                    with quiet():
                        if recipe == INT16_ACTIVATIONS:
                            quantize_16x8(source, out, calibration)
                        else:
                            tflite_export.quantize_int8(source, out, calibration, recipe_name=recipe)
                        drops.append(int8_quality.psnr_drop(module, out, "NHWC", scale, lr_height, lr_width, 4,
                                                            reference=reference)["drop_db"])
                print("%s  %s  %.3f  %.3f" % (model_id, recipe, drops[0], drops[1]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
