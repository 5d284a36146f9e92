"""The ledger's pages: months and their statements, entries with their sources, pay, the
to-fix list, extra-fee attempts, tariffs. Thin: ``access`` decides, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.api_errors import error_message
from pimm.ledger import access, exports, imports, selectors, services
from pimm.ledger import models as lm
from pimm.ledger.forms import CostLineForm, ExtraFeeForm, ImportForm, PayForm
from pimm.registry import selectors as registry
from pimm.worklist import selectors as worklist


def _platform():
    platform = registry.current_platform()
    if platform is None:
        raise Http404
    return platform


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _member_scope(user) -> int | None:
    """None: every member; else the only member this user's statements cover."""
    return None if access.can(user, "statements_all") else user.member_id


@login_required
def periods(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "ledger")
    platform = _platform()
    if request.method == "POST":
        access.require(request.user, "manage")
        services.period_for(platform_id=platform.pk, day=timezone.localdate())
        return redirect("ledger:periods")
    return render(
        request,
        "ledger/periods.html",
        {
            "periods": selectors.periods(platform_id=platform.pk),
            "manage": access.can(request.user, "manage"),
        },
    )


@login_required
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    scope = _member_scope(request.user)
    sts = selectors.statements(period=period, member_id=scope)
    context = {
        "period": period,
        "statements": sts,
        "totals": selectors.platform_totals(period=period) if scope is None else None,
        "cost_lines": period.cost_lines.all() if scope is None else [],
        "manage": access.can(request.user, "manage") and period.is_open,
        "close": access.can(request.user, "close") and period.is_open,
        "cost_form": CostLineForm(),
        "pay_form": PayForm(),
        "pool": lm.PayPool.objects.filter(period=period).first(),
    }
    return render(request, "ledger/period.html", context)


@login_required
@require_POST
def period_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    period = access.access_period_for_user(request.user, pk)
    try:
        if action == "close":
            services.period_close(actor=request.user, period=period)
            messages.success(request, _("Mois clos : ses écritures sont figées."))
        elif action == "allocate":
            n = services.allocate_all(actor=request.user, period=period)
            messages.success(request, _("%(n)s ligne(s) réparties.") % {"n": n})
        elif action == "cost":
            access.require(request.user, "manage")
            form = CostLineForm(request.POST)
            if not form.is_valid():
                for errs in form.errors.values():
                    for e in errs:
                        messages.error(request, e)
                return redirect("ledger:period", pk=period.pk)
            services.cost_line_create(actor=request.user, period=period, **form.cleaned_data)
            messages.success(request, _("Ligne enregistrée."))
        elif action == "pay":
            access.require(request.user, "manage")
            form = PayForm(request.POST)
            if not form.is_valid():
                for errs in form.errors.values():
                    for e in errs:
                        messages.error(request, e)
                return redirect("ledger:period", pk=period.pk)
            services.pay_compute(actor=request.user, period=period, **form.cleaned_data)
            messages.success(request, _("Rémunération calculée."))
            return redirect("ledger:pay", pk=period.pk)
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("ledger:period", pk=period.pk)


@login_required
def statement(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    if not access.reads_member(request.user, member_id):
        raise Http404
    found = selectors.statements(period=period, member_id=member_id)
    if not found:
        raise Http404
    st = found[0]
    entries = selectors.entries_for(request.user, period=period, member_id=member_id)
    fmt = request.GET.get("format", "")
    name = f"releve-{st.member_code}-{period.month:%Y-%m}"
    if fmt == "csv":
        resp = HttpResponse(exports.statement_csv(st, entries), content_type="text/csv")
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return resp
    if fmt == "pdf":
        totals = selectors.platform_totals(period=period)
        resp = HttpResponse(
            exports.statement_pdf(st, entries, totals), content_type="application/pdf"
        )
        resp["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return resp
    return render(
        request,
        "ledger/statement.html",
        {
            "period": period,
            "st": st,
            "entries": entries[:500],
            "count": entries.count(),
            "reverse": access.can(request.user, "close"),
        },
    )


@login_required
def entries(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    qs = selectors.entries_for(request.user, period=period)
    fmt = request.GET.get("format", "")
    if fmt == "fec":
        access.require(request.user, "statements_all")
        platform = _platform()
        siren = platform.siren or "000000000"
        resp = HttpResponse(exports.fec(qs.select_related("period")), content_type="text/plain")
        resp["Content-Disposition"] = (
            f'attachment; filename="{siren}FEC{services.month_end(period.month):%Y%m%d}.txt"'
        )
        return resp
    if fmt == "csv":
        resp = HttpResponse(exports.entries_csv(qs), content_type="text/csv")
        resp["Content-Disposition"] = f'attachment; filename="ecritures-{period.month:%Y-%m}.csv"'
        return resp
    return render(
        request, "ledger/entries.html", {"period": period, "entries": qs[:500], "count": qs.count()}
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "close")
    entry = access.access_entry_for_user(request.user, pk)
    into = services.period_for(platform_id=entry.period.platform_id, day=timezone.localdate())
    try:
        services.entry_reverse(
            actor=request.user, entry=entry, into=into, reason=request.POST.get("reason", "")[:100]
        )
        messages.success(request, _("Écriture contre-passée dans le mois %(m)s.") % {"m": into})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("ledger:statement", pk=entry.period_id, member_id=entry.member_id)


@login_required
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    lines = selectors.pay_lines_for(request.user, period=period)
    if request.GET.get("format") == "csv":
        resp = HttpResponse(exports.pay_csv(lines), content_type="text/csv")
        resp["Content-Disposition"] = (
            f'attachment; filename="remuneration-{period.month:%Y-%m}.csv"'
        )
        return resp
    return render(request, "ledger/pay.html", {"period": period, "lines": lines})


@login_required
def pay_statement(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    access.require(request.user, "ledger")
    period = access.access_period_for_user(request.user, pk)
    line = selectors.pay_lines_for(request.user, period=period).filter(pk=line_id).first()
    if line is None:
        raise Http404
    resp = HttpResponse(exports.pay_pdf(line), content_type="application/pdf")
    resp["Content-Disposition"] = (
        f'attachment; filename="paie-{line.practitioner.rpps}-{period.month:%Y-%m}.pdf"'
    )
    return resp


@login_required
def to_fix(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "close")
    platform = _platform()
    if request.method == "POST":
        items = list(selectors.to_fix())
        pairs = worklist.signed_exams_with_signers(exam_ids=[x.exam_id for x in items])
        written, left = services.write_exam_entries(pairs, platform_id=platform.pk)
        messages.info(
            request,
            _("%(w)s écriture(s) écrite(s) ; %(n)s examen(s) restent à corriger.")
            % {"w": written, "n": left},
        )
        return redirect("ledger:to_fix")
    return render(request, "ledger/to_fix.html", {"items": selectors.to_fix()[:500]})


@login_required
def extra_fees(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "ledger")
    form = ExtraFeeForm(request.POST or None)
    if request.method == "POST":
        access.require(request.user, "extra_fee")
        if form.is_valid():
            pair = worklist.signed_exams_with_signers(exam_ids=[form.cleaned_data["exam"]])
            if not pair or pair[0][1] is None:
                form.add_error("exam", _("Examen signé introuvable."))
            else:
                exam, signer = pair[0]
                try:
                    attempt = services.extra_fee_request(
                        actor=request.user,
                        exam=exam,
                        practitioner=signer,
                        amount=form.cleaned_data["amount"],
                    )
                except ValidationError as exc:
                    _errors(request, exc)
                else:
                    (messages.success if attempt.accepted else messages.error)(
                        request, attempt.reason
                    )
                    return redirect("ledger:extra_fees")
    return render(
        request,
        "ledger/extra_fees.html",
        {
            "attempts": access.visible_attempts(request.user).select_related(
                "practitioner", "member", "exam"
            )[:500],
            "form": form,
            "write": access.can(request.user, "extra_fee"),
        },
    )


@login_required
def tariffs(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "ledger")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST":
        access.require(request.user, "manage")
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                result = imports.import_tariffs(actor=request.user, name=f.name, content=f.read())
            except PermissionDenied:
                raise
            except Exception:  # an unreadable file is a French error, never a 500
                messages.error(request, error_message(400))
                return redirect("ledger:tariffs")
            if result.ok:
                messages.success(request, _("%(n)s tarif(s) importé(s).") % {"n": result.created})
                return redirect("ledger:tariffs")
            errors = result.errors
    return render(
        request,
        "ledger/tariffs.html",
        {
            "tariffs": lm.Tariff.objects.all(),
            "scales": lm.TechnicalFeeScale.objects.all(),
            "mappings": lm.ActMapping.objects.all(),
            "form": form,
            "errors": errors,
            "manage": access.can(request.user, "manage"),
        },
    )
