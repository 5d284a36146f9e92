"""Login (password, then TOTP when the account has one), profile, API tokens, audit trail."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login

from pimm.accounts import access, audit_display, selectors, services
from pimm.accounts.forms import AuditFilterForm, OTPTokenForm, TokenCreateForm, UserForm

_PENDING = "pimm_pending_user"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user_has_device(user, confirmed=True):
            self.request.session[_PENDING] = {
                "id": user.pk,
                "backend": user.backend,
                "next": self.get_redirect_url(),
            }
            return redirect("accounts:otp")
        return super().form_valid(form)


def otp_view(request: HttpRequest) -> HttpResponse:
    """Second step of login, or enrolment for a signed-in user whose role requires TOTP."""
    pending = request.session.get(_PENDING)
    user = None
    if pending:
        user = get_user_model().objects.filter(pk=pending["id"], is_active=True).first()
    elif request.user.is_authenticated:
        user = request.user
    if user is None:
        return redirect("accounts:login")
    if not user_has_device(user, confirmed=True):
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return redirect("accounts:totp_setup")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_totp(user=user, token=form.cleaned_data["token"])
        if device is not None:
            if pending:
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            request.session.pop(_PENDING, None)
            target = pending.get("next") if pending else ""
            if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = reverse(settings.LOGIN_REDIRECT_URL)
            return redirect(target)
        form.add_error("token", _("Code incorrect ou expiré."))
    return render(request, "accounts/otp.html", {"form": form})


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    device = services.totp_device_pending(user=request.user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("Double authentification activée."))
            return redirect("accounts:profile")
        form.add_error("token", _("Code incorrect : vérifiez l'heure de votre téléphone."))
    qr = segno.make(device.config_url, micro=False)
    svg = base64.b64encode(qr.svg_inline(scale=4).encode()).decode()
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "qr_svg_b64": svg, "secret": base64.b32encode(device.bin_key).decode()},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_token = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        messages.success(request, _("Jeton créé : copiez-le maintenant, il ne sera plus affiché."))
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": request.user.tokens.filter(revoked_at__isnull=True),
            "has_totp": any(d.confirmed for d in devices_for_user(request.user)),
            "practitioner": getattr(request.user, "practitioner", None),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.api_token_revoke(user=request.user, token_id=pk)
    messages.success(request, _("Jeton révoqué."))
    return redirect("accounts:profile")


def _audit_filtered(request: HttpRequest):
    access.require(request.user, "view_audit")
    scope = selectors.audit_events_for(request.user, {})
    form = AuditFilterForm(
        request.GET or None,
        models=audit_display.audited_model_choices(selectors.audited_models(scope)),
        members=selectors.audit_member_choices(request.user),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.audit_events_for(request.user, filters)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _audit_filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "lines": audit_display.lines(page),
            "query": query.urlencode(),
        },
    )


AUDIT_CSV_ROWS = 50_000  # one export stays a download, not a dump of the whole trail


@login_required
def audit_csv(request: HttpRequest) -> HttpResponse:
    _form, events = _audit_filtered(request)
    body = audit_display.to_csv(events[:AUDIT_CSV_ROWS])
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journal-audit.csv"'
    return response


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "manage_users")
    users = get_user_model().objects.select_related("member").order_by("username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {"page": page})


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, "manage_users")
    instance = get_user_model().objects.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404
    form = UserForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        user, link = services.user_save(actor=request.user, user=form.save(commit=False))
        if link:
            messages.success(
                request,
                _(
                    "Compte enregistré. Lien de création du mot de passe (valable 3 jours) : %(link)s"
                )
                % {"link": request.build_absolute_uri(link)},
            )
        else:
            messages.success(request, _("Compte enregistré."))
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "object": instance})
