"""Worklist pages: thin views over ``access``, ``selectors`` and ``services``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.charts import bar_chart, line_chart
from pimm.oncall import access as oncall_access
from pimm.oncall import selectors as oncall_selectors
from pimm.oncall.services import presence as presence_services
from pimm.registry import selectors as registry
from pimm.registry.periods import period_from_query
from pimm.spreadsheets import download
from pimm.worklist import access, forms, selectors, services
from pimm.worklist import models as w

DEFAULT_PACS_URL = "http://pacs.invalid/viewer?study={study_uid}"


def _pacs_url(exam: w.Exam) -> str:
    template = getattr(settings, "PIMM_PACS_VIEWER_URL", DEFAULT_PACS_URL)
    return template.format(study_uid=exam.study_uid)


def _errors(request, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    reader = access.reader_of(request.user)
    if reader is None:
        raise PermissionDenied
    return render(request, "worklist/queue.html", _queue_context(reader))


@login_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    reader = access.reader_of(request.user)
    if reader is None:
        raise PermissionDenied
    return render(request, "worklist/_queue_rows.html", _queue_context(reader))


def _queue_context(reader) -> dict:
    exams = selectors.reader_queue(reader=reader)
    opened = selectors.opened_at(exams=exams)
    return {"reader": reader, "rows": [(e, opened.get(e.pk)) for e in exams]}


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    if not access.can_list_exams(request.user):
        raise PermissionDenied
    qs = access.visible_exams(request.user).select_related("priority", "site", "patient")
    status = request.GET.get("statut", "")
    if status in w.Exam.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "worklist/exam_list.html",
        {"page": page, "status": status, "statuses": w.Exam.Status.choices},
    )


@login_required
def exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exam = access.get_exam_for_user(request.user, pk)
    identity = access.shows_identity(request.user, exam)
    reader = access.reader_of(request.user)
    if identity:
        services.access_log_record(user=request.user, exam=exam)
        services.exam_open(exam=exam, reader=reader, actor=request.user)
    report = w.Report.objects.filter(exam=exam).first()
    steps = [
        (s, label)
        for s, label in w.Exam.Status.choices
        if s in services.TRANSITIONS[exam.status]
        and s in services.TECHNOLOGIST_STEPS | {"cancelled"}
    ]
    return render(
        request,
        "worklist/exam.html",
        {
            "exam": exam,
            "identity": identity,
            "patient": exam.patient if identity else None,
            "report": report,
            "can_report": identity,
            "can_move": access.can_move(request.user, exam),
            "steps": steps,
            "pacs_url": _pacs_url(exam) if identity else None,
            "events": exam.events.select_related("exam__site", "exam__priority").order_by(
                "at", "pk"
            ),
            "findings": selectors.findings_of(exam=exam),
            "channels": w.Communication.Channel.choices[:3],
            "is_signer": reader is not None
            and report is not None
            and report.signed_by_id == reader.pk,
            "can_chase": access.can_chase_finding(request.user, exam),
            "can_close": access.can_close_finding(request.user),
            "confirm_sign": request.GET.get("confirmer") == "1"
            and bool(services.open_findings(exam=exam)),
        },
    )


@login_required
@require_POST
def report_post(request: HttpRequest, pk: int) -> HttpResponse:
    exam = access.get_exam_for_user(request.user, pk)
    reader = access.reader_of(request.user)
    text = request.POST.get("text", "")
    try:
        if access.can_report(request.user, exam):
            # the text is saved first, whatever comes next (a finding flagged, a refusal)
            services.report_save(exam=exam, reader=reader, text=text, actor=request.user)
            description = request.POST.get("description", "").strip()
            if "flag" in request.POST:
                if not description:
                    messages.error(request, _("Décrivez le résultat critique."))
                else:
                    services.finding_flag(
                        exam=exam, reader=reader, description=description, actor=request.user
                    )
                    messages.warning(
                        request, _("Résultat critique signalé : tracez la communication.")
                    )
                return redirect("worklist:exam", pk=exam.pk)
            if "sign" in request.POST:
                pending = services.open_findings(exam=exam)
                if pending and "confirm" not in request.POST:
                    messages.warning(
                        request,
                        _(
                            "%(n)d résultat(s) critique(s) non acquitté(s) : confirmez la "
                            "signature (le suivi de la communication continue après)."
                        )
                        % {"n": len(pending)},
                    )
                    return redirect(f"{reverse('worklist:exam', args=[exam.pk])}?confirmer=1")
                services.report_sign(exam=exam, reader=reader, actor=request.user)
                services.reader_pull(reader=reader, actor=request.user)
                messages.success(request, _("Compte rendu signé."))
                return redirect("worklist:queue")
            messages.success(request, _("Brouillon enregistré."))
        elif reader is not None and exam.status == w.Exam.Status.SIGNED and "amend" in request.POST:
            services.report_amend(exam=exam, reader=reader, text=text, actor=request.user)
            messages.success(request, _("Avenant enregistré."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("worklist:exam", pk=exam.pk)


@login_required
@require_POST
def exam_move(request: HttpRequest, pk: int) -> HttpResponse:
    exam = access.get_exam_for_user(request.user, pk)
    if not access.can_move(request.user, exam):
        raise PermissionDenied
    to = request.POST.get("to", "")
    if to not in services.TECHNOLOGIST_STEPS | {w.Exam.Status.CANCELLED}:
        raise PermissionDenied
    try:
        if to == w.Exam.Status.IMAGES_AVAILABLE:
            services.exam_images_available(exam=exam, actor=request.user)
        else:
            services.exam_transition(exam=exam, to=to, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("worklist:exam", pk=exam.pk)


@login_required
@require_POST
def finding_post(request: HttpRequest, pk: int) -> HttpResponse:
    exam = access.get_exam_for_user(request.user, pk)
    reader = access.reader_of(request.user)
    if reader is None or exam.reader_id != reader.pk:
        raise PermissionDenied
    description = request.POST.get("description", "").strip()
    if not description:
        messages.error(request, _("Décrivez le résultat critique."))
    else:
        try:
            services.finding_flag(
                exam=exam, reader=reader, description=description, actor=request.user
            )
            messages.warning(request, _("Résultat critique signalé : tracez la communication."))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("worklist:exam", pk=exam.pk)


@login_required
@require_POST
def communication_post(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(w.CriticalFinding, pk=pk)
    exam = access.get_exam_for_user(request.user, finding.exam_id)
    if not access.can_chase_finding(request.user, exam):
        raise PermissionDenied
    channel = request.POST.get("channel", "")
    recipient = request.POST.get("recipient", "").strip()
    if channel not in w.Communication.Channel.values or not recipient:
        messages.error(request, _("Indiquez le destinataire et le moyen."))
    else:
        services.communication_record(
            finding=finding,
            channel=channel,
            recipient=recipient,
            acknowledged=bool(request.POST.get("acknowledged")),
            note=request.POST.get("note", "")[:300],
            actor=request.user,
        )
    return redirect("worklist:exam", pk=exam.pk)


@login_required
@require_POST
def finding_close_post(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(w.CriticalFinding, pk=pk)
    exam = access.get_exam_for_user(request.user, finding.exam_id)
    if not access.can_close_finding(request.user):
        raise PermissionDenied
    try:
        services.finding_close(
            finding=finding, actor=request.user, reason=request.POST.get("close_reason", "")
        )
        messages.success(request, _("Résultat critique clos."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("worklist:exam", pk=exam.pk)


@login_required
@require_POST
def report_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft saved as the reader types (htmx): a navigation away or an expired session
    loses at most the last seconds, and the page keeps a copy in the browser too."""
    exam = access.get_exam_for_user(request.user, pk)
    if not access.can_report(request.user, exam):
        return HttpResponse(status=403)
    try:
        services.report_save(
            exam=exam,
            reader=access.reader_of(request.user),
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=409)
    return HttpResponse(status=204)


@login_required
def coordination(request: HttpRequest) -> HttpResponse:
    if not access.can_see_coordination(request.user):
        raise PermissionDenied
    return render(request, "worklist/coordination.html", _coordination_context())


@login_required
def coordination_live(request: HttpRequest) -> HttpResponse:
    if not access.can_see_coordination(request.user):
        raise PermissionDenied
    return render(request, "worklist/_coordination_live.html", _coordination_context())


@login_required
def turnaround(request: HttpRequest) -> HttpResponse:
    """Turnaround per priority class over a chosen period, with a chart of the daily medians."""
    if not access.can_see_coordination(request.user):
        raise PermissionDenied
    start, end, error = period_from_query(
        request.GET, today=timezone.localdate(), default_days=30, max_days=366
    )
    report = selectors.turnaround_between(start=start, end=end)
    chart = line_chart(
        report.daily,
        unit=_("min"),
        title=_("Délai médian images → signature, par jour et par classe"),
    )
    targets = bar_chart(
        [(c.label, round(100 * c.within_target, 1)) for c in report.classes if c.signed],
        unit="%",
        title=_("Part des examens signés dans le délai cible"),
    )
    context = {"report": report, "chart": chart, "targets": targets, "error": error}
    return render(request, "worklist/turnaround.html", context)


@login_required
def turnaround_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if not access.can_see_coordination(request.user):
        raise PermissionDenied
    start, end, _error = period_from_query(
        request.GET, today=timezone.localdate(), default_days=30, max_days=366
    )
    report = selectors.turnaround_between(start=start, end=end)
    header = [
        _("Jour"),
        _("Classe"),
        _("Cible (min)"),
        _("Signés"),
        _("Médiane (min)"),
        _("90e centile (min)"),
        _("Dans la cible (%)"),
    ]
    rows = [
        [
            day,
            c.label,
            c.target_minutes,
            c.signed,
            round(c.median_minutes, 1),
            round(c.p90_minutes, 1),
            round(100 * c.within_target, 1),
        ]
        for day, c in report.rows
    ]
    name = f"delais-lecture-{start.isoformat()}-{end.isoformat()}"
    return download(fmt, name, header, rows, sheet=_("Délais"))


def _coordination_context() -> dict:
    return {
        "turnaround": selectors.turnaround_today(),
        "escalations": selectors.escalations(),
        "waiting": selectors.waiting_unassigned(),
        "loads": selectors.queues_per_reader(),
        "findings": selectors.unacknowledged_findings(),
    }


# -- set-up: priority classes and the presence plan ---------------------------------------------
def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    if not access.can_configure(request.user):
        raise PermissionDenied
    if request.method == "POST":
        platform = registry.current_platform()
        if platform is not None:
            services.priority_classes_ensure(platform=platform, actor=request.user)
            messages.success(request, _("Classes de priorité complétées."))
        return redirect("worklist:classes")
    rows = w.PriorityClass.objects.select_related("platform").order_by("platform__name", "rank")
    return render(request, "worklist/classes.html", {"rows": rows})


@login_required
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pc = access.get_priority_class_for_user(request.user, pk)
    form = forms.PriorityClassForm(
        request.POST or None, instance=w.PriorityClass.objects.get(pk=pc.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.priority_class_update(
                pc=pc,
                label=form.cleaned_data["label"],
                target_minutes=form.cleaned_data["target_minutes"],
                open_delay_minutes=form.cleaned_data["open_delay_minutes"],
                actor=request.user,
            )
            messages.success(request, _("Classe de priorité enregistrée."))
            return redirect("worklist:classes")
        except ValidationError as exc:
            _form_errors(form, exc)
    return render(
        request,
        "worklist/setup_form.html",
        {
            "form": form,
            "title": _("Modifier la classe « %s »") % pc.label,
            "back": "worklist:classes",
        },
    )


@login_required
def presences(request: HttpRequest) -> HttpResponse:
    if not oncall_access.can_manage_presences(request.user):
        raise PermissionDenied
    qs = oncall_access.presences_for(request.user).order_by("-start", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "worklist/presences.html",
        {"page": page, "can_configure": access.can_configure(request.user)},
    )


def _presence_save(request, presence=None) -> HttpResponse:
    # the form works on a copy: the stored row changes only through the service
    instance = oncall_selectors.presence(pk=presence.pk) if presence else None
    form = forms.PresenceForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k] for k in ("practitioner", "site", "start", "end", "on_duty")
        }
        try:
            if presence is None:
                presence_services.presence_create(**data, actor=request.user)
                messages.success(request, _("Présence ajoutée."))
            else:
                presence_services.presence_update(presence=presence, **data, actor=request.user)
                messages.success(request, _("Présence modifiée."))
            return redirect("worklist:presences")
        except ValidationError as exc:
            _form_errors(form, exc)
    title = _("Modifier la présence") if presence else _("Ajouter une présence")
    return render(
        request,
        "worklist/setup_form.html",
        {"form": form, "title": title, "back": "worklist:presences", "object": presence},
    )


@login_required
def presence_new(request: HttpRequest) -> HttpResponse:
    if not oncall_access.can_manage_presences(request.user):
        raise PermissionDenied
    return _presence_save(request)


@login_required
def presence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _presence_save(request, oncall_access.get_presence_for_user(request.user, pk))


@login_required
@require_POST
def presence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    presence = oncall_access.get_presence_for_user(request.user, pk)
    presence_services.presence_delete(presence=presence, actor=request.user)
    messages.success(request, _("Présence supprimée."))
    return redirect("worklist:presences")
