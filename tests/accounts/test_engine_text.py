"""Engine messages keep their msgid and parameters, so each reader sees them in their language."""

import json
import pickle

from pimm.accounts import engine_text
from pimm.engine.i18n import Message, as_record, from_record, join
from pimm.engine.i18n import message as _

FAKE_EN = {
    "Ligne %(line)s, %(shift)s": "Line %(line)s, %(shift)s",
    "nuit du %(date)s": "night of %(date)s",
    "congés de %(names)s": "leave of %(names)s",
    "%(run)s : aucun praticien compétent disponible (%(reasons)s).": (
        "%(run)s: no competent practitioner available (%(reasons)s)."
    ),
}


def _sentence() -> Message:
    run = _("Ligne %(line)s, %(shift)s", line="Neuro", shift=_("nuit du %(date)s", date="12/01"))
    return _(
        "%(run)s : aucun praticien compétent disponible (%(reasons)s).",
        run=run,
        reasons=join([_("congés de %(names)s", names="Dr A"), _("congés de %(names)s", names="B")]),
    )


def test_a_message_is_its_french_sentence():
    text = _sentence()
    assert isinstance(text, str)
    assert text == (
        "Ligne Neuro, nuit du 12/01 : aucun praticien compétent disponible "
        "(congés de Dr A ; congés de B)."
    )
    assert pickle.loads(pickle.dumps(text)).msgid == text.msgid


def test_a_stored_message_comes_back_whole():
    record = json.loads(json.dumps(as_record(_sentence())))
    assert record["text"] == str(_sentence())
    again = from_record(record)
    assert isinstance(again, Message) and again == _sentence()
    assert isinstance(again.params["run"], Message)


def test_translated_with_its_parameters(monkeypatch):
    monkeypatch.setattr(engine_text, "gettext", lambda msgid: FAKE_EN.get(msgid, msgid))
    english = engine_text.translate(as_record(_sentence()))
    assert english == (
        "Line Neuro, night of 12/01: no competent practitioner available "
        "(leave of Dr A ; leave of B)."
    )
    # French (no catalog entry): the sentence as the engine built it
    monkeypatch.setattr(engine_text, "gettext", lambda msgid: msgid)
    assert engine_text.translate(as_record(_sentence())) == str(_sentence())


def test_data_parameters_are_never_translated(monkeypatch):
    monkeypatch.setattr(engine_text, "gettext", lambda msgid: {"mai": "May"}.get(msgid, msgid))
    assert engine_text.translate(_("congés de %(names)s", names="mai")) == "congés de mai"
    assert engine_text.translate("mai") == "May"  # an older stored text is looked up whole


def test_a_broken_catalog_entry_falls_back_to_french(monkeypatch):
    monkeypatch.setattr(engine_text, "gettext", lambda msgid: "Leave of %(nobody)s")
    assert engine_text.translate(_("congés de %(names)s", names="B")) == "congés de B"


def test_rota_explanations_are_messages(monkeypatch):
    from tests.engine.rota.helpers import GENERAL, NEURO, people, problem, solved

    res = solved(problem(people(5), lines=(GENERAL, NEURO)))
    assert res.status == "INFEASIBLE"
    assert res.explanation and all(isinstance(t, Message) for t in res.explanation)
    monkeypatch.setattr(
        engine_text,
        "gettext",
        lambda m: {"la compétence « %(competence)s »": "skill %(competence)s"}.get(m, m),
    )
    assert any("skill neuro" in engine_text.translate(t) for t in res.explanation)
