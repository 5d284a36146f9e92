"""The DICOM listener (pynetdicom): Verification (C-ECHO), Modality Worklist (C-FIND) and
Modality Performed Procedure Step (N-CREATE, N-SET) SCPs.

Associations: the calling AE title must be an active DICOM channel's, else the association is
rejected (permanent, "calling AE title not recognised"); beyond ``max_associations`` it is
rejected as transient ("local limit exceeded"). Every request is answered from the calling
channel only; a malformed request gets a failure status and a reason, and the server goes on
serving. Each association runs in its own thread with its own database connection, closed when
the association ends."""

from __future__ import annotations

import ipaddress
import logging

from django.db import close_old_connections, connections
from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    ModalityPerformedProcedureStep,
    ModalityWorklistInformationFind,
    Verification,
)

from pimm.interop.dicom import mpps, selectors
from pimm.interop.dicom import worklist as mwl

log = logging.getLogger("pimm.interop.dicom")

UNABLE_TO_PROCESS = 0xC000  # C-FIND: failed, unable to process
IDENTIFIER_DOES_NOT_MATCH = 0xA900  # C-FIND: identifier does not match SOP class
REFUSED_NOT_AUTHORISED = 0x0124  # not authorised (the channel is unknown or inactive)
TRANSFER_SYNTAXES = [
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
]


class _PimmAE(AE):
    """An AE whose accepted calling AE titles are the active DICOM channels', read from the
    database at each association request (a channel switched off is refused at once)."""

    server: DicomServer

    @property
    def require_calling_aet(self) -> list[str]:
        self.server.thread_setup()
        try:
            return selectors.active_ae_titles() or ["\x00"]  # none configured: refuse all
        except Exception:  # the database is unreachable: refuse rather than answer blindly
            log.exception("dicom: AE titles unreadable")
            return ["\x00"]

    @require_calling_aet.setter
    def require_calling_aet(self, ae_titles) -> None:
        self._require_calling_aet = list(ae_titles)


def _status(code: int, comment: str = "") -> Dataset:
    ds = Dataset()
    ds.Status = code
    if comment:
        ds.ErrorComment = comment[:64]
    return ds


class DicomServer:
    """One listening AE. ``start()`` returns at once (a background thread per association);
    ``stop()`` closes the port and ends the associations. ``connection_override`` lets the
    tests share their transaction's connection with the association threads."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 11112,
        ae_title: str = "PIMM",
        max_associations: int = 10,
        timeout: float = 10,
        connection_override=None,
    ) -> None:
        self.host, self.port, self.ae_title = host, port, ae_title
        self.max_associations = max_associations
        # seconds a peer may stay silent (and a broken association hold its slot: ARTIM)
        self.timeout = timeout
        self.connection_override = connection_override
        self._server = None
        self.ae = self._make_ae()

    def _make_ae(self) -> AE:
        ae = _PimmAE(ae_title=self.ae_title)
        ae.server = self
        ae.maximum_associations = self.max_associations
        ae.network_timeout = ae.acse_timeout = ae.dimse_timeout = self.timeout
        for sop in (Verification, ModalityWorklistInformationFind, ModalityPerformedProcedureStep):
            ae.add_supported_context(sop, TRANSFER_SYNTAXES)
        return ae

    # -- threads and the database ----------------------------------------------------------
    def thread_setup(self) -> None:
        if self.connection_override is not None:
            for alias, conn in self.connection_override.items():
                connections[alias] = conn

    def _thread_end(self, event) -> None:
        if self.connection_override is None:
            close_old_connections()
            connections.close_all()

    # -- the channel of an association -----------------------------------------------------
    def _channel(self, event):
        self.thread_setup()
        requestor = event.assoc.requestor
        channel = selectors.channel_for_ae(requestor.ae_title)
        if channel is None:
            return None
        if not _address_allowed(channel.allowed_addresses, requestor.address):
            log.warning("dicom: %s from %s refused", requestor.ae_title, requestor.address)
            return None
        return channel

    # -- handlers ---------------------------------------------------------------------------
    def on_echo(self, event) -> int:
        return 0x0000

    def on_find(self, event):
        try:
            channel = self._channel(event)
            if channel is None:
                yield REFUSED_NOT_AUTHORISED, None
                return
            try:
                identifier = event.identifier
                answers = mwl.find(channel, identifier)
            except mwl.QueryError as exc:
                yield _status(UNABLE_TO_PROCESS, str(exc)), None
                return
            except Exception as exc:  # a dataset pydicom cannot decode
                log.warning("dicom: C-FIND identifier unreadable: %s", exc)
                yield _status(IDENTIFIER_DOES_NOT_MATCH, "Requête illisible"), None
                return
            for ds in answers:
                if event.is_cancelled:
                    yield 0xFE00, None
                    return
                yield 0xFF00, ds
        except Exception:
            log.exception("dicom: C-FIND failed")
            yield _status(UNABLE_TO_PROCESS, "Erreur interne"), None

    def on_n_create(self, event):
        try:
            channel = self._channel(event)
            if channel is None:
                return _status(REFUSED_NOT_AUTHORISED, "Canal inconnu ou inactif"), None
            req = event.request
            if req.AffectedSOPClassUID != ModalityPerformedProcedureStep:
                return _status(0x0122, "Classe SOP non prise en charge"), None
            ds = event.attribute_list
            mpps.create(channel=channel, sop_instance_uid=req.AffectedSOPInstanceUID, ds=ds)
            return 0x0000, ds
        except mpps.MppsError as exc:
            return _status(exc.status, exc.reason), None
        except Exception as exc:
            log.warning("dicom: N-CREATE refused: %s", exc)
            return _status(mpps.PROCESSING_FAILURE, "Jeu de données illisible"), None

    def on_n_set(self, event):
        try:
            channel = self._channel(event)
            if channel is None:
                return _status(REFUSED_NOT_AUTHORISED, "Canal inconnu ou inactif"), None
            req = event.request
            ds = event.modification_list
            mpps.update(channel=channel, sop_instance_uid=req.RequestedSOPInstanceUID, ds=ds)
            return 0x0000, ds
        except mpps.MppsError as exc:
            return _status(exc.status, exc.reason), None
        except Exception as exc:
            log.warning("dicom: N-SET refused: %s", exc)
            return _status(mpps.PROCESSING_FAILURE, "Jeu de données illisible"), None

    # -- life -------------------------------------------------------------------------------
    def handlers(self) -> list:
        return [
            (evt.EVT_C_ECHO, self.on_echo),
            (evt.EVT_C_FIND, self.on_find),
            (evt.EVT_N_CREATE, self.on_n_create),
            (evt.EVT_N_SET, self.on_n_set),
            (evt.EVT_RELEASED, self._thread_end),
            (evt.EVT_ABORTED, self._thread_end),
        ]

    def start(self) -> DicomServer:
        self._server = self.ae.start_server(
            (self.host, self.port), block=False, evt_handlers=self.handlers()
        )
        self.port = self._server.server_address[1]
        return self

    def serve_forever(self) -> None:
        self.ae.start_server((self.host, self.port), block=True, evt_handlers=self.handlers())

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        self.ae.shutdown()

    def __enter__(self) -> DicomServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _address_allowed(allowed: str, address: str) -> bool:
    """The channel's allow-list (one IP or CIDR network per line; empty: any address)."""
    lines = [line.strip() for line in (allowed or "").splitlines() if line.strip()]
    if not lines:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for line in lines:
        try:
            if ip in ipaddress.ip_network(line, strict=False):
                return True
        except ValueError:
            continue
    return False
