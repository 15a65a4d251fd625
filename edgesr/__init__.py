"""edgesr: the edge-SR model zoo on edge devices — export, check, measure, report."""

__version__ = "0.1.0"
