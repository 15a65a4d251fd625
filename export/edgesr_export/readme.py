"""The bundle README: what is inside and the exact commands to run on the device."""

from edgesr_export.targets import get_target

DEVICE_DIR = "~/edgesr-bundles"


def _fmt(value, pattern):
    return "-" if value is None else pattern % value


def device_commands(manifest, bundle_name, local=None):
    """[(what, command)] for the device, in order: install, copy, build, check, bench.

    ``local`` is the bundle's path on the host (default: its name, i.e. run beside it).
    """
    target = get_target(manifest["target"])
    folder = "%s/%s" % (DEVICE_DIR, bundle_name)
    steps = [("install the runtime once (./runtimes is that folder of the edgesr repository)",
              " && ".join(target.profile.install))]
    if target.profile.name != "host-cpu":
        steps.append(("copy the bundle to the device", "rsync -a %s/ DEVICE:%s/" % (local or bundle_name, folder)))
    else:
        folder = local or bundle_name
    engines = [a for a in manifest["artifacts"] if a.get("on_device")]
    for engine in engines[:1]:
        flag = "--fp16" if engine["precision"] == "fp16" else "--no-fp16"
        steps.append(("build the TensorRT engine on the device", "python3 -m edgesr_runtime build-engine %s %s "
                      "--workspace 1024" % (folder, flag)))
    steps.append(("re-check every artifact against the golden data (sha256 first)",
                  "python3 -m edgesr_runtime check %s" % folder))
    runtimes = []
    for artifact in manifest["artifacts"]:
        key = (artifact["runtime"], artifact["precision"])
        if artifact.get("valid") is not False and key not in runtimes and artifact.get("status") != "failed":
            runtimes.append(key)
    for runtime, precision in runtimes:
        steps.append(("measure latency (%s %s)" % (runtime, precision),
                      "python3 -m edgesr_runtime bench %s --runtime %s --precision %s" % (folder, runtime, precision)))
    return steps


def _artifact_rows(manifest):
    rows = ["| artifact | file | runtime | precision | I/O layout | max abs err | PSNR vs PyTorch | status |",
            "|---|---|---|---|---|---|---|---|"]
    for a in manifest["artifacts"]:
        parity = a.get("parity") or {}
        if a.get("status") == "pending":
            status = "built on the device"
        elif a.get("status") == "failed":
            status = "FAILED: %s" % a.get("error", "?")
        else:
            status = "valid" if a.get("valid") else "INVALID: %s" % parity.get("reason", "?")
        psnr = "inf" if parity and parity.get("psnr_db") is None and "psnr_db" in parity else _fmt(
            parity.get("psnr_db"), "%.1f dB")
        rows.append("| %s | `%s` | %s | %s | %s | %s | %s | %s |" % (
            a["name"], a["file"], a["runtime"], a["precision"], a.get("layout", "-"),
            _fmt(parity.get("max_abs_err"), "%.2e"), psnr, status))
    return rows


def render(manifest, bundle_name):
    """README.md text for a finished manifest."""
    target = get_target(manifest["target"])
    model, shape = manifest["model"], manifest["input"]
    lines = [
        "# %s for %s (target `%s`)" % (model["id"], target.profile.device, target.name), "",
        "x%d luma super-resolution: input %dx%d -> output %dx%d (W x H)%s, Y channel in [0, 1], float32."
        % (model["scale"], shape["lr_width"], shape["lr_height"], shape["hr_width"], shape["hr_height"],
           ", dynamic H/W" if shape["dynamic"] else ", static shape"),
        "Exported by edgesr %s on %s. Device: %s; %s; Python %s." % (
            manifest["edgesr_version"], manifest["created_at"], target.profile.device, target.profile.software,
            target.profile.python), "",
    ]
    lines += _artifact_rows(manifest) + [""]
    lines.append("Parity: every artifact ran on `golden.npz` (%d inputs: %s) and was compared with PyTorch FP32; "
                 "tolerances per precision are in `manifest.json` (`parity.tolerance`)."
                 % (manifest["golden"]["count"], "; ".join(manifest["golden"]["sources"])))
    if manifest.get("fp16_check"):
        check = manifest["fp16_check"]
        lines.append("FP16 range check (host, FP32 graph): %s - %s." % ("passed" if check["passed"] else "FAILED",
                                                                        check["summary"]))
    for warning in manifest.get("warnings", []):
        lines.append("**Warning:** %s" % warning)
    lines += ["", "## On the device", ""]
    if target.profile.notes:
        lines += ["Note: %s." % target.profile.notes, ""]
    for what, command in device_commands(manifest, bundle_name):
        lines += ["%s:" % what.capitalize(), "", "    %s" % command, ""]
    lines += ["`edgesr-device` is the same command as `python3 -m edgesr_runtime`. Containers: see docker/README.md "
              "in the edgesr repository. File format: docs/bundle-format.md.", ""]
    return "\n".join(lines)
