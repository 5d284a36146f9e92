"""Planning pages: thin views over `access`, `selectors` and `services`."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.charts import bar_chart
from pimm.planning import access, selectors, services
from pimm.planning import models as pm
from pimm.planning.forms import BookingForm, CancelForm, ClosureForm, PlanForm
from pimm.planning.screens import SCREENS, SETUP_KEYS
from pimm.registry import selectors as registry


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---- plans ---------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    if not access.can_read_any(request.user, pm.VacationPlan):
        raise PermissionDenied
    plans = access.visible(request.user, pm.VacationPlan).order_by("-start", "-pk")
    return render(
        request,
        "planning/plan_list.html",
        {"plans": plans, "can_manage": access.can(request.user, "manage_plans")},
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "manage_plans"):
        raise PermissionDenied
    last = pm.VacationPlan.objects.filter(status=pm.VacationPlan.Status.PUBLISHED).first()
    start = last.end if last else timezone.localdate()
    month = start.month + 2
    end = dt.date(start.year + month // 12, month % 12 + 1, 1)
    form = PlanForm(
        request.POST or None,
        initial={
            "start": start,
            "end": end,
            "name": _("Trimestre du %s") % start.strftime("%d/%m/%Y"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user,
                platform=registry.current_platform(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            services.plan_generate(actor=request.user, plan=plan)
            messages.success(request, _("Plan créé : le calcul est lancé."))
            return redirect(plan)
    return render(request, "planning/plan_form.html", {"form": form})


def _plan_context(request, plan) -> dict:
    months, rows, totals = selectors.plan_deviations(plan)
    return {
        "plan": plan,
        "deviation_chart": bar_chart(
            [(t.member.name, round(t.deviation_hours, 1)) for t in totals],
            unit=_("h"),
            title=_("Écart au temps machine dû, par membre (heures)"),
        ),
        "months": months,
        "rows": rows,
        "totals": totals,
        "summary": selectors.plan_summary(plan),
        "can_manage": access.can(request.user, "manage_plans"),
        # who generated, published or replaced the plan, with the counts (rows are bulk-written)
        "journal": plan.history.select_related("history_user").order_by("-history_date")[:20],
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_for_user(request.user, pm.VacationPlan, pk)
    return render(request, "planning/plan_detail.html", _plan_context(request, plan))


@login_required
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status block, polled by htmx while the plan is being solved."""
    plan = access.get_for_user(request.user, pm.VacationPlan, pk)
    response = render(request, "planning/_plan_status.html", _plan_context(request, plan))
    if plan.status != pm.VacationPlan.Status.SOLVING and request.htmx:
        response["HX-Refresh"] = "true"  # solved: reload the whole page (tables, buttons)
    return response


@login_required
@require_POST
def plan_generate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_for_user(request.user, pm.VacationPlan, pk)
    try:
        services.plan_generate(actor=request.user, plan=plan)
    except services.PlanningRefused as exc:
        messages.error(request, exc.message)
    return redirect(plan)


@login_required
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_for_user(request.user, pm.VacationPlan, pk)
    try:
        plan = services.plan_publish(actor=request.user, plan=plan)
    except services.PlanningRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Plan publié : les plages sont ouvertes à la réservation."))
    return redirect(plan)


# ---- calendar ------------------------------------------------------------------------------


def _calendar_context(request) -> dict:
    params = request.GET if request.method == "GET" else request.POST
    try:
        day = dt.date.fromisoformat(params.get("date", ""))
    except ValueError:
        first = (
            pm.Slot.objects.filter(
                plan__status=pm.VacationPlan.Status.PUBLISHED, start__gte=timezone.now()
            )
            .order_by("start")
            .first()
        )
        day = timezone.localtime(first.start).date() if first else timezone.localdate()
    view = "week" if params.get("view") == "week" else "day"
    if view == "week":
        day -= dt.timedelta(days=day.weekday())
    days = 7 if view == "week" else 1
    site_id = params.get("site") or ""
    device_id = params.get("device") or ""
    all_equipment = list(selectors.calendar_equipment())
    if device_id:
        equipment = [e for e in all_equipment if str(e.pk) == device_id]
    elif site_id:
        equipment = [e for e in all_equipment if str(e.site_id) == site_id]
    else:
        equipment = all_equipment[:1]
        device_id = str(equipment[0].pk) if equipment else ""
    grid = selectors.calendar_days(user=request.user, equipment=equipment, start=day, days=days)
    columns = [(d, e, grid[d][e.pk]) for d in sorted(grid) for e in equipment]
    step = dt.timedelta(days=days)
    writable = set(
        access.writable(request.user, pm.Booking)
        .filter(status="booked", equipment__in=equipment)
        .values_list("pk", flat=True)
    )
    return {
        "day": day,
        "view": view,
        "columns": columns,
        "site_id": site_id,
        "device_id": device_id,
        "all_equipment": all_equipment,
        "sites": selectors.calendar_sites(),
        "prev": (day - step).isoformat(),
        "next": (day + step).isoformat(),
        "writable": writable,
        "can_book": access.can(request.user, "book"),
    }


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "calendar"):
        raise PermissionDenied
    context = _calendar_context(request)
    template = "planning/_calendar.html" if request.htmx else "planning/calendar.html"
    return render(request, template, context)


@login_required
@require_POST
def booking_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a booking (drag-and-drop on the calendar, or the booking page); same rules."""
    booking = access.get_for_user(request.user, pm.Booking, pk, write=True)
    slot = get_object_or_404(pm.Slot, pk=request.POST.get("slot") or 0)
    error = None
    try:
        booking = services.booking_move(actor=request.user, booking=booking, slot=slot)
    except services.PlanningRefused as exc:
        error = exc.message
    if request.htmx:
        context = _calendar_context(request)
        context["move_error"] = error
        if not error:
            context["move_ok"] = _("Rendez-vous %(ref)s déplacé au %(start)s.") % {
                "ref": booking.order_reference,
                "start": timezone.localtime(booking.start).strftime("%d/%m/%Y %H:%M"),
            }
        return render(request, "planning/_calendar.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Rendez-vous déplacé."))
    return redirect(booking)


# ---- bookings ------------------------------------------------------------------------------


def _members_for(user):
    if access.can(user, "manage_plans"):
        return registry.members()
    return registry.members(member_id=user.member_id)


@login_required
def booking_list(request: HttpRequest) -> HttpResponse:
    if not access.can_read_any(request.user, pm.Booking):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.bookings_for(request.user, q=query), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "planning/booking_list.html",
        {"page": page, "query": query, "can_book": access.can(request.user, "book")},
    )


@login_required
def booking_create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "book"):
        raise PermissionDenied
    members = _members_for(request.user)
    initial = {}
    chosen_slot = None
    if request.GET.get("slot"):
        chosen_slot = (
            pm.Slot.objects.filter(pk=request.GET["slot"]).select_related("equipment").first()
        )
        if chosen_slot:
            initial["slot"] = chosen_slot.pk
            if chosen_slot.purpose == pm.Purpose.EMERGENCY:
                initial["priority"] = pm.Priority.EMERGENCY
            exam = pm.ExamType.objects.filter(modality=chosen_slot.equipment.modality).first()
            if exam:
                initial["exam_type"] = exam.pk
    form = BookingForm(request.POST or None, members=members, initial=initial)
    proposal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen_slot = data["slot"]
        common = {
            "actor": request.user,
            "exam_type": data["exam_type"],
            "member": data["member"],
            "priority": data["priority"],
            "purpose": data["purpose"],
            "preferred_site": data["preferred_site"],
            "needs_accessibility": data["needs_accessibility"],
        }
        try:
            if "propose" in request.POST:
                proposal = services.booking_propose(**common)
                form = BookingForm({**request.POST.dict(), "slot": proposal[0].pk}, members=members)
                form.is_valid()
                chosen_slot = proposal[0]
            else:
                booking = services.booking_create(
                    **common,
                    order_reference=data["order_reference"],
                    patient_pseudonym=data["patient_pseudonym"],
                    slot=chosen_slot,
                )
                messages.success(
                    request,
                    _("Rendez-vous réservé le %(start)s sur %(dev)s.")
                    % {
                        "start": timezone.localtime(booking.start).strftime("%d/%m/%Y %H:%M"),
                        "dev": booking.equipment,
                    },
                )
                return redirect(booking)
        except services.PlanningRefused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "planning/booking_form.html",
        {"form": form, "chosen_slot": chosen_slot, "proposal": proposal},
    )


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access.get_for_user(request.user, pm.Booking, pk)
    can_edit = access.writable(request.user, pm.Booking).filter(pk=pk).exists()
    return render(
        request,
        "planning/booking_detail.html",
        {
            "booking": booking,
            "can_edit": can_edit and booking.active,
            "cancel_form": CancelForm(),
            "history": booking.history.select_related("history_user").order_by("-history_date")[
                :20
            ],
        },
    )


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access.get_for_user(request.user, pm.Booking, pk, write=True)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif de l'annulation."))
        return redirect(booking)
    try:
        services.booking_cancel(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        )
    except services.PlanningRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rendez-vous annulé."))
    return redirect(booking)


# ---- closures, indicators ------------------------------------------------------------------


@login_required
def closure_create(request: HttpRequest, equipment_pk: int) -> HttpResponse:
    equipment = registry.equipment(pk=equipment_pk)
    if equipment is None:
        raise Http404
    if not access.can_close_equipment(request.user, equipment):
        raise PermissionDenied
    form = ClosureForm(request.POST or None)
    hit = None
    if request.method == "POST" and form.is_valid():
        try:
            _closure, hit = services.closure_create(
                actor=request.user, equipment=equipment, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, _("Fermeture enregistrée : les plages concernées sont fermées.")
            )
            if not hit:
                return redirect(f"{reverse('planning:calendar')}?device={equipment.pk}")
    closures = equipment.closures.order_by("-start")[:20]
    return render(
        request,
        "planning/closure_form.html",
        {"form": form, "equipment": equipment, "hit": hit, "closures": closures},
    )


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "indicators"):
        raise PermissionDenied
    start, end = selectors.default_period()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", "")) or start
        end = dt.date.fromisoformat(request.GET.get("end", "")) or end
    except ValueError:
        pass
    figures = selectors.indicators(start=start, end=end)
    charts = {
        "utilisation_chart": bar_chart(
            [(f"{e.name} ({e.site.name})", pct) for e, pct in figures["utilisation"]],
            unit="%",
            title=_("Taux d'utilisation par appareil"),
        ),
        "deviation_chart": bar_chart(
            [(name, hours) for name, hours, _pct in figures["share_deviation"]],
            unit=_("h"),
            title=_("Écart au temps machine dû, par membre (heures)"),
        ),
    }
    return render(
        request,
        "planning/indicators.html",
        {"start": start, "end": end, **figures, **charts},
    )


# ---- setup ---------------------------------------------------------------------------------


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Index of the setup pages (served by the registry's generic screens) the user may read."""
    pages = [
        (
            SCREENS[key],
            reverse(f"registry:{key}_list"),
            access.visible(request.user, SCREENS[key].model).count(),
            access.RULES.can_create(request.user, SCREENS[key].model),
        )
        for key in SETUP_KEYS
        if access.can_read_any(request.user, SCREENS[key].model)
    ]
    if not access.can_open_setup(request.user):
        raise PermissionDenied
    return render(request, "planning/setup.html", {"pages": pages})
