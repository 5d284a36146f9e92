"""The JSON API (django-ninja): token or session auth, same permissions and forms as the web.

Writes go through each registry screen's form (field checks, member scoping) and then the registry
services, so the API can never accept what the web refuses. Validation errors answer 422 with
`detail: [{loc: ["body", field], msg}]`, like ninja's own schema errors.
"""

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import Http404
from ninja import NinjaAPI, Router, Schema, Status
from ninja.orm import create_schema
from ninja.security import django_auth

from pimm.accounts.api_auth import TokenAuth
from pimm.api_errors import error_detail, error_dict, error_message
from pimm.api_types import Id, Limit, Offset, SearchText
from pimm.oncall.api import router as oncall_router
from pimm.planning.api import router as planning_router
from pimm.registry import access, services
from pimm.registry import models as m
from pimm.registry.screens import SCREENS, Screen
from pimm.worklist.api import router as worklist_router

api = NinjaAPI(
    title="pimm API",
    version="1",
    description="Registre du plateau mutualisé d'imagerie médicale (PIMM).",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_decorator=login_required,  # /api/docs and /api/openapi.json: signed-in users only
)


class FieldError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


@api.exception_handler(FieldError)
def _field_error(request, exc: FieldError):
    return api.create_response(request, {"detail": error_detail(exc.errors)}, status=422)


@api.exception_handler(Exception)
def _internal_error(request, exc):
    """Whatever went wrong, the API answers JSON (the error is logged with its traceback)."""
    logging.getLogger("pimm.api").exception("Unhandled API error on %s", request.path)
    return api.create_response(request, {"detail": error_message(500)}, status=500)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


class MeOut(Schema):
    id: int
    username: str
    role: str
    member_id: int | None


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request):
    return request.user


def _form_data(screen: Screen, instance, payload: dict) -> dict:
    data = model_to_dict(instance, fields=list(screen.form.base_fields)) if instance else {}
    for name, value in list(data.items()):
        if isinstance(value, list) and value and hasattr(value[0], "pk"):
            data[name] = [v.pk for v in value]
    # the form parses what the web's would: values as text, so a time with a UTC offset, a NaN or
    # an out-of-range date is refused by the same field check with the same French message
    data.update({k: _as_form_value(v) for k, v in payload.items()})
    return {k: v for k, v in data.items() if v is not None or k in payload}


def _as_form_value(value):
    if isinstance(value, dt.date | dt.time | Decimal | float) and not isinstance(value, bool):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return value


def _save_through_form(request, screen: Screen, instance, payload: dict):
    form = screen.form(
        data=_form_data(screen, instance, payload), instance=instance, user=request.user
    )
    if not form.is_valid():
        raise FieldError({k: list(v) for k, v in form.errors.items()})
    obj = form.save(commit=False)
    m2m = {name: form.cleaned_data[name] for name in screen.m2m if name in form.cleaned_data}
    try:
        return services.registry_object_save(actor=request.user, obj=obj, m2m=m2m)
    except ValidationError as exc:
        raise FieldError(error_dict(exc)) from exc


def _register(router: Router, screen: Screen) -> None:
    model = screen.model
    fields = ["id", *screen.form.base_fields]
    out_schema = create_schema(model, name=f"{model.__name__}Out", fields=fields)
    # foreign keys are written by id under their own name, as they are read (`member`, not
    # ninja's default `member_id`)
    fks = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.name in screen.form.base_fields
    ]
    write_fields = [
        f
        for f in screen.form.base_fields
        if f not in ("competences", "modalities", *fks, *screen.m2m)
    ]
    in_schema = create_schema(
        model,
        name=f"{model.__name__}In",
        fields=write_fields,
        optional_fields="__all__",
        custom_fields=[(fk, Id | None, None) for fk in fks]
        + [(name, list[Id] | None, None) for name in screen.m2m],
    )
    lists = {
        f: list[str] | None for f in ("competences", "modalities") if f in screen.form.base_fields
    }
    if lists:  # JSON list fields are typed explicitly so the OpenAPI schema says what they hold
        namespace: dict[str, Any] = {"__annotations__": lists, **dict.fromkeys(lists)}
        in_schema = type(f"{model.__name__}Write", (in_schema,), namespace)
    path = f"/{screen.key}"

    @router.get(path, response=list[out_schema], operation_id=f"list_{screen.key}")
    def list_objects(request, q: SearchText = "", limit: Limit = 50, offset: Offset = 0):
        if not access.can_read_any(request.user, model):
            raise PermissionDenied
        qs = access.visible(request.user, model)
        if q:
            cond = Q()
            for name in screen.search:
                cond |= Q(**{f"{name}__icontains": q})
            qs = qs.filter(cond)
        return list(qs.order_by("pk")[offset : offset + limit])

    @router.get(f"{path}/{{int:pk}}", response=out_schema, operation_id=f"get_{screen.key}")
    def get_object(request, pk: Id):
        return access.get_for_user(request.user, model, pk)

    @router.post(path, response={201: out_schema}, operation_id=f"create_{screen.key}")
    def create_object(request, payload: in_schema):  # type: ignore[valid-type]
        if not access.can_create(request.user, model):
            raise PermissionDenied
        return Status(
            201, _save_through_form(request, screen, None, payload.dict(exclude_unset=True))
        )

    @router.patch(f"{path}/{{int:pk}}", response=out_schema, operation_id=f"update_{screen.key}")
    def update_object(request, pk: Id, payload: in_schema):  # type: ignore[valid-type]
        obj = access.get_for_user(request.user, model, pk, write=True)
        return _save_through_form(request, screen, obj, payload.dict(exclude_unset=True))


registry_router = Router(tags=["registry"])
for _screen in SCREENS.values():
    _register(registry_router, _screen)


class ShareIn(Schema):
    member_id: Id
    time_share: Decimal
    revenue_share: Decimal
    cost_share: Decimal


class ShareOut(ShareIn):
    id: int


@registry_router.put(
    "/convention/{int:pk}/keys", response=list[ShareOut], operation_id="set_convention_keys"
)
def set_keys(request, pk: Id, payload: list[ShareIn]):
    convention = access.get_for_user(request.user, m.Convention, pk, write=True)
    shares = [services.Share(**s.dict()) for s in payload]
    try:
        return services.sharing_keys_set(actor=request.user, convention=convention, shares=shares)
    except ValidationError as exc:
        raise FieldError(error_dict(exc)) from exc


@registry_router.get(
    "/convention/{int:pk}/keys", response=list[ShareOut], operation_id="get_convention_keys"
)
def get_keys(request, pk: Id):
    convention = access.get_for_user(request.user, m.Convention, pk)
    return access.visible(request.user, m.SharingKey, convention.sharing_keys.all())


api.add_router("/registry", registry_router)
api.add_router("/planning", planning_router)
api.add_router("/worklist", worklist_router)
api.add_router("/oncall", oncall_router)
