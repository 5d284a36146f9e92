"""The traceability table and the guide point at things that exist: a renamed test or a removed
screenshot breaks the build instead of leaving docs/requirements.md quietly false."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_named_in_the_traceability_table_exists():
    text = (ROOT / "docs" / "requirements.md").read_text()
    refs = re.findall(r"(tests/[\w/]+\.py)((?:::\w+)?)", text)
    assert refs, "the traceability table names no test"
    missing = []
    for path, name in refs:
        file = ROOT / path
        if not file.exists():
            missing.append(path)
        elif name and not re.search(rf"def {name[2:]}\b", file.read_text()):
            missing.append(path + name)
    assert missing == []


def test_every_image_of_the_guide_exists():
    missing = []
    for page in (ROOT / "docs").rglob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            if not (page.parent / target).resolve().exists():
                missing.append(f"{page.relative_to(ROOT)} -> {target}")
    assert missing == []
