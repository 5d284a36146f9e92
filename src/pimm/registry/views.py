"""Registry pages: thin views over `screens`, `access` and `services`."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.api_errors import error_dict
from pimm.registry import access, legal, list_filters, services
from pimm.registry import models as m
from pimm.registry.forms import AmendmentForm, ImportForm, ShareFormSet
from pimm.registry.import_help import columns_help, template_table
from pimm.registry.import_jobs import import_job_confirm, import_job_start
from pimm.registry.imports import KINDS
from pimm.registry.screens import SCREENS, Screen
from pimm.spreadsheets import download

PAGE_SIZE = 25


def _screen(key: str) -> Screen:
    try:
        return SCREENS[key]
    except KeyError:
        raise Http404 from None


def _cell(obj, path: str):
    value = obj
    for part in path.split("."):
        value = getattr(value, part)
        if callable(value):
            value = value()
    return value


def _listed(request: HttpRequest, screen: Screen):
    """The rows of a list page, as the user may see them, searched and filtered: the page and
    its export show the same rows."""
    if not access.can_read_any(request.user, screen.model):
        raise PermissionDenied
    qs = access.visible(request.user, screen.model)
    if screen.select_related:
        qs = qs.select_related(*screen.select_related)
    query = request.GET.get("q", "").strip()
    if query:
        cond = Q()
        for name in screen.search:
            cond |= Q(**{f"{name}__icontains": query})
        qs = qs.filter(cond)
    filters, chosen = list_filters.active_filters(screen, request.user, request.GET)
    qs = list_filters.apply_filters(screen, qs, chosen)
    qs = qs.order_by(*(screen.model._meta.ordering or ["pk"]), "pk")
    return qs, query, filters, chosen


@login_required
def object_list(request: HttpRequest, key: str) -> HttpResponse:
    screen = _screen(key)
    qs, query, filters, chosen = _listed(request, screen)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(obj, [_cell(obj, path) for _label, path in screen.columns]) for obj in page]
    context = {
        "screen": screen,
        "page": page,
        "rows": rows,
        "query": query,
        "filters": filters,
        "export_query": urlencode({**({"q": query} if query else {}), **chosen}),
        "can_create": access.can_create(request.user, screen.model),
    }
    template = "registry/_table.html" if request.htmx else "registry/list.html"
    return render(request, template, context)


@login_required
def object_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """The list as CSV or XLSX: every row the page would show (all pages), its columns."""
    screen = _screen(key)
    qs, _query, _filters, _chosen = _listed(request, screen)
    header = [str(label) for label, _path in screen.columns]
    rows = ([_cell(obj, path) for _label, path in screen.columns] for obj in qs.iterator(2000))
    day = timezone.localdate().isoformat()
    return download(fmt, f"{screen.title_plural}-{day}", header, rows, sheet=screen.title_plural)


def _fields(obj, screen: Screen) -> list[tuple[str, object]]:
    out = []
    for field in obj._meta.concrete_fields:
        if field.name in screen.detail_exclude:
            continue
        display = getattr(obj, f"get_{field.name}_display", None)
        value = display() if display else getattr(obj, field.name)
        if field.name == "competences":
            value = ", ".join(obj.competence_labels())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out.append((field.verbose_name, value))
    for name in screen.m2m:
        out.append(
            (
                obj._meta.get_field(name).verbose_name,
                ", ".join(str(x) for x in getattr(obj, name).all()),
            )
        )
    return out


@login_required
def object_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    screen = _screen(key)
    obj = access.get_for_user(request.user, screen.model, pk)
    related = []
    for rel in screen.related:
        rel_screen = SCREENS[rel.screen]
        items = access.visible(request.user, rel_screen.model, rel.queryset(obj))
        related.append((rel.title, list(items[:50])))
    context = {
        "screen": screen,
        "object": obj,
        "fields": _fields(obj, screen),
        "related": related,
        "can_edit": access.can_write(request.user, obj),
        "history": obj.history.select_related("history_user")[:20],
    }
    if isinstance(obj, m.Convention):
        context["keys"] = obj.sharing_keys.select_related("member")
        if obj.is_signed and context["can_edit"]:  # signed: amended, never edited in place
            context["can_edit"], context["can_amend"] = False, True
    if isinstance(obj, m.Equipment):
        context["legal"] = legal.state_of(obj.pk, timezone.localdate())
        context["add_authorization"] = context["can_edit"]
    return render(request, "registry/detail.html", context)


def _save(request, screen: Screen, form) -> HttpResponse | None:
    if not form.is_valid():
        return None
    obj = form.save(commit=False)
    m2m = {name: form.cleaned_data[name] for name in screen.m2m if name in form.cleaned_data}
    try:
        services.registry_object_save(actor=request.user, obj=obj, m2m=m2m)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Action non autorisée."))
        return None
    messages.success(request, _("Enregistré : %(obj)s") % {"obj": obj})
    return redirect(obj.get_absolute_url())


@login_required
def object_create(request: HttpRequest, key: str) -> HttpResponse:
    screen = _screen(key)
    if not access.can_create(request.user, screen.model):
        raise PermissionDenied
    initial = {k: v for k, v in request.GET.items() if k in screen.form.base_fields}
    if screen.model is not m.Platform and "platform" in screen.form.base_fields:
        initial.setdefault("platform", m.Platform.objects.order_by("pk").first())
    form = screen.form(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and (response := _save(request, screen, form)):
        return response
    return render(request, "registry/form.html", {"screen": screen, "form": form, "object": None})


@login_required
def object_edit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    screen = _screen(key)
    obj = access.get_for_user(request.user, screen.model, pk, write=True)
    form = screen.form(request.POST or None, instance=obj, user=request.user)
    if request.method == "POST" and (response := _save(request, screen, form)):
        return response
    return render(request, "registry/form.html", {"screen": screen, "form": form, "object": obj})


def _share_total(formset, name: str) -> Decimal:
    """The column's total as typed (the page's starting total; the page's script keeps it
    current as the user types)."""
    total = Decimal(0)
    for form in formset:
        try:
            total += form.fields[name].clean(form[name].value()) or 0
        except ValidationError:
            continue
    return total


@login_required
def convention_keys(request: HttpRequest, pk: int) -> HttpResponse:
    convention = access.get_for_user(request.user, m.Convention, pk, write=True)
    members = m.Member.objects.filter(platform_id=convention.platform_id).order_by("name")
    current = {k.member_id: k for k in convention.sharing_keys.all()}
    initial = [
        {
            "member": mem.pk,
            "time_share": getattr(current.get(mem.pk), "time_share", Decimal(0)),
            "revenue_share": getattr(current.get(mem.pk), "revenue_share", Decimal(0)),
            "cost_share": getattr(current.get(mem.pk), "cost_share", Decimal(0)),
        }
        for mem in members
    ]
    formset = ShareFormSet(request.POST or None, initial=initial)
    amend = AmendmentForm(request.POST or None) if convention.is_signed else None
    error = None
    if request.method == "POST" and formset.is_valid() and (amend is None or amend.is_valid()):
        shares = [
            services.Share(
                member_id=f.cleaned_data["member"].pk,
                time_share=f.cleaned_data["time_share"],
                revenue_share=f.cleaned_data["revenue_share"],
                cost_share=f.cleaned_data["cost_share"],
            )
            for f in formset
        ]
        try:
            if amend is None:
                services.sharing_keys_set(actor=request.user, convention=convention, shares=shares)
                done = convention
            else:
                done = services.convention_amend(
                    actor=request.user, convention=convention, shares=shares, **amend.cleaned_data
                )
        except ValidationError as exc:
            error = error_dict(exc, non_field="")
        else:
            messages.success(
                request,
                _("Clés de répartition enregistrées.")
                if amend is None
                else _("Avenant enregistré : version %(v)s en vigueur à partir du %(day)s.")
                % {"v": done.version, "day": done.effective_from.strftime("%d/%m/%Y")},
            )
            return redirect(done.get_absolute_url())
    names = {mem.pk: mem.name for mem in members}
    rows = [(names.get(int(f["member"].value() or 0), "?"), f) for f in formset]
    totals = [
        (dim, _share_total(formset, field))
        for dim, field in (
            ("time", "time_share"),
            ("revenue", "revenue_share"),
            ("cost", "cost_share"),
        )
    ]
    return render(
        request,
        "registry/keys.html",
        {
            "convention": convention,
            "formset": formset,
            "rows": rows,
            "totals": totals,
            "error": error,
            "amend": amend,
        },
    )


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Cheap checks of the upload (size, format), then a queued job and its page."""
    if not access.can_create(request.user, m.Site):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_start(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            name=upload.name,
            content=upload.read(),
        )
        return redirect(job.get_absolute_url())
    jobs = access.visible(request.user, m.ImportJob).filter(created_by=request.user)
    kinds = [(k, columns_help(k.key, request.user)) for k in KINDS.values()]
    return render(
        request,
        "registry/import.html",
        {"form": form, "kinds": kinds, "jobs": jobs.defer("content")[:10]},
    )


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A file to fill in: the kind's columns and, as examples, a few of the user's records."""
    if not access.can_create(request.user, m.Site):
        raise PermissionDenied
    if kind not in KINDS:
        raise Http404
    header, rows = template_table(kind, request.user)
    return download(fmt, f"modele-import-{kind}", header, rows, sheet=str(KINDS[kind].label))


@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the rows of a checked import (POST only), then show its job page."""
    job = access.access_import_job_for_user(request.user, pk)
    if request.method != "POST":
        return redirect(job.get_absolute_url())
    try:
        import_job_confirm(actor=request.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(job.get_absolute_url())


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = access.access_import_job_for_user(request.user, pk)
    return render(request, "registry/import_job.html", {"job": job})


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress, polled by its page every second while it runs."""
    job = access.access_import_job_for_user(request.user, pk)
    return render(request, "registry/_import_progress.html", {"job": job})
