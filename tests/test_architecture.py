"""The rules of the house that the code can check (docs/architecture.md):

- the layers and the Django-free engine (import-linter contracts in pyproject.toml);
- views and API code read other rooms' data through those rooms' selectors (or access
  modules), never by querying their models: an AST scan of every views/API module.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pimm"
ROOMS = ("accounts", "registry", "planning", "oncall", "worklist", "web")
QUERY_SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _room_of(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 else ""  # pimm/api.py belongs to no room


def _view_modules() -> list[Path]:
    found = [SRC / "api.py"]
    for room in ROOMS:
        for name in ("views.py", "api.py"):
            if (SRC / room / name).exists():
                found.append(SRC / room / name)
    return found


def foreign_queries(path: Path) -> list[str]:
    """`Model.objects` (or a query shortcut on a Model) where the model is another room's."""
    room = _room_of(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    models: set[str] = set()  # names bound to another room's model classes
    modules: set[str] = set()  # names bound to another room's models modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pimm."):
            parts = node.module.split(".")
            if len(parts) == 3 and parts[2] == "models" and parts[1] != room:
                models |= {a.asname or a.name for a in node.names}
            elif len(parts) == 2 and parts[1] != room:
                modules |= {a.asname or a.name for a in node.names if a.name == "models"}

    def foreign(expr) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id in models
        return (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id in modules
        )

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects" and foreign(node.value):
            out.append(f"{path.relative_to(SRC)}:{node.lineno} {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in QUERY_SHORTCUTS
            and node.args
            and foreign(node.args[0])
        ):
            out.append(f"{path.relative_to(SRC)}:{node.lineno} {ast.unparse(node.func)}")
    return out


def test_views_and_api_read_other_rooms_through_their_selectors():
    found = [hit for path in _view_modules() for hit in foreign_queries(path)]
    assert found == []


def test_the_scan_sees_a_foreign_query(tmp_path):
    """The scan itself: a view querying another room's model is caught, its own room's is not."""
    room = tmp_path / "pimm" / "planning"
    room.mkdir(parents=True)
    view = room / "views.py"
    view.write_text(
        "from pimm.registry import models as rm\n"
        "from pimm.registry.models import Site\n"
        "from pimm.planning import models as pm\n"
        "def v(request, pk):\n"
        "    rm.Member.objects.all()\n"
        "    get_object_or_404(Site, pk=pk)\n"
        "    pm.Booking.objects.all()\n"
    )
    global SRC
    saved, SRC = SRC, tmp_path / "pimm"
    try:
        hits = foreign_queries(view)
    finally:
        SRC = saved
    assert sorted(h.split(" ", 1)[0] for h in hits) == [
        "planning/views.py:5",
        "planning/views.py:6",
    ]


LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed (test extras)")
def test_layers_and_engine_contracts_hold():
    """engine < accounts < registry < planning, oncall < worklist < ... < web, API, demo."""
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=SRC.parents[1],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
