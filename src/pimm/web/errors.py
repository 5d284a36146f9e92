"""French error pages inside the layout (`handler400`... in `pimm.urls`).

Django's own handlers render bare English pages; these render `web/error.html` with the menus and
a way back. The 500 page must never fail in turn: it is rendered without the database-backed
context (menus, user) and falls back to a plain French text if even that fails. Under `/api/`
`pimm.api_errors.ApiJsonErrorsMiddleware` turns these answers into JSON.
"""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger("pimm.web")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Requête invalide"),
            _(
                "La page demandée n'a pas pu être lue : l'adresse ou le formulaire contient une valeur invalide."
            ),
        ),
        403: (
            _("Accès refusé"),
            _(
                "Votre rôle ne permet pas d'ouvrir cette page. Si vous pensez devoir y accéder, adressez-vous au coordinateur du PIMM."
            ),
        ),
        404: (
            _("Page introuvable"),
            _(
                "Cette page n'existe pas, ou l'objet demandé n'existe plus ou ne vous est pas accessible."
            ),
        ),
        500: (
            _("Erreur du serveur"),
            _(
                "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez dans un instant ou revenez à l'accueil."
            ),
        ),
    }


def _page(request: HttpRequest, status: int) -> HttpResponse:
    title, text = _titles()[status]
    context = {"status": status, "title": title, "text": text}
    return render(request, "web/error.html", context, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: an expired form (session ended, page kept open) said in French."""
    title = _("Formulaire expiré")
    text = _(
        "Ce formulaire a expiré ou a été envoyé depuis une autre page. Rechargez la page, puis recommencez."
    )
    context = {"status": 403, "title": title, "text": text}
    return render(request, "web/error.html", context, status=403)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    title, text = _titles()[500]
    context = {"status": 500, "title": title, "text": text, "bare": True}
    try:
        body = loader.get_template("web/error.html").render(context)  # no request: no DB
    except Exception:  # the last answer must not fail; the first error is already logged
        log.exception("the 500 page could not be rendered")
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"
    return HttpResponseServerError(body)
