"""Sharing keys typed the French way ("12,5"), with a running total on the page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from pimm.registry import models as m
from pimm.registry.forms import CommaDecimalField, ShareForm


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12,5", "12.5"), ("12.5", "12.5"), (" 7,25 ", "7.25"), ("100", "100"), ("0,0", "0")],
)
def test_comma_decimal_is_accepted(typed, value):
    field = CommaDecimalField(max_digits=5, decimal_places=2)
    assert field.clean(typed) == Decimal(value)


def test_comma_decimal_is_accepted_in_english_too():
    with translation.override("en"):
        assert CommaDecimalField(max_digits=5, decimal_places=2).clean("33,33") == Decimal("33.33")


@pytest.mark.parametrize("typed", ["12,5,1", "abc", "-1", "100,01"])
def test_bad_shares_are_refused(typed, world):
    form = ShareForm(
        {"member": world.member_a.pk, "time_share": typed, "revenue_share": "1", "cost_share": "1"}
    )
    assert not form.is_valid() and "time_share" in form.errors


def _post(convention, values: list[tuple[str, str, str]]) -> dict:
    members = list(m.Member.objects.filter(platform_id=convention.platform_id).order_by("name"))
    data = {"form-TOTAL_FORMS": str(len(members)), "form-INITIAL_FORMS": str(len(members))}
    for i, (member, (t, r, c)) in enumerate(zip(members, values, strict=True)):
        data |= {
            f"form-{i}-member": member.pk,
            f"form-{i}-time_share": t,
            f"form-{i}-revenue_share": r,
            f"form-{i}-cost_share": c,
        }
    return data, members


def _split(n: int) -> list[str]:
    """n French shares summing to 100, the first with a decimal comma."""
    base = Decimal(100) / n
    parts = [base.quantize(Decimal("0.1")) for _ in range(n)]
    parts[0] += Decimal(100) - sum(parts)
    return [str(p).replace(".", ",") for p in parts]


def test_keys_page_saves_french_numbers(draft_convention, client_for):
    n = m.Member.objects.filter(platform_id=draft_convention.platform_id).count()
    shares = _split(n)
    data, members = _post(draft_convention, [(s, s, s) for s in shares])
    url = reverse("registry:convention_keys", args=[draft_convention.pk])
    response = client_for("coordinator").post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    key = m.SharingKey.objects.get(convention=draft_convention, member=members[0])
    assert key.time_share == Decimal(shares[0].replace(",", "."))


def test_keys_page_shows_inputs_and_running_total(draft_convention, client_for):
    html = (
        client_for("coordinator")
        .get(reverse("registry:convention_keys", args=[draft_convention.pk]))
        .content.decode()
    )
    assert 'data-sum="time"' in html and 'data-sum-total="time"' in html
    assert 'inputmode="decimal"' in html and 'type="number"' not in html
    assert "<script>" not in html  # the CSP forbids inline script: behaviours.js does it


def test_keys_page_wrong_total_writes_nothing_and_keeps_the_total(draft_convention, client_for):
    n = m.Member.objects.filter(platform_id=draft_convention.platform_id).count()
    before = list(
        m.SharingKey.objects.filter(convention=draft_convention).values_list("time_share")
    )
    data, _members = _post(draft_convention, [("12,5", "12,5", "12,5")] * n)
    response = client_for("coordinator").post(
        reverse("registry:convention_keys", args=[draft_convention.pk]), data
    )
    assert response.status_code == 200
    totals = dict(response.context["totals"])
    assert totals["time"] == Decimal("12.5") * n
    after = list(m.SharingKey.objects.filter(convention=draft_convention).values_list("time_share"))
    assert after == before
    assert 'value="12,5"' in response.content.decode()
