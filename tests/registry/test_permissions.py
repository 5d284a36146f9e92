"""Every role against every registry page and API endpoint: allowed and refused both asserted.

The expectations below are written out by hand from the issue ("a member's manager sees and edits
only their own member's data; the ARS reviewer reads everything and writes nothing; a radiologist
sees their own profile"), not derived from the code under test.
"""

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from pimm.accounts.services import api_token_create
from pimm.registry import models as m
from tests.personas import FORBIDDEN, FOUND, HIDDEN, LOGIN, OK, PERSONAS, TWO_MEMBER_PERSONAS

# (list, detail own A, detail other B, create, edit own A, edit other B)
ALL = (OK, OK, OK, OK, OK, OK)
READ_ALL = (OK, OK, OK, FORBIDDEN, HIDDEN, HIDDEN)
OWN_RW = (OK, OK, HIDDEN, OK, OK, HIDDEN)
OWN_RW_NO_CREATE = (OK, OK, HIDDEN, FORBIDDEN, OK, HIDDEN)
OWN_R = (OK, OK, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN)
SELF_ONLY = (OK, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN)
NOTHING = (FORBIDDEN, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN)
ANON = (LOGIN,) * 6

STAFF = {"coordinator": ALL, "administrator": ALL, "reviewer": READ_ALL, None: ANON}
EXPECTED = {
    "member": {
        **STAFF,
        "manager_a": OWN_RW_NO_CREATE,
        "secretary_a": OWN_R,
        "technologist_a": OWN_R,
        "radiologist_a": NOTHING,
    },
    "site": {
        **STAFF,
        "manager_a": OWN_RW,
        "secretary_a": OWN_R,
        "technologist_a": OWN_R,
        "radiologist_a": NOTHING,
    },
    "equipment": {
        **STAFF,
        "manager_a": OWN_RW,
        "secretary_a": OWN_R,
        "technologist_a": OWN_R,
        "radiologist_a": NOTHING,
    },
    "authorization": {
        **STAFF,
        "manager_a": OWN_RW,
        "secretary_a": OWN_R,
        "technologist_a": OWN_R,
        "radiologist_a": NOTHING,
    },
    "practitioner": {
        **STAFF,
        "manager_a": OWN_RW,
        "secretary_a": OWN_R,
        "technologist_a": NOTHING,
        "radiologist_a": SELF_ONLY,
    },
    "technologist": {
        **STAFF,
        "manager_a": OWN_RW,
        "secretary_a": OWN_R,
        "technologist_a": SELF_ONLY,
        "radiologist_a": NOTHING,
    },
}
# platform-wide objects: (list, detail, create, edit)
PLATFORM_WIDE = {
    "convention": {
        None: (LOGIN,) * 4,
        "coordinator": (OK, OK, OK, OK),
        "administrator": (OK, OK, OK, OK),
        "reviewer": (OK, OK, FORBIDDEN, HIDDEN),
        "manager_a": (OK, OK, FORBIDDEN, HIDDEN),
        "secretary_a": (FORBIDDEN, HIDDEN, FORBIDDEN, HIDDEN),
        "technologist_a": (FORBIDDEN, HIDDEN, FORBIDDEN, HIDDEN),
        "radiologist_a": (FORBIDDEN, HIDDEN, FORBIDDEN, HIDDEN),
    },
    "platform": {
        None: (LOGIN,) * 4,
        "coordinator": (OK, OK, OK, OK),
        "administrator": (OK, OK, OK, OK),
        "reviewer": (OK, OK, FORBIDDEN, HIDDEN),
        "manager_a": (OK, OK, FORBIDDEN, HIDDEN),
        "secretary_a": (OK, OK, FORBIDDEN, HIDDEN),
        "technologist_a": (OK, OK, FORBIDDEN, HIDDEN),
        "radiologist_a": (OK, OK, FORBIDDEN, HIDDEN),
    },
}


def _objects(world, key):
    return getattr(world, f"{key}_a"), getattr(world, f"{key}_b")


def _status(response) -> int:
    return response.status_code


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_member_scoped_pages(world, client_for, key, persona):
    client = client_for(persona)
    own, other = _objects(world, key)
    got = (
        _status(client.get(reverse(f"registry:{key}_list"))),
        _status(client.get(reverse(f"registry:{key}_detail", args=[own.pk]))),
        _status(client.get(reverse(f"registry:{key}_detail", args=[other.pk]))),
        _status(client.get(reverse(f"registry:{key}_create"))),
        _status(client.get(reverse(f"registry:{key}_edit", args=[own.pk]))),
        _status(client.get(reverse(f"registry:{key}_edit", args=[other.pk]))),
    )
    assert got == EXPECTED[key][persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(PLATFORM_WIDE))
def test_platform_wide_pages(world, client_for, key, persona):
    client = client_for(persona)
    obj = world.convention if key == "convention" else world.platform
    got = (
        _status(client.get(reverse(f"registry:{key}_list"))),
        _status(client.get(reverse(f"registry:{key}_detail", args=[obj.pk]))),
        _status(client.get(reverse(f"registry:{key}_create"))),
        _status(client.get(reverse(f"registry:{key}_edit", args=[obj.pk]))),
    )
    assert got == PLATFORM_WIDE[key][persona]


def test_radiologist_sees_own_profile(world, client_for):
    client = client_for("radiologist_a")
    own = world.users["radiologist_a"].practitioner
    assert client.get(reverse("registry:practitioner_detail", args=[own.pk])).status_code == 200
    listing = client.get(reverse("registry:practitioner_list")).content.decode()
    assert own.last_name in listing and world.practitioner_a.rpps not in listing


def test_member_manager_list_shows_only_own_sites(world, client_for):
    body = client_for("manager_a").get(reverse("registry:site_list")).content.decode()
    assert escape(world.site_a.name) in body
    assert escape(world.site_b.name) not in body


def test_manager_cannot_move_a_site_to_another_member(world, client_for):
    client = client_for("manager_a")
    url = reverse("registry:site_edit", args=[world.site_a.pk])
    data = {
        "member": world.member_b.pk,
        "code": world.site_a.code,
        "name": "Détourné",
        "town": world.site_a.town,
        "departement": world.site_a.departement,
        "latitude": world.site_a.latitude,
        "longitude": world.site_a.longitude,
    }
    response = client.post(url, data)
    assert response.status_code == 200  # form re-displayed with an error
    world.site_a.refresh_from_db()
    assert world.site_a.member_id == world.member_a.pk and world.site_a.name != "Détourné"


# ---- API: same matrix through /api/registry/<key> with a bearer token -------------------------

API_OK = {"list": 200, "detail": 200, "patch": 200, "create": 422}


def _api_expected(web: tuple) -> tuple:
    """Translate the web expectations: login → 401, create allowed → 422 on an empty body."""
    mapping = {LOGIN: 401}
    lst, own, other, create, edit_own, edit_other = (mapping.get(v, v) for v in web)
    create = 422 if create == OK else create
    return (lst, own, other, create, edit_own, edit_other)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_member_scoped_api(world, client, key, persona):
    headers = {}
    if persona:
        _token, raw = api_token_create(user=world.users[persona], name="test")
        headers = {"Authorization": f"Bearer {raw}"}
    own, other = _objects(world, key)
    base = f"/api/registry/{key}"

    def call(method, url, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(url, **kwargs).status_code

    got = (
        call("get", base),
        call("get", f"{base}/{own.pk}"),
        call("get", f"{base}/{other.pk}"),
        call("post", base, {}),
        call("patch", f"{base}/{own.pk}", {}),
        call("patch", f"{base}/{other.pk}", {}),
    )
    assert got == _api_expected(EXPECTED[key][persona])


@pytest.mark.django_db
def test_api_rejects_a_bad_token(client):
    response = client.get("/api/registry/site", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


# ---- two members: a device held by member B on a site of member A ----------------------------
# Written by its holder (B), read by the site's owner (A): the owner's manager cannot move it.

# (web detail, web edit page, API detail, API patch)
HOSTED = {
    None: (LOGIN, LOGIN, 401, 401),
    "coordinator": (OK, OK, 200, 200),
    "administrator": (OK, OK, 200, 200),
    "reviewer": (OK, HIDDEN, 200, 404),
    "manager_a": (OK, HIDDEN, 200, 404),
    "secretary_a": (OK, HIDDEN, 200, 404),
    "technologist_a": (OK, HIDDEN, 200, 404),
    "radiologist_a": (HIDDEN, HIDDEN, 404, 404),
    "manager_b": (OK, OK, 200, 200),
}


@pytest.fixture
def hosted(world):
    """A device held by member B standing on member A's site, with its authorisation."""
    device = m.Equipment.objects.create(
        site=world.site_a,
        holder=world.member_b,
        code="HOSTED-MRI",
        name="IRM du groupe privé",
        modality=m.Modality.MRI,
    )
    auth = world.authorization_b
    authorization = m.Authorization.objects.create(
        equipment=device,
        number="HOSTED-1",
        decided_on=auth.decided_on,
        starts_on=auth.starts_on,
        ends_on=auth.ends_on,
    )
    return device, authorization


def _headers(world, persona):
    if not persona:
        return {}
    return {"Authorization": "Bearer " + api_token_create(user=world.users[persona], name="t")[1]}


@pytest.mark.parametrize("persona", TWO_MEMBER_PERSONAS)
@pytest.mark.parametrize("key", ["equipment", "authorization"])
def test_hosted_device_written_by_holder_read_by_site_owner(
    world, client, client_for, hosted, key, persona
):
    obj = hosted[0] if key == "equipment" else hosted[1]
    web = client_for(persona)
    headers = _headers(world, persona)
    got = (
        web.get(reverse(f"registry:{key}_detail", args=[obj.pk])).status_code,
        web.get(reverse(f"registry:{key}_edit", args=[obj.pk])).status_code,
        client.get(f"/api/registry/{key}/{obj.pk}", headers=headers).status_code,
        client.patch(
            f"/api/registry/{key}/{obj.pk}",
            data="{}",
            content_type="application/json",
            headers=headers,
        ).status_code,
    )
    assert got == HOSTED[persona]


def _device_form(device, **changes):
    data = {
        "code": device.code,
        "name": device.name,
        "modality": device.modality,
        "site": device.site_id,
        "holder": device.holder_id,
        "active": "on",
    }
    data.update(changes)
    return data


def test_site_owner_cannot_move_a_hosted_device(world, client_for, hosted):
    device = hosted[0]
    other_site = m.Site.objects.filter(member=world.member_a).exclude(pk=world.site_a.pk).first()
    response = client_for("manager_a").post(
        reverse("registry:equipment_edit", args=[device.pk]),
        _device_form(device, site=(other_site or world.site_a).pk, name="Détournée"),
    )
    assert response.status_code == HIDDEN
    device.refresh_from_db()
    assert (device.site_id, device.name) == (world.site_a.pk, "IRM du groupe privé")


def test_holder_edits_its_device_on_the_hosts_site(world, client_for, hosted):
    device = hosted[0]
    response = client_for("manager_b").post(
        reverse("registry:equipment_edit", args=[device.pk]),
        _device_form(device, name="IRM 3T du groupe"),
    )
    assert response.status_code == FOUND
    device.refresh_from_db()
    assert (device.site_id, device.name) == (world.site_a.pk, "IRM 3T du groupe")


def test_holder_cannot_put_its_device_on_a_third_members_site(world, client_for, hosted):
    device = hosted[0]
    third = m.Site.objects.exclude(member__in=[world.member_a, world.member_b]).first()
    response = client_for("manager_b").post(
        reverse("registry:equipment_edit", args=[device.pk]), _device_form(device, site=third.pk)
    )
    assert response.status_code == OK  # the form again, with an error on `site`
    device.refresh_from_db()
    assert device.site_id == world.site_a.pk
