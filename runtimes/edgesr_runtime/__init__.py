"""edgesr device runtime: run, check and measure exported bundles with numpy + one runtime (no torch)."""

__version__ = "0.1.0"
