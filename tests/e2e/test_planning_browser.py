"""Browser: plan a quarter, book an emergency into a reserved slot, move a booking by drag-and-drop."""

from django.db.models import Q
from django.utils import timezone

from pimm.planning import models as pm
from tests.e2e.conftest import login, menu, shot


def _calendar(page, slot: pm.Slot) -> None:
    day = timezone.localtime(slot.start).date().isoformat()
    page.goto(f"{page.base}/planning/?device={slot.equipment_id}&date={day}")


def test_plan_a_quarter_book_an_emergency_and_move_it(page):
    login(page, "coordinateur")
    published = pm.VacationPlan.objects.get(status="published")

    # 1. plan the next quarter (prefilled after the published one), fast method
    menu(page, "Vacations")
    page.click("text=Planifier une période")
    assert page.input_value("#id_start") == published.end.isoformat()
    page.select_option("#id_method", "greedy")
    page.click("button:has-text('Créer et calculer')")
    page.wait_for_selector("[data-status=ready]")
    assert page.locator("text=Écart par membre").count() == 1
    page.click("button:has-text('Publier le plan')")
    page.wait_for_selector("[data-status=published]")
    shot(page, "plan-vacations")
    new = pm.VacationPlan.objects.exclude(pk=published.pk).get()
    assert new.status == "published" and new.slots.exists()

    # 2. an emergency into a reserved emergency slot, from the calendar
    slot = (
        pm.Slot.objects.filter(
            plan=published,
            purpose="emergency",
            booking__isnull=True,
            status="open",
            equipment__modality="CT",
            start__gte=timezone.now() + timezone.timedelta(days=2),
        )
        .order_by("start")
        .first()
    )
    _calendar(page, slot)
    page.click(f".cell[data-slot='{slot.pk}'] a")
    assert page.input_value("#id_priority") == "emergency"
    page.fill("#id_order_reference", "URG-E2E-1")
    page.fill("#id_patient_pseudonym", "PAT-E2E042")
    # the member whose vacation holds the slot books it (another member is refused)
    if slot.member_id:
        page.select_option("#id_member", str(slot.member_id))
    else:
        page.select_option("#id_member", index=1)
    page.click("button:has-text('Réserver cette plage')")
    page.wait_for_selector("text=Rendez-vous réservé")
    booking = pm.Booking.objects.get(order_reference="URG-E2E-1")
    assert booking.start == slot.start and booking.used_reserved == "emergency"

    # 3. move it by drag-and-drop onto a free slot of the same day (a tall window: a drag that
    # has to scroll the page drops elsewhere)
    page.set_viewport_size({"width": 1280, "height": 2000})
    target = (
        pm.Slot.objects.filter(
            equipment=slot.equipment,
            purpose="general",
            booking__isnull=True,
            status="open",
            start__gt=slot.start,
            start__date=slot.start.date(),
        )
        .filter(Q(member=booking.member) | Q(member__isnull=True))  # the booking member's time
        .order_by("start")
        .first()
    )
    _calendar(page, slot)
    page.drag_and_drop(f".cell[data-booking='{booking.pk}']", f".cell[data-slot='{target.pk}']")
    page.wait_for_selector("text=déplacé au")
    booking.refresh_from_db()
    assert booking.start == target.start and booking.moves == 1
    assert page.locator(f".cell[data-slot='{target.pk}'].booked").count() == 1
    shot(page, "planning-deplacement")

    # 4. a drop onto a taken slot is refused by the same rules, with the reason shown
    taken = (
        pm.Slot.objects.filter(
            equipment=slot.equipment,
            booking__isnull=True,
            status="open",
            start__gte=target.end + timezone.timedelta(minutes=30),  # not next to the booking
            start__date=slot.start.date(),  # on the calendar's day
        )
        .filter(Q(member=booking.member) | Q(member__isnull=True))
        .order_by("start")
        .first()
    )
    assert taken is not None
    other = pm.Booking.objects.create(
        order_reference="OCC-E2E",
        exam_type=booking.exam_type,
        patient_pseudonym="PAT-OCC001",
        member=booking.member,
        equipment=taken.equipment,
        start=taken.start,
        end=taken.end,
    )
    pm.Slot.objects.filter(pk=taken.pk).update(booking=other)
    _calendar(page, slot)
    page.drag_and_drop(f".cell[data-booking='{booking.pk}']", f".cell[data-slot='{taken.pk}']")
    page.wait_for_selector("[role=alert]")
    assert "prise" in page.locator("[role=alert]").inner_text()
    booking.refresh_from_db()
    assert booking.start == target.start


def test_setup_opening_hours_refused_then_saved_and_audited(page):
    """The coordinator adds opening hours from the setup pages; a closing time before the opening
    is refused in French and nothing is saved; the corrected session is saved with its history."""
    login(page, "coordinateur")
    device = pm.OpeningHours.objects.order_by("equipment__code").first().equipment
    assert not pm.OpeningHours.objects.filter(equipment=device, weekday=6).exists()
    menu(page, "Paramétrage")
    page.click("text=Horaires d'ouverture")
    page.click("a:has-text('Ajouter')")
    page.select_option("#id_equipment", str(device.pk))
    page.select_option("#id_weekday", "6")
    page.select_option("#id_part", "morning")
    page.fill("#id_start", "13:00")
    page.fill("#id_end", "08:00")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector("text=précède l'ouverture")
    shot(page, "planning-parametrage-refus")
    assert not pm.OpeningHours.objects.filter(equipment=device, weekday=6).exists()
    page.fill("#id_start", "08:00")
    page.fill("#id_end", "13:00")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector("text=Enregistré")
    saved = pm.OpeningHours.objects.get(equipment=device, weekday=6)
    assert saved.part == "morning" and saved.history.get().history_user.username == "coordinateur"
    shot(page, "planning-parametrage")
