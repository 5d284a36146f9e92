"""Integrality lower bounds for the vacation objective (rounding of the convention shares).

Members receive whole vacations, so assigned time is a multiple of the time unit (gcd of vacation
lengths) while the share target usually is not: the deviations cannot all be zero. The smallest
possible largest deviation (and smallest possible sum of deviations) of integers `a_m` that sum
to the operated total, each within [lo_m, hi_m] (forced / eligible time), is computed exactly
here by apportionment. It relaxes the plan (it ignores which vacations) so it is a valid lower
bound; the solver receives it as the floor of its objective terms and can then prove optimality.
All quantities are integers in "basis-point units": BP * units - share_bp * total + carry.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

BP = 10_000


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _interval(tgt: int, z: int, lo: int, hi: int, scale: int) -> tuple[int, int]:
    return max(lo, _ceil_div(tgt - z, scale)), min(hi, (tgt + z) // scale)


def _in_steps(lo, hi, total: int, step: int):
    """Everything counted in steps (a_m must be a multiple of `step` units); None if impossible."""
    if total % step:
        return None
    return [_ceil_div(x, step) for x in lo], [x // step for x in hi], total // step


def min_max_deviation(
    targets: Sequence[int], lo: Sequence[int], hi: Sequence[int], total: int, step: int = 1
) -> int | None:
    """Smallest z with a_m in [lo_m, hi_m] multiples of `step`, sum a_m = total, |BP a_m - t_m| <= z.

    `targets` are BP-scaled (t_m = share_bp * total - carry); None when no such integers exist.
    """
    if not targets:
        return 0
    converted = _in_steps(lo, hi, total, step)
    if converted is None:
        return None
    lo, hi, total = converted
    scale = BP * step
    if sum(lo) > total or sum(hi) < total:
        return None

    def ok(z: int) -> bool:
        ivs = [_interval(t, z, a, b, scale) for t, a, b in zip(targets, lo, hi, strict=True)]
        if any(a > b for a, b in ivs):
            return False
        return sum(a for a, _ in ivs) <= total <= sum(b for _, b in ivs)

    low, high = 0, scale * (total + 1) + max(abs(t) for t in targets) + scale * max(hi, default=0)
    if not ok(high):
        return None
    while low < high:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid + 1
    return low


def min_sum_deviation(
    targets: Sequence[int], lo: Sequence[int], hi: Sequence[int], total: int, step: int = 1
) -> int | None:
    """Smallest sum |BP a_m - t_m| over a_m in [lo_m, hi_m], multiples of `step`, sum `total`.

    Separable convex allocation: start every member at its own best integer, then move one unit
    at a time to (or from) the member whose cost changes least; greedy is exact here.
    """
    if not targets:
        return 0
    converted = _in_steps(lo, hi, total, step)
    if converted is None:
        return None
    lo, hi, total = converted
    scale = BP * step
    if sum(lo) > total or sum(hi) < total:
        return None

    def cost(i: int, a: int) -> int:
        return abs(scale * a - targets[i])

    a = [min(max(round(t / scale), lo[i]), hi[i]) for i, t in enumerate(targets)]
    step = 1 if sum(a) < total else -1
    heap = []
    for i in range(len(a)):
        if lo[i] <= a[i] + step <= hi[i]:
            heapq.heappush(heap, (cost(i, a[i] + step) - cost(i, a[i]), i))
    for _ in range(abs(total - sum(a))):
        _, i = heapq.heappop(heap)
        a[i] += step
        if lo[i] <= a[i] + step <= hi[i]:
            heapq.heappush(heap, (cost(i, a[i] + step) - cost(i, a[i]), i))
    return sum(cost(i, x) for i, x in enumerate(a))
