"""The kinds of background run (bill runs, late fees, notices, ...), registered by the apps
that own them from their AppConfig.ready(). The kernel only knows a kind by its code: how a
run proves and posts its work is the owning app's business."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunKind:
    kind: str
    label: str
    # proof(run) -> dict: what posting would do, computed set-based; writes no money.
    proof: Callable
    # post(run, progress) -> dict: the work itself, in chunks of their own transactions,
    # safe to start again (database constraints make a second post of a row a no-op).
    post: Callable
    start_permission: str
    # None: posting follows the proof at once, with no approval step.
    approve_permission: str | None = None
    # Optional partial rendered on the run page with {{ run }}.
    template: str | None = None


_kinds: dict[str, RunKind] = {}


def register_run_kind(run_kind: RunKind) -> None:
    _kinds[run_kind.kind] = run_kind


def run_kind(kind: str) -> RunKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"No run kind {kind!r} is registered.") from None


def run_kinds() -> list[RunKind]:
    return sorted(_kinds.values(), key=lambda k: k.label)
