"""On-call pages: thin views over ``access``, ``selectors``, ``services`` and ``exports``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.charts import bar_chart
from pimm.registry import selectors as registry
from pimm.registry.models import Practitioner

from . import access, exports, selectors, services
from .forms import (
    LineForm,
    PreferenceForm,
    RotaForm,
    SwapForm,
    UnavailabilityForm,
    WeightsForm,
)
from .models import (
    CalendarToken,
    OnCallLine,
    Preference,
    Rota,
    RotaShift,
    SwapRequest,
    Unavailability,
)


def _platform():
    platform = registry.current_platform()
    if platform is None:
        raise Http404
    return platform


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# --- rotas -------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "rota_list")
    manage = access.can(request.user, "rota_manage")
    form = RotaForm(request.POST or None) if manage else None
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                rota = services.rota_create(
                    actor=request.user,
                    platform=_platform(),
                    declared_quotas=form.cleaned_data["declared"],
                    **{k: form.cleaned_data[k] for k in RotaForm.Meta.fields},
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                return redirect("oncall:rota", pk=rota.pk)
    elif form is not None:
        today = timezone.localdate()
        nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = (nxt + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        form.initial.update(start=nxt, end=end, title=f"Tableau de garde {nxt:%m/%Y}")
    me = access.own_practitioner(request.user)
    mine = list(selectors.published_duties_of(practitioner_id=me.pk)[:50]) if me else []
    return render(
        request,
        "oncall/index.html",
        {
            "rotas": access.visible_rotas(request.user).select_related("based_on"),
            "form": form,
            "manage": manage,
            "me": me,
            "mine": mine,
            "can": {a: access.can(request.user, a) for a in access.ACTIONS},
        },
    )


@login_required
def rota_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk)
    months = selectors.months_of(rota)
    month = request.GET.get("mois", "")
    try:
        year, mon = (int(x) for x in month.split("-"))
        if (year, mon) not in months:
            raise ValueError
    except ValueError:
        year, mon = months[0]
    grid = selectors.month_grid(rota=rota, year=year, month=mon)
    manage = access.can(request.user, "rota_manage")
    ctx = {
        "rota": rota,
        "grid": grid,
        "months": [(f"{y}-{m:02d}", dt.date(y, m, 1)) for y, m in months],
        "current": f"{year}-{mon:02d}",
        "manage": manage,
        "editable": manage and rota.status not in ("published", "superseded", "solving"),
        "solve": selectors.latest_solve(rota),
        "me": access.own_practitioner(request.user),
        "can_export": access.can(request.user, "export"),
        "revisions": access.visible_rotas(request.user).filter(based_on=rota).order_by("-pk"),
    }
    return render(request, "oncall/rota.html", ctx)


@login_required
@require_POST
def rota_generate(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk, manage=True)
    try:
        seconds = float(request.POST.get("seconds", "20").replace(",", "."))
        services.rota_solve_start(
            actor=request.user, rota=rota, expected_version=_version(request), time_limit=seconds
        )
    except ValueError:
        messages.error(request, _("Durée de calcul invalide."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("oncall:rota", pk=rota.pk)


@login_required
def rota_progress(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk)
    solve = selectors.latest_solve(rota)
    response = render(
        request,
        "oncall/_progress.html",
        {"rota": rota, "solve": solve, "manage": access.can(request.user, "rota_manage")},
    )
    if request.htmx and (solve is None or not solve.running):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def rota_stop(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk, manage=True)
    solve = selectors.latest_solve(rota)
    if solve is not None and solve.running:
        services.rota_solve_stop(actor=request.user, run=solve)
        messages.info(request, _("Arrêt demandé : le meilleur tableau trouvé sera gardé."))
    return redirect("oncall:rota", pk=rota.pk)


@login_required
@require_POST
def rota_lock(request: HttpRequest, pk: int, shift_pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk, manage=True)
    shift = get_object_or_404(RotaShift, pk=shift_pk, rota=rota)
    error = ""
    try:
        services.rota_cell_lock(
            actor=request.user,
            rota=rota,
            shift=shift,
            locked=request.POST.get("locked") == "1",
            expected_version=_version(request),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    shift = RotaShift.objects.select_related("assignment__practitioner", "line").get(pk=shift.pk)
    rota.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(reverse("oncall:rota", args=[rota.pk]) + f"?mois={shift.date:%Y-%m}")
    return render(
        request,
        "oncall/_cell.html",
        {"s": shift, "rota": rota, "editable": True, "error": error, "oob": True},
    )


@login_required
@require_POST
def rota_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk, manage=True)
    try:
        services.rota_publish(actor=request.user, rota=rota, expected_version=_version(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Tableau publié."))
    return redirect("oncall:rota", pk=rota.pk)


@login_required
@require_POST
def rota_revise(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk, manage=True)
    try:
        new = services.rota_revise(actor=request.user, rota=rota)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("oncall:rota", pk=rota.pk)
    messages.info(
        request,
        _("Révision créée : lancez le calcul, il garde le plus possible de gardes publiées."),
    )
    return redirect("oncall:rota", pk=new.pk)


def _export_rows(request, rota: Rota):
    access.require(request.user, "export")
    return selectors.duties(rota=rota, member_id=access.export_member_id(request.user))


@login_required
def rota_csv(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk)
    body = exports.to_csv(_export_rows(request, rota))
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gardes-{rota.pk}.csv"'
    return response


@login_required
def rota_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    rota = access.get_rota(request.user, pk)
    response = HttpResponse(
        exports.to_xlsx(_export_rows(request, rota)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="gardes-{rota.pk}.xlsx"'
    return response


@login_required
def rota_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "print")
    rota = access.get_rota(request.user, pk)
    response = HttpResponse(exports.to_pdf(rota), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="gardes-{rota.pk}.pdf"'
    return response


# --- lines -------------------------------------------------------------------------------------


@login_required
def line_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "line_read")
    lines = OnCallLine.objects.prefetch_related("sites").order_by("code")
    return render(
        request,
        "oncall/lines.html",
        {"lines": lines, "manage": access.can(request.user, "line_write")},
    )


@login_required
def line_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, "line_write")
    line = get_object_or_404(OnCallLine, pk=pk) if pk else OnCallLine(platform=_platform())
    form = LineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.competence = form.cleaned_data["competence"] or ""
        try:
            services.line_save(actor=request.user, line=obj, sites=form.cleaned_data["sites"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Ligne enregistrée."))
            return redirect("oncall:lines")
    return render(request, "oncall/line_form.html", {"form": form, "line": line})


# --- point weights -----------------------------------------------------------------------------


@login_required
def weights(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "weights_read")
    manage = access.can(request.user, "weights_write")
    platform = _platform()
    current = selectors.point_weights(platform_id=platform.pk)
    form = WeightsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in WeightsForm.Meta.fields}
            try:
                services.point_weights_save(actor=request.user, platform=platform, values=values)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Pondérations enregistrées : soldes recalculés."))
                return redirect("oncall:weights")
    if not manage:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "oncall/weights.html",
        {"form": form, "manage": manage, "weights": current},
    )


# --- wishes ------------------------------------------------------------------------------------


def _wishes_practitioner(request) -> Practitioner | None:
    access.require(request.user, "wishes")
    own = access.own_practitioner(request.user)
    if own is not None:
        return own
    if access.role(request.user) not in access.MANAGERS:
        raise PermissionDenied
    pk = request.GET.get("praticien") or request.POST.get("praticien")
    if not pk:
        return None
    found = registry.practitioner(pk=pk)
    if found is None:
        raise Http404
    return found


@login_required
def wishes(request: HttpRequest) -> HttpResponse:
    who = _wishes_practitioner(request)
    u_form = UnavailabilityForm(prefix="u")
    p_form = PreferenceForm(prefix="p")
    if request.method == "POST" and who is not None:
        kind = request.POST.get("kind")
        try:
            if kind == "unavailability":
                u_form = UnavailabilityForm(request.POST, prefix="u")
                if u_form.is_valid():
                    services.unavailability_create(
                        actor=request.user, practitioner=who, **u_form.cleaned_data
                    )
                    messages.success(request, _("Indisponibilité enregistrée."))
                    return redirect(_wishes_url(request, who))
            elif kind == "preference":
                p_form = PreferenceForm(request.POST, prefix="p")
                if p_form.is_valid():
                    services.preference_create(
                        actor=request.user, practitioner=who, **p_form.cleaned_data
                    )
                    messages.success(request, _("Souhait enregistré."))
                    return redirect(_wishes_url(request, who))
            elif kind == "delete_unavailability":
                obj = get_object_or_404(Unavailability, pk=request.POST.get("pk"), practitioner=who)
                services.unavailability_delete(actor=request.user, unavailability=obj)
                return redirect(_wishes_url(request, who))
            elif kind == "delete_preference":
                obj = get_object_or_404(Preference, pk=request.POST.get("pk"), practitioner=who)
                services.preference_delete(actor=request.user, preference=obj)
                return redirect(_wishes_url(request, who))
        except ValidationError as exc:
            _errors(request, exc)
    ctx = {
        "who": who,
        "u_form": u_form,
        "p_form": p_form,
        "unavailabilities": who.oncall_unavailabilities.all() if who else [],
        "preferences": who.oncall_preferences.all() if who else [],
        "people": (
            registry.active_practitioners() if access.role(request.user) in access.MANAGERS else []
        ),
    }
    return render(request, "oncall/wishes.html", ctx)


def _wishes_url(request, who) -> str:
    url = reverse("oncall:wishes")
    if access.own_practitioner(request.user) is None:
        url += f"?praticien={who.pk}"
    return url


# --- swaps -------------------------------------------------------------------------------------


@login_required
def swaps(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "swaps")
    me = access.own_practitioner(request.user)
    manage = access.can(request.user, "rota_manage")
    form = None
    if me is not None:
        now = timezone.now()
        future = RotaShift.objects.filter(
            rota__status=Rota.Status.PUBLISHED, ends_at__gt=now
        ).select_related("line", "assignment__practitioner")
        form = SwapForm(
            request.POST or None,
            mine=future.filter(assignment__practitioner=me),
            others=future.exclude(assignment__practitioner=me),
            people=registry.active_practitioners(platform_id=me.member.platform_id).exclude(
                pk=me.pk
            ),
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                services.swap_propose(
                    actor=request.user,
                    shift=d["shift"],
                    other_shift=d["other_shift"],
                    to_practitioner=d["to_practitioner"],
                    message=d["message"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Proposition envoyée."))
                return redirect("oncall:swaps")
    elif request.method == "POST":
        raise PermissionDenied
    qs = SwapRequest.objects.select_related(
        "shift__line", "other_shift__line", "from_practitioner", "to_practitioner", "rota"
    )

    def rows(items):
        return [(w, _swap_actions(w, me, manage)) for w in items]

    sections = []
    if me is not None:
        sections += [
            (_("Propositions reçues"), rows(qs.filter(to_practitioner=me)), "incoming"),
            (_("Mes propositions"), rows(qs.filter(from_practitioner=me)), "outgoing"),
        ]
    if manage:
        sections.append(
            (
                _("À approuver"),
                rows(qs.filter(status=SwapRequest.Status.ACCEPTED)),
                "to-approve",
            )
        )
    if access.role(request.user) in access.READ_ALL:
        sections.append((_("Tous les échanges"), rows(qs[:100]), "all"))
    ctx = {"form": form, "me": me, "sections": sections}
    return render(request, "oncall/swaps.html", ctx)


def _swap_actions(w: SwapRequest, me, manage: bool) -> list[tuple[str, str]]:
    st = SwapRequest.Status
    out = []
    pending = w.status in (st.PROPOSED, st.ACCEPTED)
    if me is not None and w.to_practitioner_id == me.pk and w.status == st.PROPOSED:
        out += [("accept", _("Accepter")), ("refuse", _("Refuser"))]
    if me is not None and w.from_practitioner_id == me.pk and pending:
        out.append(("cancel", _("Annuler")))
    if manage and w.status == st.ACCEPTED:
        out += [("approve", _("Approuver")), ("refuse", _("Refuser"))]
    return out


@login_required
@require_POST
def swap_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    access.require(request.user, "swaps")
    swap = get_object_or_404(SwapRequest, pk=pk)
    me = access.own_practitioner(request.user)
    if not access.can(request.user, "rota_manage") and (
        me is None or me.pk not in (swap.from_practitioner_id, swap.to_practitioner_id)
    ):
        raise Http404
    try:
        if action == "accept":
            services.swap_accept(actor=request.user, swap=swap)
        elif action == "refuse":
            services.swap_refuse(
                actor=request.user, swap=swap, reason=request.POST.get("reason", "")
            )
        elif action == "approve":
            services.swap_approve(actor=request.user, swap=swap)
        elif action == "cancel":
            services.swap_cancel(actor=request.user, swap=swap)
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, swap.get_status_display())
    return redirect("oncall:swaps")


# --- fairness ----------------------------------------------------------------------------------


@login_required
def fairness(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "fairness")
    platform = _platform()
    years = sorted(
        {d.year for d in Rota.objects.filter(platform=platform).dates("start", "year")}
    ) or [timezone.localdate().year]
    try:
        year = int(request.GET.get("annee", years[-1]))
    except ValueError:
        year = years[-1]
    data = selectors.fairness(platform_id=platform.pk, year=year)
    chart = bar_chart(
        [(str(r.practitioner), r.points) for r in data.rows],
        unit=_("points"),
        title=_("Points de garde par praticien, %(year)s") % {"year": year},
    )
    context = {"f": data, "years": years, "year": year, "chart": chart}
    return render(request, "oncall/fairness.html", context)


# --- calendar ----------------------------------------------------------------------------------


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "calendar")
    me = access.own_practitioner(request.user)
    if me is None:
        raise PermissionDenied
    if request.method == "POST":
        services.calendar_token_regenerate(actor=request.user, practitioner=me)
        messages.success(request, _("Nouveau lien créé : l'ancien ne fonctionne plus."))
        return redirect("oncall:calendar")
    token = services.calendar_token_for(practitioner=me)
    url = request.build_absolute_uri(reverse("oncall:ical", args=[token.token]))
    return render(request, "oncall/calendar.html", {"url": url, "me": me})


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design (calendar apps cannot log in): the secret token is the credential."""
    found = CalendarToken.objects.select_related("practitioner").filter(token=token).first()
    if found is None:
        raise Http404
    duties = selectors.published_duties_of(practitioner_id=found.practitioner_id)
    response = HttpResponse(
        exports.to_ical(found.practitioner, duties), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="gardes.ics"'
    return response
