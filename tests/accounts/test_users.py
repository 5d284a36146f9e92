from django.urls import reverse

from pimm.accounts.models import AuditEvent, User


def test_coordinator_creates_an_account_with_a_set_password_link(world, client_for):
    client = client_for("coordinator")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "new-sec",
            "role": "secretary",
            "member": world.member_a.pk,
            "is_active": "on",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "/comptes/mot-de-passe/" in body
    user = User.objects.get(username="new-sec")
    assert user.member == world.member_a and not user.has_usable_password()
    assert AuditEvent.objects.filter(model="user", object_id=str(user.pk), action="+").exists()
    link = body.split("/comptes/mot-de-passe/")[1].split(" ")[0].split("<")[0]
    page = client_for(None).get(f"/comptes/mot-de-passe/{link}", follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()


def test_member_role_needs_a_member(world, client_for):
    response = client_for("coordinator").post(
        reverse("accounts:user_create"), {"username": "x", "role": "member_manager"}
    )
    assert "rattaché à un membre" in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_only_platform_staff_manage_accounts(world, client_for):
    for persona, status in [
        ("coordinator", 200),
        ("administrator", 200),
        ("reviewer", 403),
        ("manager_a", 403),
        ("radiologist_a", 403),
    ]:
        assert client_for(persona).get(reverse("accounts:users")).status_code == status, persona
        url = reverse("accounts:user_edit", args=[world.users["manager_a"].pk])
        assert client_for(persona).get(url).status_code == status, persona
