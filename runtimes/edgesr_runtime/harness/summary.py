"""The trtexec-like text summary of one result."""

from .autoselect import format_choice


def _shape_text(shape):
    return "x".join(str(d) for d in shape)


def _power_text(result):
    power = result.get("power") or {}
    if result.get("power_w") is None:
        return "Power: unavailable (%s)" % (power.get("reason") or "no meter")
    text = "Power: %.3f W avg (%s), %.3f mJ/frame" % (result["power_w"], power.get("source"),
                                                       result["energy_mj_per_frame"])
    if result.get("idle_power_w") is not None:
        text += "; idle %.3f W, above idle %.3f W" % (result["idle_power_w"],
                                                      result["power_w"] - result["idle_power_w"])
    return text


def format_summary(result):
    """The summary lines of an edgesr-bench/1 object (``BenchResult.to_dict()``), joined by newlines."""
    lat = result["latency_ms"]
    return "\n".join([
        "=== Performance summary ===",
        "Model: %s (%s, %s, %s), %s input %s -> %s, threads %s" % (
            result["model"], result["runtime"], result["precision"], result.get("artifact"), result["mode"],
            _shape_text(result["input_shape"]), _shape_text(result["output_shape"]),
            result.get("threads") or "default"),
        "Throughput: %.3f fps (1000 / mean latency)" % result["fps"],
        "Latency: min = %.4f ms, max = %.4f ms, mean = %.4f ms, median = %.4f ms, percentile(90%%) = %.4f ms, "
        "percentile(95%%) = %.4f ms, percentile(99%%) = %.4f ms, std = %.4f ms" % (
            lat["min"], lat["max"], lat["mean"], lat["median"], lat["p90"], lat["p95"], lat["p99"], lat["std"]),
        "Iterations: %d in %.3f s (warm-up: %d iterations, %.1f ms, not timed)" % (
            result["iterations"], result["duration_s"], result["warmup"]["iterations"],
            result["warmup"]["elapsed_ms"]),
        "CPU usage: %.1f%% of one core; peak RSS %s MB" % (
            result["cpu_usage_pct"] or 0.0, "%.1f" % result["peak_rss_mb"] if result["peak_rss_mb"] else "n/a"),
        _power_text(result),
    ] + (format_choice(result["auto"]) if result.get("auto") else []))
