"""Every numeric tolerance written into a test says where it comes from (docs/reliability.md, "Numeric
tolerances in tests"): float32 error analysis, a float64 rounding, a quantization step, a timing slack.

A literal ``atol=``, ``rtol=``, ``abs=`` or ``rel=``, or a comparison against a literal like ``< 1e-5``,
needs a comment on its line or on one of the three lines above it. Bounds computed by the helpers in
tests/runtime/float32_error.py and tests/host/float32_bounds.py are not literals and need nothing.
"""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
NUMBER = r"(\d+\.?\d*(?:e-?\d+)?|\.\d+)"
KEYWORD = re.compile(r"\b(?:atol|rtol|abs|rel)\s*=\s*%s(?![\w.(])" % NUMBER)  # a literal, not a name or call
SMALL = re.compile(r"[<>]=?\s*(\d[\d.]*e-\d+)")
LINES_ABOVE = 3


def has_tolerance(code):
    """Whether a line of code (its comment cut off) holds a non-zero tolerance literal."""
    return any(float(match.group(1)) != 0 for pattern in (KEYWORD, SMALL) for match in pattern.finditer(code))


def undocumented_tolerances(path, root=TESTS):
    """``path:line: text`` of each tolerance literal with no comment on its line or the lines above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for number, line in enumerate(lines):
        if not has_tolerance(line.split("#", 1)[0]):
            continue
        above = lines[max(0, number - LINES_ABOVE):number]
        if "#" in line or any(other.strip().startswith("#") for other in above):
            continue
        found.append("%s:%d: %s" % (path.relative_to(root), number + 1, line.strip()))
    return found


def test_the_checker_finds_a_bare_tolerance_and_accepts_a_derived_one(tmp_path):
    bare = tmp_path / "test_bare.py"
    bare.write_text("x = 1\nnp.testing.assert_allclose(a, b, atol=1e-6)\nassert d < 2.5e-5\n", encoding="utf-8")
    assert len(undocumented_tolerances(bare, tmp_path)) == 2
    bare.write_text("# 9 products, Σ|w| <= 2: 2·γ_9·2\nnp.testing.assert_allclose(a, b, atol=2.2e-6)\n"
                    "assert d < 2.5e-5  # half a float16 ulp of 0.05\nassert x == approx(y, abs=bound)\n"
                    "assert_allclose(a, b, atol=bound(w), rtol=0)\n", encoding="utf-8")
    assert undocumented_tolerances(bare, tmp_path) == []


def test_every_tolerance_literal_in_the_tests_is_explained():
    found = [entry for path in sorted(TESTS.rglob("*.py")) if path != Path(__file__).resolve()
             for entry in undocumented_tolerances(path)]
    assert not found, "tolerances without a derivation comment:\n" + "\n".join(found)


def test_every_test_docs_reliability_names_exists():
    """docs/reliability.md names a test per case and per tolerance (``tests/...py::name``, or ``::name`` for one
    more in the file named before it): each file and test function must exist."""
    text = (TESTS.parent / "docs" / "reliability.md").read_text(encoding="utf-8")
    missing, current = [], None
    for path, name in re.findall(r"`(?:(tests/[\w/]+\.py))?(?:::(\w+))?`", text):
        if path:
            current = TESTS.parent / path
            if not current.is_file():
                missing.append(path)
                continue
        if name and current is not None and ("def %s(" % name) not in current.read_text(encoding="utf-8"):
            missing.append("%s::%s" % (current.relative_to(TESTS.parent), name))
    assert not missing, missing
