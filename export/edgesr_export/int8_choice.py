"""Choosing an INT8 recipe per model: try the recipes in order, keep the first that keeps the picture.

Export knows no model family, so nothing here is a table per family: each candidate recipe is made
from the FP32 file and measured (PSNR drop against FP32 on the validation mosaics, see
``int8_quality``); the first whose drop is at most ``max_drop_db`` is kept and the rest are not tried.
When none passes, the candidate with the smallest drop is kept and the caller refuses it. Recipes are
ordered by how much of the arithmetic they make integer (full static first, weight-only last).
"""

import os

from edgesr_runtime.errors import EdgesrError

from edgesr_export import tflite_export
from edgesr_export.int8_recipes import DEFAULT_MAX_DROP_DB, DEFAULT_RECIPES, parse_recipes


def choose(fp32_path, path, calibration, layout, measure, recipes=DEFAULT_RECIPES, max_drop_db=DEFAULT_MAX_DROP_DB):
    """Write the chosen INT8 file at ``path``; returns its facts plus ``quantization.choice``.

    ``measure(candidate_path)`` returns ``int8_quality.psnr_drop``'s dict for one candidate file.
    ``quantization.choice`` = {"max_drop_db", "passed", "tried": [{"recipe", "drop_db" | "skipped" | "error"}, ...]}.
    """
    path = str(path)
    tried, best = [], None  # best: (drop dict, facts, candidate file)
    for name in parse_recipes(recipes).split(","):
        candidate = "%s.%s.candidate" % (path, name)
        try:
            facts = tflite_export.quantize_int8(fp32_path, candidate, calibration, layout=layout, recipe_name=name)
            drop = measure(candidate)
        except tflite_export.NotApplicable as err:
            tried.append({"recipe": name, "skipped": str(err)})
            continue
        except Exception as err:  # noqa: BLE001 - one recipe failing must not stop the others
            tried.append({"recipe": name, "error": "%s: %s" % (type(err).__name__, str(err).strip()[:200])})
            _remove(candidate)
            continue
        tried.append({"recipe": name, "drop_db": drop["drop_db"]})
        if best is None or drop["drop_db"] < best[0]["drop_db"]:
            if best is not None:
                _remove(best[2])
            best = (drop, facts, candidate)
        else:
            _remove(candidate)
        if drop["drop_db"] <= max_drop_db:
            break
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


def _remove(name):
    if os.path.exists(name):
        os.remove(name)


