"""Choosing an INT8 recipe per model: try the recipes in order, keep the first that keeps the picture.

Export knows no model family, so nothing here is a table per family: each candidate recipe is made
from the FP32 file and measured (PSNR drop against FP32 on the validation mosaics, see
``int8_quality``); the first whose drop is at most ``max_drop_db`` is kept and the rest are not tried.
When none passes, the candidate with the smallest drop is kept and the caller refuses it. Recipes are
ordered by how much of the arithmetic they make integer (full static first, weight-only last). A
candidate within the limit must also pass the parity check its artifact will face, else the next
recipe is tried (a full-integer softmax can pass on the mosaics and divide by zero on random input). The
``*_gptq`` recipes quantise an FP32 file whose conv weights ``int8_rounding`` has already put on the
int8 grid; that file is made once per choice, when the first such recipe is tried.
"""

import os

from edgesr_runtime.errors import EdgesrError

from edgesr_export import int8_rounding, tflite_export
from edgesr_export.int8_recipes import DEFAULT_MAX_DROP_DB, DEFAULT_RECIPES, INT8_RECIPES, parse_recipes


class _RoundedSource:
    """The FP32 file with GPTQ-rounded conv weights, made on first use per recipe's float op groups (the
    convs of those groups keep their float weights); NotApplicable when there is nothing to round."""

    def __init__(self, fp32_path, path, calibration, layout):
        self.fp32_path, self.path, self.calibration, self.layout = fp32_path, path, calibration, layout
        self.made = {}  # float op groups -> (file, rounded tensor names)

    def get(self, recipe):
        groups = recipe.float_ops
        if groups not in self.made:
            keep = tflite_export.float_op_scopes(self.fp32_path, recipe)
            name = "%s.gptq%s-fp32" % (self.path, "".join("-" + g for g in groups))
            self.made[groups] = (name, int8_rounding.round_weights(self.fp32_path, name, self.calibration,
                                                                   self.layout, keep_outputs=keep))
        name, tensors = self.made[groups]
        if not tensors:
            raise tflite_export.NotApplicable("no convolution whose weights the rounding can treat")
        return name

    def record(self, recipe):
        return {"method": "GPTQ (error-compensated, column by column, input second moments of %d T91 mosaics, "
                          "at most %d patches each)" % (len(self.calibration), int8_rounding.MAX_PATCHES),
                "tensors": len(self.made[recipe.float_ops][1])}

    def remove(self):
        for name, _ in self.made.values():
            _remove(name)


def choose(fp32_path, path, calibration, layout, measure, recipes=DEFAULT_RECIPES, max_drop_db=DEFAULT_MAX_DROP_DB,
           parity=None):
    """Write the chosen INT8 file at ``path``; returns its facts plus ``quantization.choice``.

    ``measure(candidate_path)`` returns ``int8_quality.psnr_drop``'s dict for one candidate file.
    ``parity(candidate_path)``: None, or why a candidate within the drop limit fails the artifact's parity
    check (then it is recorded as ``parity_failed``, dropped, and the next recipe is tried).
    ``quantization.choice`` = {"max_drop_db", "passed",
    "tried": [{"recipe", "drop_db" [, "parity_failed"] | "skipped" | "error"}, ...]}.
    """
    path = str(path)
    tried, best = [], None  # best: (drop dict, facts, candidate file)
    rounded = _RoundedSource(fp32_path, path, calibration, layout)
    ranges = {}  # calibrated ranges per source file, shared by the static recipes
    try:
        for name in parse_recipes(recipes).split(","):
            entry, *made = _try(name, fp32_path, rounded, path, calibration, layout, measure, ranges)
            tried.append(entry)
            if not made:
                continue
            drop, facts, candidate = made
            problem = parity(candidate) if parity is not None and drop["drop_db"] <= max_drop_db else None
            if problem:
                entry["parity_failed"] = problem
                _remove(candidate)
                continue
            if best is None or drop["drop_db"] < best[0]["drop_db"]:
                if best is not None:
                    _remove(best[2])
                best = (drop, facts, candidate)
            else:
                _remove(candidate)
            if drop["drop_db"] <= max_drop_db:
                break
    finally:
        rounded.remove()
    if best is None:
        raise EdgesrError("no INT8 recipe could be made: %s" % "; ".join("%s: %s" % (t["recipe"], t.get("error") or t.get("skipped"))
                                                                      for t in tried),
                          "see the converter errors above; --int8-recipes chooses which recipes are tried")
    drop, facts, candidate = best
    os.replace(candidate, path)
    facts["quantization"]["psnr"] = drop
    facts["quantization"]["choice"] = {"max_drop_db": max_drop_db, "passed": drop["drop_db"] <= max_drop_db,
                                       "tried": tried}
    return facts


def _try(name, fp32_path, rounded, path, calibration, layout, measure, ranges):
    """(tried entry, drop, facts, candidate file) for one recipe, or (tried entry,) when skipped or failed."""
    candidate = "%s.%s.candidate" % (path, name)
    try:
        recipe = INT8_RECIPES[name]
        source = rounded.get(recipe) if recipe.gptq_rounding else fp32_path
        facts = tflite_export.quantize_int8(source, candidate, calibration, layout=layout, recipe_name=name,
                                            ranges_cache=ranges)
        if recipe.gptq_rounding:
            facts["quantization"]["weight_rounding"] = rounded.record(recipe)
        drop = measure(candidate)
    except tflite_export.NotApplicable as err:
        return ({"recipe": name, "skipped": str(err)},)
    except Exception as err:  # noqa: BLE001 - one recipe failing must not stop the others
        _remove(candidate)
        return ({"recipe": name, "error": "%s: %s" % (type(err).__name__, str(err).strip()[:200])},)
    return {"recipe": name, "drop_db": drop["drop_db"]}, drop, facts, candidate


def _remove(name):
    if os.path.exists(name):
        os.remove(name)


