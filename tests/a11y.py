"""axe-core accessibility checks for the browser journeys. bin/test installs axe-core from the
npm registry into .axe/ (git-ignored); Playwright injects it into the page under test."""

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent.parent / ".axe/node_modules/axe-core/axe.min.js"
# The rules of WCAG 2.1 A and AA, and axe's best practices (landmarks, unique labels).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page, context: str | None = None) -> list[str]:
    """Each violation as "rule (impact): target, ..." for the page as it stands now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run bin/test, which installs axe-core")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the browser's debugger protocol: the page's CSP (our own origin only)
        # does not apply, and nothing is added to the page itself.
        page.evaluate(AXE.read_text() + "\n;true")
    found = page.evaluate(
        """([context, tags]) => axe.run(context || document, {runOnly: {type: "tag", values: tags}})
            .then(r => r.violations.map(v => `${v.id} (${v.impact}): ` +
                 v.nodes.map(n => n.target.join(" ")).join(", ")))""",
        [context, TAGS],
    )
    return found


def assert_accessible(page, what: str, context: str | None = None) -> None:
    violations = axe_violations(page, context)
    assert not violations, f"{what}: " + "; ".join(violations)
