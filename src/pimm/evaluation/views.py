"""Pages of the evaluation room: thin — parse, ask `access`, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.evaluation import access, charts, selectors, services
from pimm.evaluation import models as ev
from pimm.evaluation.forms import AnnexForm, CommitmentForm, DraftForm, EvidenceForm
from pimm.evaluation.indicators import REGISTRY, Missing
from pimm.registry import selectors as registry
from pimm.spreadsheets import csv_writer


def _platform():
    p = selectors.platform()
    if p is None:
        raise Http404
    return p


def _date(value: str, default: dt.date, errors: list, label: str) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(
            _("Date %(label)s illisible (attendu AAAA-MM-JJ) : %(v)s.")
            % {"label": label, "v": value[:20]}
        )
        return default


def _int_or_none(value: str, errors: list, label: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(_("Filtre %(label)s illisible.") % {"label": label})
        return None


def _filters(request: HttpRequest, p):
    """The period (default: the current authorisation year so far), member and site from the
    query string; bad input falls back to the default with a French message, never a 500."""
    today = timezone.localdate()
    year = selectors.current_year(p, today)
    errors: list[str] = []
    start = _date(request.GET.get("start", ""), year.start, errors, _("de début"))
    end = _date(
        request.GET.get("end", ""), min(year.end, today + dt.timedelta(days=1)), errors, _("de fin")
    )
    if end <= start:
        errors.append(_("La fin de la période doit suivre son début : période par défaut."))
        start, end = year.start, min(year.end, today + dt.timedelta(days=1))
    if (end - start).days > 8 * 366:
        errors.append(_("Période limitée à huit ans."))
        end = start + dt.timedelta(days=8 * 366)
    member_id = _int_or_none(request.GET.get("member", ""), errors, _("membre"))
    site_id = _int_or_none(request.GET.get("site", ""), errors, _("site"))
    if member_id is not None and registry.member(pk=member_id) is None:
        errors.append(_("Membre inconnu : filtre ignoré."))
        member_id = None
    if site_id is not None and registry.site(pk=site_id) is None:
        errors.append(_("Site inconnu : filtre ignoré."))
        site_id = None
    ctx = selectors.context(p, start, end, today=today, member_id=member_id, site_id=site_id)
    return ctx, errors


def _filter_context(ctx, errors, p) -> dict:
    return {
        "ctx": ctx,
        "filter_errors": errors,
        "members": registry.members().filter(platform_id=p.pk),
        "sites": registry.sites_of(platform_id=p.pk),
        "provisional": not ctx.closed,
        "period_last": ctx.end - dt.timedelta(days=1),
        "query": f"start={ctx.start:%Y-%m-%d}&end={ctx.end:%Y-%m-%d}"
        + (f"&member={ctx.member_id}" if ctx.member_id else "")
        + (f"&site={ctx.site_id}" if ctx.site_id else ""),
    }


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "view")
    p = _platform()
    ctx, errors = _filters(request, p)
    rows = selectors.compute_all(ctx)
    return render(
        request, "evaluation/indicator_list.html", {"rows": rows, **_filter_context(ctx, errors, p)}
    )


def _indicator(code: str):
    ind = REGISTRY.get(code)
    if ind is None:
        raise Http404
    return ind


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    access.require(request.user, "view")
    _indicator(code)
    p = _platform()
    ctx, errors = _filters(request, p)
    done = selectors.compute(code, ctx)
    chart = None
    table = []
    if not done.missing:
        series: dict[str, list] = {}
        for r in done.result:
            name = str(_("ensemble")) if r.dimension == "total" else r.label
            series.setdefault(name, []).append((r.period or f"{ctx.start:%Y-%m}", r.value))
        ind = done.indicator
        title = f"{ind.name} — {ctx.start:%d/%m/%Y} → {ctx.end - dt.timedelta(days=1):%d/%m/%Y}"
        if len({x for pts in series.values() for x, _v in pts}) > 1:
            shown = dict(list(series.items())[:7])
            chart = charts.line_chart(shown, unit=str(ind.unit), title=title)
        else:
            chart = charts.bar_chart(
                [(k, v[0][1]) for k, v in series.items()][:12], unit=str(ind.unit), title=title
            )
        table = done.result
    return render(
        request,
        "evaluation/indicator_detail.html",
        {
            "done": done,
            "ind": done.indicator,
            "chart": chart,
            "table": table,
            **_filter_context(ctx, errors, p),
        },
    )


@login_required
def indicator_csv(request: HttpRequest, code: str) -> HttpResponse:
    access.require(request.user, "view")
    ind = _indicator(code)
    p = _platform()
    ctx, _errors = _filters(request, p)
    done = selectors.compute(code, ctx)
    buf = io.StringIO()
    out = csv_writer(buf, delimiter=";")
    out.writerow(
        [
            _("indicateur"),
            _("période"),
            _("dimension"),
            _("libellé"),
            _("valeur"),
            _("unité"),
            _("état"),
        ]
    )
    if isinstance(done.result, Missing):
        out.writerow(
            [
                ind.code,
                f"{ctx.start}/{ctx.end}",
                "",
                "",
                "",
                str(ind.unit),
                _("manquant : %(r)s") % {"r": done.result.reason},
            ]
        )
    else:
        state = _("provisoire") if not ctx.closed else _("définitif")
        for r in done.result:
            value = "" if r.value is None else str(r.value).replace(".", ",")
            out.writerow([ind.code, r.period, r.dimension, r.label, value, str(ind.unit), state])
    response = HttpResponse(
        buf.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{ind.code}-{ctx.start}-{ctx.end}.csv"'
    return response


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "view")
    p = _platform()
    ctx, errors = _filters(request, p)
    lines = selectors.scorecard(ctx, p, ctx.today)
    return render(
        request,
        "evaluation/scorecard.html",
        {
            "lines": lines,
            "can_manage": access.can(request.user, "manage"),
            **_filter_context(ctx, errors, p),
        },
    )


# ---- commitments and evidence -------------------------------------------------------------


@login_required
def commitment_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "view")
    today = timezone.localdate()
    rows = selectors.statuses(selectors.commitments_for(request.user), today)
    return render(
        request,
        "evaluation/commitment_list.html",
        {"rows": rows, "can_manage": access.can(request.user, "manage")},
    )


@login_required
def commitment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, "manage")
    p = _platform()
    obj = (
        access.fetch(request.user, ev.Commitment, pk, write=True)
        if pk
        else ev.Commitment(platform=p)
    )
    form = CommitmentForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        commitment = form.save(commit=False)
        chosen = form.cleaned_data["indicators"]
        commitment.indicators = [c for c in REGISTRY if c in chosen]
        try:
            services.commitment_save(actor=request.user, commitment=commitment)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Engagement enregistré."))
            return redirect(commitment)
    return render(request, "evaluation/commitment_form.html", {"form": form, "obj": obj})


@login_required
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "view")
    c = access.fetch(request.user, ev.Commitment, pk)
    can_manage = access.can(request.user, "manage")
    form = EvidenceForm(request.POST or None, request.FILES or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.evidence_add(
                    actor=request.user,
                    commitment=c,
                    date=data["date"],
                    count=data["count"],
                    hours=data["hours"],
                    description=data["description"],
                    attachment=data["attachment"],
                    member=data["member"],
                )
            except ValidationError as exc:
                for fld, errs in exc.message_dict.items():
                    form.add_error(fld if fld in form.fields else None, errs)
            else:
                messages.success(request, _("Preuve enregistrée."))
                return redirect(c)
    status = selectors.commitment_status(c, timezone.localdate())
    return render(
        request,
        "evaluation/commitment_detail.html",
        {
            "c": c,
            "status": status,
            "form": form,
            "can_manage": can_manage,
            "evidence": selectors.evidence_for(request.user, commitment=c),
            "indicators": [REGISTRY[code] for code in c.indicators if code in REGISTRY],
        },
    )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
}


def _file_response(field) -> HttpResponse:
    """The stored file as a download (reports and evidence are small: read whole)."""
    if not field:
        raise Http404
    try:
        with field.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise Http404 from None
    name = field.name.rsplit("/", 1)[-1]
    kind = CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "view")
    return _file_response(access.fetch(request.user, ev.Evidence, pk).attachment)


# ---- reports ------------------------------------------------------------------------------


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "view")
    can_manage = access.can(request.user, "manage")
    form = DraftForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                draft = services.draft_create(
                    actor=request.user, kind=data["kind"], year=data["year"], title=data["title"]
                )
            except ValidationError as exc:
                for fld, errs in exc.message_dict.items():
                    form.add_error(fld if fld in form.fields else None, errs)
            else:
                return redirect(draft)
    p = _platform()
    return render(
        request,
        "evaluation/report_list.html",
        {
            "form": form,
            "drafts": access.visible(request.user, ev.ReportDraft).prefetch_related("reports"),
            "years": selectors.authorisation_years(p),
            "today": timezone.localdate(),
        },
    )


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "view")
    draft = access.fetch(request.user, ev.ReportDraft, pk)
    can_manage = access.can(request.user, "manage")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        for section in draft.sections.all():
            key = f"section-{section.pk}"
            if key in request.POST and request.POST[key] != section.text:
                services.section_save(
                    actor=request.user, section=section, text=request.POST[key][:50000]
                )
        if "generate" in request.POST:
            report = services.report_start(actor=request.user, draft=draft)
            return redirect(report)
        messages.success(request, _("Sections enregistrées."))
        return redirect(draft)
    period = services.period_of(draft)
    return render(
        request,
        "evaluation/draft_detail.html",
        {
            "draft": draft,
            "sections": draft.sections.order_by("position"),
            "reports": draft.reports.all(),
            "can_manage": can_manage,
            "period": period,
            "provisional": draft.kind != ev.ReportKind.DOSSIER
            and not period.closed(timezone.localdate()),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "view")
    report = access.fetch(request.user, ev.Report, pk)
    return render(
        request,
        "evaluation/report_detail.html",
        {"report": report, "can_manage": access.can(request.user, "manage")},
    )


@login_required
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The generation's progress, polled by its page every second while it runs."""
    access.require(request.user, "view")
    report = access.fetch(request.user, ev.Report, pk)
    return render(request, "evaluation/_report_progress.html", {"report": report})


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "manage")
    report = access.fetch(request.user, ev.Report, pk, write=True)
    try:
        services.report_publish(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Rapport marqué comme transmis à l'ARS."))
    return redirect(report)


@login_required
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    access.require(request.user, "view")
    report = access.fetch(request.user, ev.Report, pk)
    if fmt not in ("pdf", "odt"):
        raise Http404
    return _file_response(getattr(report, fmt))


# ---- the dossier ---------------------------------------------------------------------------


@login_required
def dossier(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "view")
    p = _platform()
    can_manage = access.can(request.user, "manage")
    form = AnnexForm(request.POST or None, request.FILES or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.annex_add(
                    actor=request.user,
                    kind=data["kind"],
                    member=data["member"],
                    signed_on=data["signed_on"],
                    attachment=data["attachment"],
                )
            except ValidationError as exc:
                for fld, errs in exc.message_dict.items():
                    form.add_error(fld if fld in form.fields else None, errs)
            else:
                messages.success(request, _("Pièce enregistrée."))
                return redirect("evaluation:dossier")
    checklist = selectors.annex_checklist(p)
    return render(
        request,
        "evaluation/dossier.html",
        {
            "checklist": checklist,
            "missing": sum(1 for a in checklist if not a.present),
            "annexes": access.visible(request.user, ev.Annex).select_related("member"),
            "drafts": access.visible(request.user, ev.ReportDraft).filter(
                kind=ev.ReportKind.DOSSIER
            ),
            "form": form,
            "can_manage": can_manage,
        },
    )


@login_required
def annex_file(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "view")
    return _file_response(access.fetch(request.user, ev.Annex, pk).attachment)
