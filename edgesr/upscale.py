"""``edgesr upscale``: upscale image files with a model (zoo id or any model spec), reporting and skipping bad files.

A model outside the zoo is tiled only when it is made of convolutions, pixel shuffles and pointwise
layers (``edgesr.models.receptive.is_local``), where the tile halo provably hides the tile borders;
any other (attention, pooling, resizing...) runs on the whole image at once.
"""

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

from edgesr.imaging import BORDERS, IMAGE_SUFFIXES, read_image, upscale_array, write_image
from edgesr.inference import LumaUpscaler
from edgesr.models.receptive import is_local
from edgesr.models.source import resolve
from edgesr_runtime.errors import EdgesrError
from edgesr_runtime.files import WriteError, ensure_folder
from edgesr_runtime.progress import Progress


@dataclass
class UpscaleReport:
    written: List[Path] = field(default_factory=list)
    failed: List[Tuple[str, str]] = field(default_factory=list)  # (input, one-line reason naming it)


def expand_inputs(inputs):
    """Files, folders (their images, sorted) and globs → (list of image paths, list of (input, error))."""
    paths, problems = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                problems.append((item, "%s: folder holds no images" % item))
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        elif glob.has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(item) if Path(m).is_file())
            if not matches:
                problems.append((item, "%s: glob matches no files" % item))
            paths.extend(matches)
        else:
            problems.append((item, "%s: no such file or folder" % item))
    unique = list(dict.fromkeys(p.resolve() for p in paths))
    return unique, problems


def output_path(source, out_dir, model_id):
    return Path(out_dir) / ("%s_%s.png" % (source.stem, model_id))


def plan_outputs(sources, out_dir, model_id):
    """Map each input to its output; refuse plans that would overwrite an input or collide."""
    plan, seen = [], {}
    inputs = set(sources)
    for source in sources:
        target = output_path(source, out_dir, model_id).resolve()
        if target in inputs:
            raise EdgesrError("output %s would overwrite an input" % target, "choose another --out folder")
        if target in seen:
            raise EdgesrError(
                "%s and %s would both write %s" % (seen[target], source, target.name),
                "upscale them in separate runs or rename one",
            )
        seen[target] = source
        plan.append((source, target))
    return plan


def upscale_files(inputs, model, out_dir, weights_dir=None, device="cpu", tile=512, progress=True,
                  border="replicate"):
    """Upscale every image named by ``inputs`` with ``model`` (a spec); bad files are reported in the result,
    not raised.

    ``border`` (see ``edgesr.inference``): what the model sees beyond the image edge.
    """
    source = resolve(model, weights_dir)
    check_tile(tile)
    check_border(border)
    sources, problems = expand_inputs(inputs)
    report = UpscaleReport(failed=list(problems))
    if not sources:
        return report
    plan = plan_outputs(sources, out_dir, source.model_id)
    module = source.build().to(device)
    if source.kind != "zoo" and not is_local(module):
        tile = 0  # a tile halo is exact only for convolutional models
    ensure_folder(out_dir)

    upscaler = LumaUpscaler(module, source.scale, tile=tile, border=border, device=device)
    bar = Progress(len(plan), "upscale x%d" % source.scale, min_interval_s=1.0, enabled=progress and len(plan) > 1)
    for number, (source, target) in enumerate(plan):
        try:
            write_image(target, upscale_array(read_image(source), upscaler))
            report.written.append(target)
            bar.step(source.name, "ok")
        except WriteError as err:
            report.failed.append((str(source), str(err)))
            bar.step(source.name, "failed", always=True)
            if err.stops_batch:  # every later write would fail alike: stop, naming what was not done
                report.failed.extend((str(rest), "%s: not done (stopped after the write error above)" % rest)
                                     for rest, _ in plan[number + 1:])
                break
        except EdgesrError as err:
            report.failed.append((str(source), str(err)))
            bar.step(source.name, "failed", always=True)
    return report


def check_tile(tile):
    """``--tile`` is 0 (whole image) or a positive LR tile size."""
    if not isinstance(tile, int) or tile < 0:
        raise EdgesrError("--tile must be 0 (whole image) or a positive tile size, got %r" % (tile,),
                          "pass --tile 512, or --tile 0 for the whole image at once")


def check_border(border):
    """``--border`` is one of ``BORDERS``."""
    if border not in BORDERS:
        raise EdgesrError("--border must be one of %s, got %r" % (", ".join(BORDERS), border),
                          "pass --border replicate (the default), reflect or zero")
