"""The ledger's pure calculations: allocation to the cent, technical-fee degressivity, pay."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimm.engine import ledger as L

D = Decimal
amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: D(c) / 100)
weights = st.dictionaries(
    st.text(alphabet="ABCDEFGH", min_size=1, max_size=3),
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=300, deadline=None)
@given(amounts, weights)
def test_allocation_sums_to_the_total_and_is_never_of_the_wrong_sign(amount, key):
    shares = L.allocate(amount, key)
    assert set(shares) == set(key)
    assert sum(shares.values()) == amount
    assert L.check_allocation(amount, shares) == []
    for k, v in shares.items():
        assert v.quantize(L.CENT) == v
        assert (v >= 0) if amount >= 0 else (v <= 0)
        if key[k] == 0:
            assert v == 0


@settings(max_examples=200, deadline=None)
@given(amounts, weights)
def test_each_share_is_within_a_cent_of_its_exact_value(amount, key):
    shares = L.allocate(amount, key)
    total = sum(key.values())
    for k, v in shares.items():
        assert abs(v - amount * key[k] / total) < D("0.01")


def test_largest_remainder_gives_the_cents_to_the_largest_remainders():
    # 100.00 in thirds: 33.33 each and one cent left, to the first in order (tie)
    assert L.allocate(D("100.00"), [("a", 1), ("b", 1), ("c", 1)]) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }
    assert L.allocate(D("10.00"), {"a": D("0.6"), "b": D("0.4")}) == {"a": D("6"), "b": D("4")}


@pytest.mark.parametrize(
    ("amount", "key", "message"),
    [
        (D("1.00"), {}, "aucun membre"),
        (D("1.00"), {"a": 0}, "nulle"),
        (D("1.00"), {"a": -1, "b": 2}, "négative"),
        (D("1.001"), {"a": 1}, "centime"),
    ],
)
def test_bad_keys_are_refused_in_french(amount, key, message):
    with pytest.raises(L.AllocationError, match=message):
        L.allocate(amount, key)


def test_a_percent_key_must_cover_every_member_and_sum_to_100():
    assert L.check_percent_key({"a": D("60"), "b": D("40")}, ["a", "b"]) == []
    problems = L.check_percent_key({"a": D("60"), "b": D("39.99")}, ["a", "b"])
    assert problems == ["La clé somme à 99.99 % au lieu de 100 %."]
    assert "ne couvre pas" in L.check_percent_key({"a": D("100")}, ["a", "b"])[0]


SCALE = L.TechnicalFeeScale(
    reference=5,
    threshold1=7,
    threshold2=9,
    full=D("93.53"),
    depreciated_full=D("69.38"),
    depreciated_tier1=D("54.68"),
    depreciated_tier2=D("41.88"),
    depreciated_tier3=D("29.63"),
)


def test_technical_fee_is_degressive_by_rank_in_the_year():
    rates = [L.technical_fee_rate(r, SCALE, depreciated=True) for r in range(1, 12)]
    assert rates == [D("69.38")] * 5 + [D("54.68")] * 2 + [D("41.88")] * 2 + [D("29.63")] * 2
    fresh = [L.technical_fee_rate(r, SCALE, depreciated=False) for r in (1, 6, 8, 10)]
    gap = D("93.53") - D("69.38")
    assert fresh == [D("93.53"), D("54.68") + gap, D("41.88") + gap, D("29.63") + gap]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_depreciation_is_counted_on_the_first_of_january():
    on = dt.date(2027, 6, 1)
    assert L.is_depreciated(dt.date(2020, 1, 1), on)  # 7 full years on 1 Jan 2027
    assert not L.is_depreciated(dt.date(2020, 1, 2), on)
    assert L.is_depreciated(dt.date(2016, 2, 29), dt.date(2024, 1, 5))
    assert not L.is_depreciated(None, on)


def test_pay_pool_shares_by_points_to_the_cent():
    lines = L.pay_pool(
        D("1000.00"), {"p1": D(10), "p2": D(20)}, {"p2": D(3), "p3": D(7)}, D(1), D(2)
    )
    by = {x.practitioner: x for x in lines}
    assert sum(x.amount for x in lines) == D("1000.00")
    assert by["p1"].points == 10 and by["p2"].points == 26 and by["p3"].points == 14
    assert by["p1"].amount == D("200.00") and by["p2"].amount == D("520.00")
    assert L.pay_pool(D("1000.00"), {}, {}) == []


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**8).map(lambda c: D(c) / 100),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 500).map(D), min_size=1),
)
def test_pay_pool_always_pays_the_whole_pool(pool, activity):
    lines = L.pay_pool(pool, activity, {})
    if sum(activity.values()) > 0:
        assert sum(x.amount for x in lines) == pool
        assert all(x.amount >= 0 for x in lines)
    else:
        assert lines == []
