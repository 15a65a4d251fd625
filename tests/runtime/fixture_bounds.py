"""float32 bounds for the models of the committed fixture bundles (tests/runtime/fixtures/bundles).

Each bound is the largest difference of two float32 evaluations of the model on inputs in [0, 1] (the
exporter's PyTorch golden output and a runtime's, or PyTorch on two CPUs), derived from the model's
structure and its largest filter weight sums Σ|w| (tests/runtime/float32_error.py has the rules).
tests/host/test_runtime_fixtures.py checks these sums against the weights.
"""

from .float32_error import UNIT_ROUNDOFF, dot_error, gamma

# The largest Σ|w| of one 3×3 filter (rounded up): eSR-MAX's filters; eSR-TM's value and key filters.
WEIGHT_SUMS = {"eSR-MAX_s2_K3_C1": {"filter": 2.28}, "eSR-TM_s2_K3_C2": {"value": 2.57, "key": 39.42}}


def _esr_max(sums):
    """3×3 conv without bias (9 products), pixel shuffle and max: copies and an exact max."""
    return dot_error(9, sums["filter"])


def _esr_tm(sums):
    """y = Σ_c v_c·softmax(k)_c. v errs by γ_9·V; k by γ_11·K (9 products, then softmax's k - max k and exp's
    argument); |∂y/∂k| sums to at most range(v) <= 2V; softmax and the weighted sum of C=2 round within 16u·|y|
    (exp within 4 ulps, one division, C products and sums). Twice the error of one evaluation."""
    value, key = sums["value"], sums["key"]
    one = gamma(9) * value + 2 * value * gamma(11) * key + 16 * UNIT_ROUNDOFF * value
    return 2 * one


FP32_BOUNDS = {"eSR-MAX_s2_K3_C1": _esr_max(WEIGHT_SUMS["eSR-MAX_s2_K3_C1"]),  # 2.4e-6
               "eSR-TM_s2_K3_C2": _esr_tm(WEIGHT_SUMS["eSR-TM_s2_K3_C2"])}  # 2.7e-4


def fp32_bound(bundle):
    """The bound of a fixture bundle's model, by bundle folder name (``MODEL-TARGET``)."""
    return FP32_BOUNDS[bundle.rsplit("-", 1)[0]]
