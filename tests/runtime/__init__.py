"""Device tests (numpy + one runtime). A package, so its conftest imports as ``runtime.conftest`` and never
shadows the root ``tests/conftest.py``."""
