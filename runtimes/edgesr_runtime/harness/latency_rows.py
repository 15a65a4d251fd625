"""The one writer of latency rows into the results store, and the keys those rows go under.

A row is keyed by (model, runtime, precision, dataset=MODE:HxW[/tTHREADS], device); its payload is
the ``edgesr-bench/1`` object. The device bench, the device sweep, ``edgesr bench`` and ``edgesr
sweep`` all write through ``write_latency``; a resumable sweep asks ``latency_done`` first.
"""

import platform

SWEEP_FAILURE_KEY = "sweep:latency"


def setting_key(data):
    """Store key part that keeps configurations apart: "model:540x960/t4" or "end-to-end:540x960".

    ``data``: an edgesr-bench/1 object (or any dict with its mode, input_shape and threads).
    """
    key = "%s:%dx%d" % (data["mode"], data["input_shape"][2], data["input_shape"][3])
    return key + ("/t%d" % data["threads"] if data["threads"] else "")


def planned_setting_key(lr_height, lr_width, threads=None):
    """The key a plain (model-only) run at this LR size will get, known before the run."""
    return setting_key({"mode": "model", "input_shape": [1, 1, lr_height, lr_width], "threads": threads})


def device_label(device=None, data=None):
    """``device``, else the board model in the result's environment, else the host name."""
    board = ((data or {}).get("environment") or {}).get("board_model")
    return device or board or platform.node() or "unknown"


def write_latency(store, result, device=None):
    """Write one kind=latency row for a BenchResult (or its dict) into an open ResultStore; returns the dict."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    store.put("latency", data["model"], data["runtime"], data["precision"], data, dataset=setting_key(data),
              device=device_label(device, data))
    return data


def latency_done(store, model, device, setting):
    """True when the store already holds a latency row of ``model`` for this device and setting."""
    return any(row["device"] == device and row["dataset"] == setting
               for row in store.rows(kind="latency", model=model, status="ok"))


def record_failure(store, model, device, stage, error):
    """Store one sweep failure (retried by the next run) with its one-line reason."""
    store.put("failure", model, "auto", "", {"stage": stage, "reason": str(error).splitlines()[0]},
              dataset=SWEEP_FAILURE_KEY, device=device, status="failed")
