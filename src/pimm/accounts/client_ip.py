"""The real client address behind the documented reverse proxy (login lockout, audit).

`REMOTE_ADDR` is the proxy's address for every client when pimm runs behind one, so a lockout keyed
on it locks everyone. When the request comes from a trusted proxy (`PIMM_TRUSTED_PROXIES`), the
client is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy: the
left-most entries are whatever the client sent, and cannot be trusted. From any other peer the
header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address) -> bool:
    for entry in settings.PIMM_TRUSTED_PROXIES:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    if not _trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _parse(hop)
        if address is None:
            break  # a malformed entry: stop at the last address we can vouch for
        if not _trusted(address):
            return str(address)
        remote = address
    return str(remote)
