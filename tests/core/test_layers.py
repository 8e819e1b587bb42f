"""The apps layer one way: kernel <- accounts <- payments, workorders <- billing, collections,
permits <- reports. A lower app never imports a higher one, nor a sibling on its own layer
(hooks go through accounts/extensions.py and the registries the lower apps own). Imports
inside functions count too: a late import is still a dependency."""

import ast
from pathlib import Path

from django.conf import settings

LAYER = {
    "utilityclerk": 0,
    "accounts": 1,
    "payments": 2,
    "workorders": 2,
    "billing": 3,
    "collections_app": 3,
    "permits": 3,
    "reports": 4,
}

# The two places that put every app together, as Django's design has them do.
COMPOSITION_ROOTS = {
    "utilityclerk/urls.py",  # the root URLconf includes every app's URLs
    "utilityclerk/core/management/commands/load_demo_data.py",  # the demo spans every app
}


def imported_apps(source: str) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            apps.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            apps.add(node.module.split(".")[0])
    return apps & LAYER.keys()


def layering_breaches() -> list[str]:
    base = Path(settings.BASE_DIR)
    breaches = []
    for app, layer in LAYER.items():
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or relative in COMPOSITION_ROOTS:
                continue
            for other in sorted(imported_apps(path.read_text())):
                if other != app and LAYER[other] >= layer:
                    breaches.append(f"{relative} imports {other}")
    return breaches


def test_no_app_imports_one_above_it_or_beside_it():
    assert layering_breaches() == []


def test_the_check_sees_a_late_import_upward():
    source = "def f():\n    from reports.registry import REPORTS\n    import billing.bills\n"
    assert imported_apps(source) == {"reports", "billing"}
