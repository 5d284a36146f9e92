"""The documents sent to the ARS: annual progress report, final report (years 1–7 with trends)
and the application dossier, built once as `Content` (parts of text, tables and charts), then
written as a PDF (WeasyPrint) and as an editable ODT (odfpy). Each figure names its indicator and
its period; a period not yet closed makes the whole document provisional."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.evaluation import charts, selectors
from pimm.evaluation import models as ev
from pimm.evaluation.indicators import REGISTRY, Missing
from pimm.oncall import selectors as oncall
from pimm.registry import selectors as registry

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    caption: str  # names the indicator and the period
    svg: str


@dataclass
class Part:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    level: int = 1


@dataclass
class Content:
    title: str
    platform: str
    period: str
    provisional: bool
    generated: str
    parts: list[Part]


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{int(value):,}".replace(",", "\u202f")


def _free_text(draft, keys=None) -> dict[str, Part]:
    out = {}
    for s in draft.sections.order_by("position"):
        if keys is None or s.key in keys:
            paragraphs = [p.strip() for p in s.text.split("\n\n") if p.strip()] or [
                _("(Section non rédigée.)")
            ]
            out[s.key] = Part(s.title, paragraphs)
    return out


def _commitments_part(p, today: dt.date) -> Part:
    rows = []
    for st in selectors.statuses(ev.Commitment.objects.filter(platform_id=p.pk), today):
        c = st.commitment
        rows.append(
            [
                c.title,
                c.get_kind_display(),
                c.target,
                fmt(st.value),
                st.source,
                st.label + (f" ({st.reason})" if st.reason else ""),
            ]
        )
    part = Part(_("État des engagements"))
    if rows:
        part.tables.append(
            Table(
                _("Engagements socles et optionnels"),
                [_("Engagement"), _("Nature"), _("Cible"), _("Valeur"), _("Mesure"), _("État")],
                rows,
            )
        )
    else:
        part.paragraphs.append(_("Aucun engagement n'est enregistré."))
    return part


def _indicator_parts(ctx, period_label: str, numbering: list[int]) -> list[Part]:
    parts = []
    for done in selectors.compute_all(ctx):
        ind = done.indicator
        part = Part(f"{ind.name}", level=2)
        part.paragraphs.append(
            f"{_('Définition')} : {ind.formula}. {_('Source')} : {ind.source}. "
            f"{_('Unité')} : {ind.unit}. {_('Limites')} : {ind.limits}"
        )
        if isinstance(done.result, Missing):
            part.paragraphs.append(f"{_('Donnée manquante')} : {done.result.reason}")
        else:
            totals = [
                (r.period or period_label, r.value) for r in done.result if r.dimension == "total"
            ]
            numbering[0] += 1
            caption = _("Figure %(n)s — %(name)s [%(code)s], %(period)s") % {
                "n": numbering[0],
                "name": ind.name,
                "code": ind.code,
                "period": period_label,
            }
            svg = (
                charts.line_chart({str(ind.name): totals}, unit=str(ind.unit), title=str(ind.name))
                if len(totals) > 1
                else charts.bar_chart(totals, unit=str(ind.unit), title=str(ind.name))
            )
            part.figures.append(Figure(caption, svg))
            detail = [r for r in done.result if r.dimension != "total"]
            rows = [
                [r.period or "—", _("ensemble"), fmt(r.value)]
                for r in done.result
                if r.dimension == "total"
            ]
            rows += [[r.period or "—", r.label, fmt(r.value)] for r in detail[:60]]
            part.tables.append(
                Table(
                    _("%(name)s [%(code)s], %(period)s — valeur de la période : %(value)s %(unit)s")
                    % {
                        "name": ind.name,
                        "code": ind.code,
                        "period": period_label,
                        "value": fmt(done.headline),
                        "unit": ind.unit,
                    },
                    [_("Période"), _("Détail"), f"{_('Valeur')} ({ind.unit})"],
                    rows,
                )
            )
        parts.append(part)
    return parts


def _scorecard_part(ctx, p, today) -> Part:
    part = Part(_("Critères de sélection de l'ARS"))
    rows = []
    for line in selectors.scorecard(ctx, p, today):
        shown = [
            f"{d.indicator.name} : {fmt(d.headline)} {d.indicator.unit}"
            if not d.missing
            else f"{d.indicator.name} : {_('manquant')}"
            for d in line.indicators
        ]
        shown += [f"{c.commitment.title} : {c.label}" for c in line.commitments]
        shown += [f"{k} : {v}" for k, v in line.facts]
        rows.append([line.title, " ; ".join(shown) or "—"])
    part.tables.append(
        Table(
            _("Les six critères et les éléments qui les étayent"),
            [_("Critère"), _("Éléments")],
            rows,
        )
    )
    return part


def _annual(report, draft, p, today, progress) -> list[Part]:
    period = selectors.Period(draft.year or 0, report.period_start, report.period_end)
    ctx = selectors.context(p, report.period_start, report.period_end, today=today)
    texts = _free_text(draft)
    parts = [texts.pop(k) for k in ("summary", "highlights") if k in texts]
    progress(20, _("Engagements"))
    parts.append(_commitments_part(p, today))
    progress(30, _("Critères de l'ARS"))
    parts.append(_scorecard_part(ctx, p, today))
    progress(45, _("Indicateurs"))
    ind = Part(_("Indicateurs de la période"))
    parts.append(ind)
    parts += _indicator_parts(ctx, period.label, [0])
    parts += list(texts.values())
    return parts


def _final(report, draft, p, today, progress) -> list[Part]:
    texts = _free_text(draft)
    parts = [texts.pop("summary")] if "summary" in texts else []
    parts.append(_commitments_part(p, today))
    years = [y for y in selectors.authorisation_years(p) if y.start <= today]
    trend = Part(_("Tendances des années 1 à 7"))
    per_year = []
    for i, y in enumerate(years):
        progress(
            20 + 40 * i // max(len(years), 1), _("Indicateurs de l'année %(n)s") % {"n": y.year}
        )
        per_year.append(
            {
                d.indicator.code: d
                for d in selectors.compute_all(
                    selectors.context(
                        p, y.start, min(y.end, today + dt.timedelta(days=1)), today=today
                    )
                )
            }
        )
    rows = []
    for n, (code, ind) in enumerate(REGISTRY.items(), start=1):
        values = [
            (f"{_('année')} {y.year}", per_year[i][code].headline) for i, y in enumerate(years)
        ]
        reasons = {
            per_year[i][code].result.reason for i in range(len(years)) if per_year[i][code].missing
        }
        rows.append([f"{ind.name} [{code}]", str(ind.unit)] + [fmt(v) for _l, v in values])
        if all(v is None for _l, v in values):
            trend.paragraphs.append(
                f"{ind.name} [{code}] — {_('Donnée manquante')} : {' ; '.join(sorted(reasons))}"
            )
        else:
            trend.figures.append(
                Figure(
                    _("Figure %(n)s — %(name)s [%(code)s], années 1 à %(last)s")
                    % {"n": n, "name": ind.name, "code": code, "last": len(years)},
                    charts.line_chart(
                        {str(ind.name): values}, unit=str(ind.unit), title=str(ind.name)
                    ),
                )
            )
    headers = [_("Indicateur"), _("Unité")] + [f"{_('année')} {y.year}" for y in years]
    trend.tables.insert(
        0, Table(_("Valeur de chaque indicateur par année d'autorisation"), headers, rows)
    )
    parts.append(trend)
    parts += list(texts.values())
    return parts


def _dossier(report, draft, p, today, progress) -> list[Part]:
    texts = _free_text(draft)
    convention = registry.convention_in_force(platform_id=p.pk, day=today)
    members = list(registry.members().filter(platform_id=p.pk))
    filled: dict[str, Part] = {}
    filled["structure"] = Part(
        "",
        tables=[
            Table(
                _("Structure porteuse"),
                [_("Rubrique"), _("Valeur")],
                [
                    [_("Plateforme"), p.name],
                    [_("Forme juridique"), p.get_legal_form_display()],
                    [_("Structure porteuse"), p.carrier_name or "—"],
                    [_("SIREN"), p.siren or "—"],
                    [_("Décision ARS"), p.ars_decision or "—"],
                    [_("Date d'autorisation"), f"{p.authorized_on:%d/%m/%Y}"],
                    [
                        _("Convention en vigueur"),
                        f"{convention.title} v{convention.version}" if convention else _("aucune"),
                    ],
                ],
            )
        ],
    )
    filled["members"] = Part(
        "",
        tables=[
            Table(
                _("Membres"),
                [_("Code"), _("Membre"), _("Type"), _("FINESS"), _("SIREN")],
                [[m.code, m.name, m.get_kind_display(), m.finess or "—", m.siren] for m in members],
            )
        ],
    )
    people = list(registry.active_practitioners(platform_id=p.pk))
    by_member: dict[str, list] = {}
    for x in people:
        by_member.setdefault(x.member.name, []).append(x)
    filled["teams"] = Part(
        "",
        tables=[
            Table(
                _("Équipes médicales d'imagerie"),
                [_("Membre"), _("Radiologues"), _("ETP")],
                [
                    [name, str(len(xs)), fmt(sum(float(x.working_time) for x in xs))]
                    for name, xs in sorted(by_member.items())
                ],
            )
        ],
    )
    lines = oncall.lines_of(platform_id=p.pk, start=selectors.add_years(today, -1), end=today)
    filled["pdses"] = Part(
        "",
        tables=[
            Table(
                _("Lignes de garde et d'astreinte"),
                [_("Code"), _("Intitulé"), _("Type"), _("Mutualisée")],
                [
                    [ln.code, ln.name, ln.kind, _("oui") if ln.pooled else _("non")]
                    for ln in lines
                    if ln.active
                ],
            )
        ],
    )
    filled["commitments"] = _commitments_part(p, today)
    devices = list(registry.active_equipment(platform_id=p.pk))
    filled["means"] = Part(
        "",
        tables=[
            Table(
                _("Équipements lourds"),
                [_("Code"), _("Équipement"), _("Modalité"), _("Site"), _("Détenteur")],
                [
                    [e.code, e.name, e.get_modality_display(), e.site.name, e.holder.name]
                    for e in devices
                ],
            )
        ],
    )
    keys = registry.sharing_keys_on(platform_id=p.pk, day=today)
    filled["financing"] = Part(
        "",
        tables=[
            Table(
                _("Clés de répartition de la convention"),
                [_("Membre"), _("Temps"), _("Recettes"), _("Charges")],
                [
                    [
                        k.member.name,
                        f"{k.time_share} %",
                        f"{k.revenue_share} %",
                        f"{k.cost_share} %",
                    ]
                    for k in keys
                ],
            )
        ],
    )
    filled["evaluation"] = Part(
        "",
        tables=[
            Table(
                _("Indicateurs suivis par pimm"),
                [_("Code"), _("Indicateur"), _("Définition"), _("Unité")],
                [[i.code, str(i.name), str(i.formula), str(i.unit)] for i in REGISTRY.values()],
            )
        ],
    )
    progress(40, _("Sections du dossier"))
    parts = []
    for key, heading in ((s.key, s.title) for s in draft.sections.order_by("position")):
        part = texts.get(key, Part(heading))
        extra = filled.get(key)
        if extra is not None:
            part.tables += extra.tables
            part.paragraphs = part.paragraphs + extra.paragraphs
        parts.append(part)
    checklist = selectors.annex_checklist(p)
    missing = [a for a in checklist if not a.present]
    annex = Part(_("Pièces annexes"))
    annex.paragraphs.append(
        _("%(n)s pièce(s) manquante(s) sur %(total)s.")
        % {"n": len(missing), "total": len(checklist)}
    )
    annex.tables.append(
        Table(
            _("Liste de contrôle des pièces annexes"),
            [_("Pièce"), _("Membre"), _("État")],
            [
                [a.label, a.member or "—", _("fournie") if a.present else _("manquante")]
                for a in checklist
            ],
        )
    )
    parts.append(annex)
    return parts


BUILDERS = {
    ev.ReportKind.ANNUAL: _annual,
    ev.ReportKind.FINAL: _final,
    ev.ReportKind.DOSSIER: _dossier,
}


def build(report: ev.Report, *, on_progress: Callable[[int, str], None] | None = None) -> Content:
    progress = on_progress or (lambda pc, step: None)
    draft = report.draft
    p = draft.platform
    today = timezone.localdate()
    progress(10, _("Lecture des données"))
    parts = BUILDERS[draft.kind](report, draft, p, today, progress)
    last = report.period_end - dt.timedelta(days=1)
    return Content(
        title=draft.title,
        platform=f"{p.name} — {p.carrier_name}" if p.carrier_name else p.name,
        period=_("Période du %(start)s au %(end)s")
        % {"start": f"{report.period_start:%d/%m/%Y}", "end": f"{last:%d/%m/%Y}"},
        provisional=report.provisional,
        generated=f"{timezone.localtime():%d/%m/%Y %H:%M}",
        parts=parts,
    )


def to_pdf(content: Content) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 — weasyprint is slow to import; only for a PDF

    html = render_to_string("evaluation/document_pdf.html", {"doc": content})
    return HTML(string=html).write_pdf()


def to_odt(content: Content) -> bytes:
    """The editable copy: headings, paragraphs, tables, and each chart as an SVG picture."""
    from odf import draw, style, table, text  # noqa: PLC0415 — odfpy only for an ODT
    from odf.opendocument import OpenDocumentText  # noqa: PLC0415 — same

    doc = OpenDocumentText()
    bold = style.Style(name="Gras", family="text")
    bold.addElement(style.TextProperties(fontweight="bold"))
    cell_style = style.Style(name="Cellule", family="table-cell")
    cell_style.addElement(style.TableCellProperties(border="0.5pt solid #000000", padding="0.05cm"))
    doc.automaticstyles.addElement(bold)
    doc.automaticstyles.addElement(cell_style)
    h1 = style.Style(name="Heading 1", family="paragraph")
    h1.addElement(style.TextProperties(fontsize="16pt", fontweight="bold"))
    h2 = style.Style(name="Heading 2", family="paragraph")
    h2.addElement(style.TextProperties(fontsize="13pt", fontweight="bold"))
    doc.styles.addElement(h1)
    doc.styles.addElement(h2)
    body = doc.text
    body.addElement(text.H(outlinelevel=1, stylename=h1, text=content.title))
    body.addElement(text.P(text=content.platform))
    body.addElement(text.P(text=content.period))
    if content.provisional:
        p = text.P()
        p.addElement(
            text.Span(
                stylename=bold,
                text=_(
                    "PROVISOIRE — la période n'est pas close : les chiffres peuvent encore changer."
                ),
            )
        )
        body.addElement(p)
    body.addElement(text.P(text=_("Généré par pimm le %(at)s") % {"at": content.generated}))
    pictures = 0
    for part in content.parts:
        if part.title:
            level = 1 if part.level == 1 else 2
            body.addElement(
                text.H(outlinelevel=level, stylename=h1 if level == 1 else h2, text=part.title)
            )
        for para in part.paragraphs:
            body.addElement(text.P(text=para))
        for fig in part.figures:
            pictures += 1
            href = doc.addPicture(
                f"Pictures/figure{pictures}.svg", "image/svg+xml", fig.svg.encode("utf-8")
            )
            frame = draw.Frame(
                width="16cm", height="6cm", anchortype="as-char", name=f"figure{pictures}"
            )
            frame.addElement(draw.Image(href=href))
            holder = text.P()
            holder.addElement(frame)
            body.addElement(holder)
            body.addElement(text.P(text=fig.caption))
        for tab in part.tables:
            body.addElement(text.P(text=tab.caption))
            t = table.Table(name=f"T{id(tab) % 100000}")
            t.addElement(table.TableColumn(numbercolumnsrepeated=len(tab.headers)))
            row = table.TableRow()
            for h in tab.headers:
                cell = table.TableCell(stylename=cell_style)
                cp = text.P()
                cp.addElement(text.Span(stylename=bold, text=str(h)))
                cell.addElement(cp)
                row.addElement(cell)
            t.addElement(row)
            for values in tab.rows:
                row = table.TableRow()
                for v in values:
                    cell = table.TableCell(stylename=cell_style)
                    cell.addElement(text.P(text=str(v)))
                    row.addElement(cell)
                t.addElement(row)
            body.addElement(t)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
