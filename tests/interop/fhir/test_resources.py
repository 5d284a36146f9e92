"""One read per resource type, as the platform sees it: every body validated by fhir.resources
(``check_fhir``), the FR Core identifier systems, and the links between resources."""

from pimm.interop.fhir import systems as sid
from pimm.planning import models as pm
from pimm.worklist import services
from tests.interop.fhir.conftest import ids


def _identifier(resource, system):
    return [i["value"] for i in resource.get("identifier", []) if i["system"] == system]


def test_metadata_lists_exactly_what_is_implemented(fhir):
    status, body = fhir(None, "/fhir/metadata")  # public, as FHIR clients expect
    assert status == 200
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert sorted(resources) == sorted(
        [
            "Organization",
            "Location",
            "Device",
            "Practitioner",
            "PractitionerRole",
            "Schedule",
            "Slot",
            "ServiceRequest",
            "ImagingStudy",
            "DiagnosticReport",
            "Patient",
        ]
    )
    for r in resources.values():
        assert [i["code"] for i in r["interaction"]] == ["read", "search-type"]
    params = {p["name"]: p["type"] for p in resources["ServiceRequest"]["searchParam"]}
    assert params == {
        "_id": "token",
        "identifier": "token",
        "authored": "date",
        "date": "date",
        "status": "token",
        "_count": "number",
        "_offset": "number",
    }
    assert "status" not in {p["name"] for p in resources["Organization"]["searchParam"]}
    assert "date" not in {p["name"] for p in resources["Patient"]["searchParam"]}


def test_organization_platform_and_member_with_finess_and_siren(world, fhir):
    status, member = fhir("coordinator", f"/fhir/Organization/member-{world.member_a.pk}")
    assert status == 200
    assert member["name"] == world.member_a.name
    assert _identifier(member, sid.FINESS) == [world.member_a.finess]
    finess = next(i for i in member["identifier"] if i["system"] == sid.FINESS)
    assert finess["type"]["coding"][0]["code"] == "FINEJ"
    assert _identifier(member, sid.SIREN) == [world.member_a.siren]
    assert member["partOf"]["reference"] == f"Organization/platform-{world.platform.pk}"
    status, platform = fhir("coordinator", "/fhir/" + member["partOf"]["reference"])
    assert status == 200
    assert platform["name"] == world.platform.name
    assert _identifier(platform, sid.SIREN) == [world.platform.siren]


def test_location_is_a_site_with_its_geographical_finess(world, fhir):
    status, site = fhir("coordinator", f"/fhir/Location/{world.site_a.pk}")
    assert status == 200
    assert site["name"] == world.site_a.name
    assert site["address"]["city"] == world.site_a.town
    assert site["position"]["latitude"] == world.site_a.latitude
    assert site["managingOrganization"]["reference"] == f"Organization/member-{world.member_a.pk}"
    if world.site_a.finess:
        finess = next(i for i in site["identifier"] if i["system"] == sid.FINESS)
        assert (finess["value"], finess["type"]["coding"][0]["code"]) == (
            world.site_a.finess,
            "FINEG",
        )


def test_device_is_equipment_with_its_dicom_modality(world, fhir):
    e = world.equipment_a
    status, device = fhir("coordinator", f"/fhir/Device/{e.pk}")
    assert status == 200
    assert device["deviceName"][0]["name"] == e.name
    assert device["type"]["coding"][0]["code"] == sid.DICOM_MODALITY[e.modality]
    assert device["owner"]["reference"] == f"Organization/member-{e.holder_id}"
    assert device["location"]["reference"] == f"Location/{e.site_id}"
    assert device["status"] == ("active" if e.active else "inactive")


def test_practitioner_carries_rpps_and_the_national_id(world, fhir):
    p = world.practitioner_a
    status, body = fhir("coordinator", f"/fhir/Practitioner/{p.pk}")
    assert status == 200
    assert _identifier(body, sid.RPPS) == [p.rpps]
    assert _identifier(body, sid.IDNPS) == ["8" + p.rpps]
    assert body["name"][0]["family"] == p.last_name


def test_practitioner_role_links_member_sites_and_competences(world, fhir):
    p = world.practitioner_a
    status, role = fhir("coordinator", f"/fhir/PractitionerRole/{p.pk}")
    assert status == 200
    assert role["practitioner"]["reference"] == f"Practitioner/{p.pk}"
    assert role["organization"]["reference"] == f"Organization/member-{p.member_id}"
    assert sorted(loc["reference"] for loc in role.get("location", [])) == sorted(
        f"Location/{s.pk}" for s in p.sites.all()
    )
    assert [c["coding"][0]["code"] for c in role.get("specialty", [])] == list(p.competences)


def test_schedule_and_slot_of_the_published_planning(world, clinic, fhir):
    slot = clinic.slot
    status, body = fhir("coordinator", f"/fhir/Slot/{slot.pk}")
    assert status == 200
    assert body["schedule"]["reference"] == f"Schedule/{slot.equipment_id}"
    assert body["status"] == "free"
    status, schedule = fhir("coordinator", "/fhir/" + body["schedule"]["reference"])
    assert status == 200
    assert schedule["actor"][0]["reference"] == f"Device/{slot.equipment_id}"


def test_a_booked_slot_is_busy_and_names_no_patient(clinic, fhir):
    booked = pm.Slot.objects.filter(
        plan__status="published", booking__status=pm.Booking.Status.BOOKED
    ).first()
    assert booked is not None
    status, body = fhir("coordinator", f"/fhir/Slot/{booked.pk}")
    assert (status, body["status"]) == (200, "busy")
    assert booked.booking.patient_pseudonym not in str(body)
    assert booked.booking.order_reference not in str(body)


def test_service_request_is_the_order_with_its_placer_number(world, clinic, fhir):
    o = clinic.order_a
    status, body = fhir("coordinator", f"/fhir/ServiceRequest/{o.pk}")
    assert status == 200
    placer = body["identifier"][0]
    assert (placer["system"], placer["value"]) == (sid.placer(world.member_a.code), "CMD-A-1")
    assert placer["type"]["coding"][0]["code"] == "PLAC"
    assert body["status"] == "active"
    assert body["intent"] == "order"
    assert body["priority"] == "urgent"
    assert body["subject"]["reference"] == f"Patient/{clinic.patient_a.pk}"
    assert body["reasonCode"][0]["text"] == "Douleur thoracique"
    status, signed = fhir("coordinator", f"/fhir/ServiceRequest/{clinic.exam_signed.order_id}")
    assert signed["status"] == "completed"


def test_imaging_study_is_the_exam_with_uid_and_accession(clinic, fhir):
    e = clinic.exam_a
    status, body = fhir("coordinator", f"/fhir/ImagingStudy/{e.pk}")
    assert status == 200
    assert _identifier(body, sid.DICOM_UID) == ["urn:oid:1.2.250.1.999.77.1"]
    assert _identifier(body, sid.ACCESSION) == ["ACC-A-1"]
    assert body["status"] == "available"
    assert body["basedOn"][0]["reference"] == f"ServiceRequest/{e.order_id}"
    assert body["interpreter"][0]["reference"] == f"Practitioner/{clinic.reader.pk}"
    assert body["modality"][0]["code"] == "CT"


def test_diagnostic_report_signed_then_amended_never_a_draft(clinic, fhir):
    r = clinic.report
    status, body = fhir("coordinator", f"/fhir/DiagnosticReport/{r.pk}")
    assert status == 200
    assert body["status"] == "final"
    assert body["conclusion"] == "Pas d'anomalie."
    assert body["imagingStudy"][0]["reference"] == f"ImagingStudy/{clinic.exam_signed.pk}"
    assert body["resultsInterpreter"][0]["reference"] == f"Practitioner/{clinic.reader.pk}"
    assert body["code"]["coding"][0]["code"] == "18748-4"
    services.report_amend(exam=clinic.exam_signed, reader=clinic.reader, text="Avenant.")
    status, body = fhir("coordinator", f"/fhir/DiagnosticReport/{r.pk}")
    assert (body["status"], body["conclusion"]) == ("amended", "Avenant.")
    status, body = fhir("coordinator", f"/fhir/DiagnosticReport/{clinic.draft.pk}")
    assert status == 404
    assert body["resourceType"] == "OperationOutcome"


def test_every_type_searches_into_a_valid_bundle(clinic, fhir):
    for name in ("Organization", "Location", "Device", "Practitioner", "PractitionerRole",
                 "Schedule", "Slot", "ServiceRequest", "ImagingStudy", "DiagnosticReport",
                 "Patient"):  # fmt: skip
        status, bundle = fhir("coordinator", f"/fhir/{name}?_count=3")
        assert status == 200, name
        assert bundle["type"] == "searchset"
        assert bundle["total"] >= 1, name
        assert len(ids(bundle)) == min(3, bundle["total"])
        assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {name}
