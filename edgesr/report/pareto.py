"""The speed-quality Pareto front: points no other point beats in both speed and quality.

Both axes are maximized. Point i is *dominated* when some point j has ``speed[j] >= speed[i]`` and
``quality[j] >= quality[i]`` with at least one of the two strictly greater; the front is every
valid point that is not dominated. Consequences of that definition, all tested:

- a tie in one coordinate decides by the other: at equal speed only the best quality survives,
  at equal quality only the fastest;
- exact duplicates (equal speed *and* equal quality) do not dominate each other, so **all copies
  stay on the front**; the result never depends on input order;
- a point whose speed or quality is NaN, None or infinite is not a candidate: it is never on the
  front and never dominates another point.

O(n log n): sort by speed descending, then a running maximum of quality.
"""

import numpy as np


def pareto_mask(speed, quality):
    """Boolean array: True for the points on the front of (speed ↑, quality ↑)."""
    s = np.asarray(speed, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    if s.shape != q.shape:
        raise ValueError("speed and quality differ in length: %d vs %d" % (s.size, q.size))
    mask = np.zeros(s.size, dtype=bool)
    valid = np.flatnonzero(np.isfinite(s) & np.isfinite(q))
    if valid.size == 0:
        return mask
    order = valid[np.lexsort((-q[valid], -s[valid]))]  # speed desc, quality desc within a speed
    ss, qs = s[order], q[order]
    starts = np.r_[True, ss[1:] != ss[:-1]]  # first (best-quality) point of each equal-speed group
    group_start = np.maximum.accumulate(np.where(starts, np.arange(ss.size), 0))
    running_max = np.maximum.accumulate(qs)
    best_faster = np.where(group_start > 0, running_max[np.maximum(group_start - 1, 0)], -np.inf)
    mask[order] = (qs > best_faster) & (qs == qs[group_start])
    return mask


def front_order(speed, quality):
    """Indices of the front's points sorted by speed ascending (quality descending): ready to plot."""
    s = np.asarray(speed, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    idx = np.flatnonzero(pareto_mask(s, q))
    return idx[np.lexsort((-q[idx], s[idx]))]


def pareto_flags(frame, speed, quality, by=()):
    """A bool Series over ``frame``: on the front of columns (speed, quality), separately per ``by`` group."""
    import pandas as pd

    flags = pd.Series(False, index=frame.index, dtype=bool)
    if frame.empty:
        return flags
    groups = frame.groupby(list(by), sort=False, dropna=False) if by else [((), frame)]
    for _, part in groups:
        flags.loc[part.index] = pareto_mask(part[speed].to_numpy(float), part[quality].to_numpy(float))
    return flags
