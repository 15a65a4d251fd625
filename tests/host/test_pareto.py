"""The speed-quality Pareto front on small hand-made sets: dominance, ties, duplicates, missing values."""

import itertools

import numpy as np
import pandas as pd
import pytest

from edgesr.report.pareto import front_order, pareto_flags, pareto_mask


def front(points):
    speed, quality = zip(*points) if points else ((), ())
    return pareto_mask(speed, quality).tolist()


def test_dominated_points_are_off_the_front():
    #            fast/poor   middle      slow/sharp  dominated by middle  dominated by all
    points = [(100, 30.0), (50, 31.0), (10, 32.0), (40, 30.5), (5, 29.0)]
    assert front(points) == [True, True, True, False, False]


def test_a_single_point_and_no_points():
    assert front([(1.0, 1.0)]) == [True]
    assert front([]) == []


def test_equal_speed_keeps_only_the_sharper():
    assert front([(50, 31.0), (50, 31.5), (20, 31.2)]) == [False, True, False]


def test_equal_quality_keeps_only_the_faster():
    assert front([(40, 31.0), (60, 31.0), (80, 30.0)]) == [False, True, True]


def test_exact_duplicates_all_stay_on_the_front():
    points = [(60, 31.0), (10, 32.0), (60, 31.0), (60, 31.0), (30, 30.0)]
    assert front(points) == [True, True, True, True, False]


def test_duplicates_of_a_dominated_point_all_go():
    assert front([(10, 30.0), (10, 30.0), (20, 31.0)]) == [False, False, True]


@pytest.mark.parametrize("bad", [np.nan, None, np.inf, -np.inf])
def test_missing_values_are_neither_on_the_front_nor_dominating(bad):
    speed = [100.0, bad, 50.0, 20.0]
    quality = [30.0, 40.0, bad, 31.0]
    assert pareto_mask(speed, quality).tolist() == [True, False, False, True]
    assert pareto_mask([bad, bad], [bad, 1.0]).tolist() == [False, False]


def test_result_does_not_depend_on_order():
    points = [(60, 31.0), (10, 32.0), (60, 31.0), (30, 30.0), (30, 31.5), (90, 29.0), (90, 29.0), (10, 31.9)]
    expected = dict(zip(range(len(points)), front(points)))
    for perm in itertools.islice(itertools.permutations(range(len(points))), 0, None, 997):
        got = front([points[i] for i in perm])
        assert got == [expected[i] for i in perm]


def test_matches_the_definition_on_random_sets_with_ties():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 25))
        speed = rng.integers(1, 6, n).astype(float)
        quality = rng.integers(1, 6, n).astype(float)
        speed[rng.random(n) < 0.1] = np.nan
        valid = np.isfinite(speed)
        dominated = [
            any(valid[j] and speed[j] >= speed[i] and quality[j] >= quality[i]
                and (speed[j] > speed[i] or quality[j] > quality[i]) for j in range(n))
            for i in range(n)
        ]
        assert pareto_mask(speed, quality).tolist() == [bool(valid[i] and not dominated[i]) for i in range(n)]


def test_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        pareto_mask([1, 2], [1])


def test_front_order_is_a_staircase():
    speed = [5, 100, 50, 10, 40]
    quality = [32.5, 30.0, 31.0, 32.0, 30.5]
    order = front_order(speed, quality)
    assert order.tolist() == [0, 3, 2, 1]
    assert np.all(np.diff(np.asarray(quality)[order]) < 0)


def test_large_input_is_fast_enough():
    rng = np.random.default_rng(0)
    speed, quality = rng.random(200_000), rng.random(200_000)
    mask = pareto_mask(speed, quality)
    best = np.argmax(quality)
    assert mask[np.argmax(speed)] and mask[best] and 0 < mask.sum() < 100


def test_pareto_flags_per_group():
    frame = pd.DataFrame({
        "scale": [2, 2, 2, 3, 3],
        "fps": [100.0, 50.0, 40.0, 10.0, np.nan],
        "psnr": [30.0, 31.0, 30.5, 20.0, 40.0],
    }, index=[10, 11, 12, 13, 14])
    flags = pareto_flags(frame, "fps", "psnr", by=["scale"])
    assert flags.to_dict() == {10: True, 11: True, 12: False, 13: True, 14: False}
    assert pareto_flags(frame, "fps", "psnr").to_dict() == {10: True, 11: True, 12: False, 13: False, 14: False}
    assert pareto_flags(frame.iloc[:0], "fps", "psnr").empty
