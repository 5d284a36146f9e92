"""Pages of the HL7 interface: channels (both kinds), traffic per channel, one message (read,
correct, replay), dead letters sent again. Coordinator writes; the ARS reviewer reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pimm.interop import access
from pimm.interop.hl7 import ingest, outbox
from pimm.interop.hl7.channels import ChannelForm, channel_save
from pimm.interop.hl7.models import InboundMessage, OutboundMessage
from pimm.interop.models import Channel

PAGE = 200


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = access.visible_channels(request.user).select_related("member")
    if not access.RULES.can_read_any(request.user, Channel):
        raise PermissionDenied
    return render(
        request,
        "interop/hl7/channels.html",
        {
            "channels": channels,
            "can_create": access.RULES.can_create(request.user, Channel),
            "can_traffic": access.can(request.user, "traffic"),
        },
    )


@login_required
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    channel = access.access_channel_for_user(request.user, pk) if pk else None
    allowed = (
        access.RULES.can_write(request.user, channel)
        if channel
        else access.RULES.can_create(request.user, Channel)
    )
    if not allowed:
        raise PermissionDenied
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        channel_save(form=form, actor=request.user)
        messages.success(request, _("Canal enregistré."))
        return redirect("interop_hl7:channels")
    title = _("Modifier le canal « %s »") % channel.name if channel else _("Nouveau canal")
    return render(request, "interop/hl7/channel_form.html", {"form": form, "title": title})


def _traffic_channel(request: HttpRequest, pk: int) -> Channel:
    channel = access.access_channel_for_user(request.user, pk)
    if not access.can(request.user, "traffic"):
        raise Http404
    return channel


@login_required
def traffic(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _traffic_channel(request, pk)
    inbound = InboundMessage.objects.filter(channel=channel)
    outbound = OutboundMessage.objects.filter(channel=channel)
    counts = {row["state"]: row["n"] for row in inbound.values("state").annotate(n=Count("pk"))}
    out_counts = {
        row["state"]: row["n"] for row in outbound.values("state").annotate(n=Count("pk"))
    }
    q = request.GET.get("q", "").strip()[:64]
    state = request.GET.get("etat", "")
    if q:
        inbound = inbound.filter(Q(placer_number=q) | Q(control_id=q))
        outbound = outbound.filter(Q(placer_number=q) | Q(control_id=q))
    if state in InboundMessage.State.values:
        inbound = inbound.filter(state=state)
    if state in OutboundMessage.State.values:
        outbound = outbound.filter(state=state)
    return render(
        request,
        "interop/hl7/traffic.html",
        {
            "channel": channel,
            "q": q,
            "state": state,
            "counts": [
                (value, label, counts.get(value, 0))
                for value, label in InboundMessage.State.choices
            ],
            "out_counts": [
                (value, label, out_counts.get(value, 0))
                for value, label in OutboundMessage.State.choices
            ],
            "inbound": inbound.defer("raw", "corrected", "ack")[:PAGE],
            "outbound": outbound.defer("payload")[:PAGE],
            "can_replay": access.can(request.user, "replay"),
        },
    )


def _message_for(request: HttpRequest, pk: int) -> InboundMessage:
    message = InboundMessage.objects.select_related("channel").filter(pk=pk).first()
    if message is None or not access.can(request.user, "traffic"):
        raise Http404
    if message.channel_id:
        access.access_channel_for_user(request.user, message.channel_id)  # 404 if not visible
    return message


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_for(request, pk)
    can_replay = access.can(request.user, "replay") and message.state in (
        InboundMessage.State.REJECTED,
        InboundMessage.State.FAILED,
    )
    if request.method == "POST":
        if not can_replay:
            raise PermissionDenied
        text = request.POST.get("text", "")
        if not text.strip().startswith("MSH"):
            messages.error(request, _("Le message corrigé doit commencer par MSH."))
        else:
            message = ingest.replay(message=message, text=text, actor=request.user)
            if message.state == InboundMessage.State.APPLIED:
                messages.success(request, _("Message rejoué et appliqué."))
            else:
                messages.error(request, _("Message rejoué, toujours refusé : %s") % message.reason)
            return redirect("interop_hl7:message", pk=message.pk)
    return render(
        request,
        "interop/hl7/message.html",
        {
            "message": message,
            "text": message.text.replace("\r", "\n"),
            "ack": message.ack.replace("\r", "\n"),
            "can_replay": can_replay,
        },
    )


@login_required
@require_POST
def outbound_requeue(request: HttpRequest, pk: int) -> HttpResponse:
    message = OutboundMessage.objects.filter(pk=pk).first()
    if message is None:
        raise Http404
    channel = access.access_channel_for_user(request.user, message.channel_id)
    if not access.can(request.user, "replay"):
        raise PermissionDenied
    if message.state == OutboundMessage.State.DEAD:
        outbox.requeue(message=message)
        messages.success(request, _("Compte rendu remis en file d'envoi."))
    return redirect("interop_hl7:traffic", pk=channel.pk)
