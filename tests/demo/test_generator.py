from collections import Counter

from pimm.demo.generator import generate
from pimm.registry.validators import validate_finess, validate_rpps, validate_siren


def test_default_size_matches_the_issue():
    d = generate()
    kinds = Counter(m.kind for m in d.members)
    assert kinds == {"public_hospital": 2, "private_hospital": 1, "private_group": 2}
    assert len(d.sites) == 6 and len(d.equipment) == 12
    assert len(d.practitioners) == 60 and len(d.technologists) == 120
    assert sum(k.time_share for k in d.sharing_keys) == 100


def test_same_seed_same_data_and_scale_multiplies():
    assert generate(seed=3) == generate(seed=3)
    assert generate(seed=3) != generate(seed=4)
    d4 = generate(scale=4)
    assert len(d4.practitioners) == 240 and len(d4.equipment) == 48
    assert abs(sum(k.time_share for k in d4.sharing_keys) - 100) < 1e-9
    assert len({p.rpps for p in d4.practitioners}) == 240


def test_identifiers_pass_the_registry_validators():
    d = generate(scale=2)
    for p in d.practitioners:
        validate_rpps(p.rpps)
    for member in d.members:
        validate_siren(member.siren)
        if member.finess:
            validate_finess(member.finess)


def test_each_territory_can_staff_its_specialised_lines():
    d = generate(scale=3)
    for line in d.oncall_lines:
        holders = [
            p
            for p in d.practitioners
            if line.competence in p.competences and set(p.site_codes) & set(line.site_codes)
        ]
        assert len(holders) >= 6, line.name
