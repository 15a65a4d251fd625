"""The latency + power harness: statistics, timing window, power alignment, end-to-end colour path."""

import json
import time

import numpy as np
import pytest

from edgesr_runtime import stats
from edgesr_runtime.colour import rgb_to_ycbcr, ycbcr_to_rgb
from edgesr_runtime.errors import EdgesrError, MissingBackendError
from edgesr_runtime.harness import MeasureRequest, format_summary, measure_runner
from edgesr_runtime.harness.endtoend import EndToEnd
from edgesr_runtime.harness.frames import input_shape_for, make_frames
from edgesr_runtime.harness.timing import time_loop
from edgesr_runtime.resample import resize_bicubic
from edgesr_runtime.runners.base import Runner, TensorMeta

DELAYS_MS = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0]


def measure(runner, meter=None, clock=None, artifact=None, **fields):
    """measure_runner with a MeasureRequest of ``fields`` (no power meter unless one is given); the JSON dict."""
    extra = {"clock": clock} if clock is not None else {}
    request = MeasureRequest(power="none", **fields)
    return measure_runner(runner, request, artifact=artifact, meter=meter, **extra).to_dict()


class FakeClock(object):
    """A clock that only moves when the synthetic runner works."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class DelayRunner(Runner):
    """A synthetic runner whose i-th call takes DELAYS_MS[i % 7] on a fake clock (or really sleeps)."""

    runtime = "synthetic"

    def __init__(self, clock=None, delays_ms=DELAYS_MS, shape=(1, 1, 8, 8)):
        super(DelayRunner, self).__init__(None, name="synthetic")
        self.clock, self.delays, self.shape, self.calls = clock, delays_ms, shape, []

    def _load(self):
        pass

    def _infer(self, native):
        start = self.clock() if self.clock else time.perf_counter()
        delay = self.delays[len(self.calls) % len(self.delays)]
        if self.clock:
            self.clock.now += delay / 1e3
        else:
            time.sleep(delay / 1e3)
        self.calls.append((start, self.clock() if self.clock else time.perf_counter(), delay))
        return np.zeros((native.shape[0], 1, native.shape[2] * 2, native.shape[3] * 2), np.float32)

    def _input_meta(self):
        return TensorMeta("input", self.shape, "float32", None)

    def _output_meta(self):
        return TensorMeta("output", (1, 1, None, None), "float32", None)


class FakeMeter(object):
    """Records when it was started and stopped; reports a constant 2 W."""

    def __init__(self, clock):
        self.clock, self.windows = clock, []

    def start(self):
        self.windows.append([self.clock(), None])

    def stop(self):
        from edgesr_runtime.power import PowerResult

        self.windows[-1][1] = self.clock()
        duration = self.windows[-1][1] - self.windows[-1][0]
        return PowerResult("fake", "ok", avg_w=2.0, energy_j=2.0 * duration, duration_s=duration)

    def close(self):
        pass


# ------------------------------------------------------------------------------------------------
# statistics


def test_summarize_matches_numpy():
    trace = np.random.default_rng(0).gamma(2.0, 3.0, size=537)
    got = stats.summarize(trace)
    assert got["min"] == trace.min() and got["max"] == trace.max()
    assert got["mean"] == pytest.approx(trace.mean())
    assert got["median"] == pytest.approx(np.median(trace))
    for p in (90, 95, 99):
        assert got["p%d" % p] == pytest.approx(np.percentile(trace, p))
    assert got["std"] == pytest.approx(trace.std())
    assert list(got) == ["min", "mean", "median", "p90", "p95", "p99", "std", "max"]
    with pytest.raises(ValueError):
        stats.summarize([])


def test_fps_cpu_and_memory_helpers():
    assert stats.fps(20.0) == pytest.approx(50.0)
    assert stats.fps(0) is None
    assert stats.cpu_usage_pct(2.0, 1.0) == pytest.approx(200.0)
    assert stats.peak_rss_mb() > 1


# ------------------------------------------------------------------------------------------------
# the timed loop on a fake clock: exact, instant


def test_trace_is_exactly_the_timed_iterations():
    clock = FakeClock()
    runner = DelayRunner(clock).load()
    frames = make_frames((1, 1, 8, 8), 3)
    timing = time_loop(runner.infer, frames, warmup_ms=20, duration_s=0.1, min_iterations=10, clock=clock)
    # warm-up: 5 + 1 + 9 + 3 = 18 ms < 20, + 7 = 25 ms -> 5 calls, none of them in the trace
    assert timing.warmup_iterations == 5
    assert timing.warmup_elapsed_ms == pytest.approx(25.0)
    expected = [c[2] for c in runner.calls[5:]]
    np.testing.assert_allclose(timing.trace_ms, expected, rtol=1e-9)  # float64 clock differences: a few u64 = 1e-16
    assert sum(timing.trace_ms) >= 100.0 and sum(timing.trace_ms[:-1]) < 100.0  # stops once 0.1 s is reached
    assert timing.duration_s == pytest.approx(sum(timing.trace_ms) / 1e3)


def test_min_iterations_outlasts_min_duration():
    clock = FakeClock()
    runner = DelayRunner(clock).load()
    timing = time_loop(runner.infer, make_frames((1, 1, 8, 8), 2), warmup_ms=0, duration_s=0.001,
                             min_iterations=12, clock=clock)
    assert timing.warmup_iterations == 0 and len(timing.trace_ms) == 12


def test_frames_are_cycled():
    seen = []
    frames = make_frames((1, 1, 4, 4), 3)
    time_loop(lambda f: seen.append(f), frames, warmup_ms=0, duration_s=0, min_iterations=7)
    assert [next(i for i, f in enumerate(frames) if f is s) for s in seen] == [0, 1, 2, 0, 1, 2, 0]
    assert len({f.tobytes() for f in frames}) == 3 and all(f.dtype == np.float32 for f in frames)


def test_power_window_brackets_exactly_the_timed_iterations():
    clock = FakeClock()
    runner = DelayRunner(clock).load()
    meter = FakeMeter(clock)
    result = measure(runner, model_id="synthetic_s2", frames=4, warmup_ms=12, duration_s=0.05,
                             iterations=3, meter=meter, clock=clock)
    (start, stop), = meter.windows
    timed = runner.calls[1 + result["warmup"]["iterations"]:]  # call 0 probes the output shape
    assert len(timed) == result["iterations"]
    assert start == timed[0][0] and stop == timed[-1][1]
    assert all(end <= start for _, end, _ in runner.calls[:len(runner.calls) - len(timed)])
    assert sum(start <= a and b <= stop for a, b, _ in runner.calls) == result["iterations"]
    assert result["power_w"] == 2.0
    assert result["energy_mj_per_frame"] == pytest.approx(2.0 * (stop - start) / result["iterations"] * 1e3)
    assert result["power"]["status"] == "ok"


def test_none_meter_gives_null_never_zero():
    result = measure(DelayRunner(FakeClock()).load(), frames=2, warmup_ms=0, duration_s=0, iterations=3, scale=2)
    assert result["power_w"] is None and result["energy_mj_per_frame"] is None
    assert result["power"]["status"] == "unavailable" and result["power"]["avg_w"] is None
    assert "Power: unavailable (" in format_summary(result)
    stored_without_meter = dict(result, power=None)  # results of older runs may carry no power object
    assert "Power: unavailable (no meter)" in format_summary(stored_without_meter)


def test_idle_baseline_is_shown_beside():
    clock = FakeClock()
    result = measure(DelayRunner(clock).load(), frames=2, warmup_ms=0, duration_s=0.01, iterations=2,
                             meter=FakeMeter(clock), idle_s=0.001, clock=clock)
    assert result["idle_power_w"] == 2.0 and result["idle_power"]["detail"]["role"] == "idle"
    assert result["power_w"] == 2.0  # never subtracted
    assert "idle 2.000 W" in format_summary(result)


def test_real_clock_honours_warmup_and_duration():
    runner = DelayRunner(delays_ms=[2.0]).load()
    t0 = time.perf_counter()
    result = measure(runner, frames=2, warmup_ms=10, duration_s=0.05, iterations=3)
    assert time.perf_counter() - t0 >= 0.06
    assert result["duration_s"] >= 0.05 and result["iterations"] >= 3
    assert result["warmup"]["elapsed_ms"] >= 10 and result["warmup"]["iterations"] >= 1
    assert min(result["trace_ms"]) >= 2.0
    # float64 means of the same trace, summed in other orders: n·u64 relative, far under 1e-6
    assert result["latency_ms"]["mean"] == pytest.approx(np.mean(result["trace_ms"]), rel=1e-6)
    assert result["fps"] == pytest.approx(1000.0 / result["latency_ms"]["mean"])
    assert 0 <= result["cpu_usage_pct"] < 100  # sleeping uses almost no CPU


# ------------------------------------------------------------------------------------------------
# inputs, result, summary


def test_input_shape_for_full_hd_output():
    dynamic = TensorMeta("x", (1, 1, None, None), "float32", "NCHW")
    assert input_shape_for(dynamic, scale=2) == (1, 1, 540, 960)
    assert input_shape_for(dynamic, scale=3) == (1, 1, 360, 640)
    assert input_shape_for(dynamic, input_size=(60, 80)) == (1, 1, 60, 80)
    nhwc = TensorMeta("x", (1, 540, 960, 1), "float32", "NHWC")
    assert input_shape_for(nhwc) == (1, 1, 540, 960)
    with pytest.raises(EdgesrError, match="--scale"):
        input_shape_for(dynamic)


def test_request_validation_and_probe():
    request = MeasureRequest(warmup_ms=500, duration_s=0.2, iterations=50, idle_s=3)
    assert request.validate() is request
    probe = request.probe()
    assert (probe.warmup_ms, probe.duration_s, probe.iterations, probe.idle_s) == (100.0, 0.2, 3, 0.0)
    for bad in (dict(frames=0), dict(iterations=0), dict(duration_s=-1), dict(warmup_ms=-1), dict(threads=0)):
        with pytest.raises(EdgesrError):
            MeasureRequest(**bad).validate()


def test_environment_is_captured_once_per_process():
    from edgesr_runtime import environment

    first = environment.process_environment()
    first["cpu"] = "changed by a caller"
    assert environment.process_environment()["cpu"] != "changed by a caller"
    assert environment._captured_once.cache_info().misses == 1


def test_result_schema_and_summary():
    clock = FakeClock()
    result = measure(DelayRunner(clock).load(), model_id="eSR-X_s2", artifact="model.onnx", frames=3,
                             warmup_ms=0, duration_s=0.02, iterations=2, clock=clock)
    for key in ("schema", "model", "runtime", "precision", "artifact", "input_shape", "latency_ms", "iterations",
                "warmup", "duration_s", "fps", "cpu_usage_pct", "peak_rss_mb", "power_w", "energy_mj_per_frame",
                "power", "trace_ms", "environment"):
        assert key in result
    assert result["schema"] == "edgesr-bench/1" and result["input_shape"] == [1, 1, 8, 8]
    assert result["output_shape"] == [1, 1, 16, 16] and result["mode"] == "model"
    assert len(result["trace_ms"]) == result["iterations"]
    json.dumps(result)
    text = format_summary(result)
    assert text.startswith("=== Performance summary ===")
    for piece in ("Throughput:", "Latency: min = ", "mean = ", "median = ", "percentile(90%) = ",
                  "percentile(99%) = ", "CPU usage:"):
        assert piece in text


# ------------------------------------------------------------------------------------------------
# end-to-end colour path


@pytest.fixture(scope="module")
def smooth_rgb():
    """A smooth 48×64 RGB test image (gradients and a ripple), uint8."""
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    channels = [x / 63, y / 47, 0.5 + 0.4 * np.sin(x / 5) * np.cos(y / 7)]
    return (np.stack(channels, axis=2) * 255 + 0.5).astype(np.uint8)


def test_ycbcr_roundtrip(smooth_rgb):
    rgb = smooth_rgb.astype(np.float32) / 255
    # float32 both ways, the inverse of the float32 matrix: forward rows are 3 products + 1 offset with
    # Σ|terms| <= 1.5 (γ_4·1.5 = 3.6e-7), the inverse's rows Σ|m| <= 2.78 carry that on (1.0e-6) and round
    # again (γ_4·2.78·1.5 = 1.0e-6); the centre subtraction and the float32-rounded inverse matrix add
    # 2.78·u·1.5 = 2.5e-7 each: 2.5e-6 in all, < 3e-6
    assert np.abs(ycbcr_to_rgb(rgb_to_ycbcr(rgb)) - rgb).max() < 3e-6


def test_bicubic_keeps_constants_and_channels():
    img = np.full((5, 7, 2), 0.25, np.float32)
    out = resize_bicubic(img, 10, 14)
    # two 4-tap passes of weights summing to 1 (Σ|w| <= 1.25): 2·γ_4·1.25·0.25 = 1.5e-7, under np.allclose's
    # default rtol·0.25 + atol = 2.5e-6
    assert out.shape == (10, 14, 2) and np.allclose(out, 0.25)


class NearestX2(Runner):
    """A trivial ×2 luma 'model' for the end-to-end path."""

    runtime = "synthetic"

    def _load(self):
        pass

    def _infer(self, native):
        return native.repeat(2, axis=2).repeat(2, axis=3)

    def _input_meta(self):
        return TensorMeta("x", (1, 1, None, None), "float32", None)

    def _output_meta(self):
        return TensorMeta("y", (1, 1, None, None), "float32", None)


def test_end_to_end_pipeline(smooth_rgb):
    with NearestX2(name="nearest") as runner:
        pipeline = EndToEnd(runner, chroma="numpy")
        out = pipeline(smooth_rgb[:40, :60])
        assert out.shape == (80, 120, 3) and out.dtype == np.uint8
        gray = pipeline(np.full((6, 8, 3), 128, np.uint8))
        assert np.abs(gray.astype(int) - 128).max() <= 1
        assert pipeline.describe()["chroma_resize"].startswith("numpy")
        # the model on Y, bicubic chroma: the result is close to a plain upscale of the image
        ref = smooth_rgb[:40, :60].repeat(2, axis=0).repeat(2, axis=1).astype(int)
        assert np.abs(out.astype(int) - ref)[4:-4, 4:-4].mean() < 8


def test_end_to_end_cv2_choice():
    try:
        import cv2  # noqa: F401
    except ImportError:
        with pytest.raises(MissingBackendError, match="opencv"):
            EndToEnd(NearestX2(), chroma="cv2")
    else:
        assert EndToEnd(NearestX2().load(), chroma="cv2").describe()["chroma_resize"].startswith("cv2")


def test_benchmark_end_to_end_mode():
    with NearestX2(name="nearest_s2") as runner:
        result = measure(runner, frames=2, warmup_ms=0, duration_s=0.02, iterations=2,
                                 end_to_end=True, chroma="numpy", input_size=(30, 40))
    assert result["mode"] == "end-to-end" and result["input_shape"] == [1, 1, 30, 40]
    assert result["pipeline"]["chroma_resize"].startswith("numpy")
    assert "end-to-end input 1x1x30x40" in format_summary(result)
