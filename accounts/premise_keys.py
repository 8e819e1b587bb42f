"""Re-keying premises when the address rules change (USPS Pub 28 suffixes, directionals and
unit designators). Used by migration 0011 and by `manage.py rekey_premises`.

Two premises that now read as one address are reported, never merged: each may carry
accounts, services, meters and history, and which one stands is a person's decision.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from accounts.validation import normalize_house_number, normalize_street, normalize_unit

CHUNK = 2000


@dataclass
class RekeyReport:
    changed: list[tuple[int, str, str]] = field(default_factory=list)  # (pk, old, new)
    collisions: list[tuple[str, list[tuple[int, str]]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Premises re-keyed: {len(self.changed)}."]
        if self.collisions:
            out.append(
                f"Premises that now read as one address: {len(self.collisions)} "
                "(left as they were, not merged; move the accounts by hand and keep one):"
            )
            for key, rows in self.collisions:
                on_file = "; ".join(f"premise {pk} as {old}" for pk, old in rows)
                out.append(f"  {key}: {on_file}")
        return out


def _line(house_number, street, unit, zip_code) -> str:
    return f"{house_number} {street}{f' #{unit}' if unit else ''} {zip_code}"


def rekey_premises(premise_model, *, apply: bool = True) -> RekeyReport:
    """Every premise keyed by today's rules, except those that would share a key: they keep
    theirs and are listed. The rules give a key that does not change when applied again, so
    a premise already keyed by them stays, and a left premise's old key is no other's new one.
    """
    groups = defaultdict(list)
    rows = premise_model.objects.order_by("pk").values_list(
        "pk", "house_number", "street", "unit", "zip_code"
    )
    for pk, house_number, street, unit, zip_code in rows.iterator(chunk_size=CHUNK):
        new = (
            normalize_house_number(house_number),
            normalize_street(street),
            normalize_unit(unit),
            zip_code,
        )
        groups[new].append((pk, (house_number, street, unit, zip_code)))
    report, updates = RekeyReport(), []
    for new, members in groups.items():
        if len(members) > 1:
            report.collisions.append((_line(*new), [(pk, _line(*old)) for pk, old in members]))
            continue
        pk, old = members[0]
        if old != new:
            report.changed.append((pk, _line(*old), _line(*new)))
            updates.append(premise_model(pk=pk, house_number=new[0], street=new[1], unit=new[2]))
    report.collisions.sort()
    if apply and updates:
        premise_model.objects.bulk_update(
            updates, ["house_number", "street", "unit"], batch_size=CHUNK
        )
    return report
