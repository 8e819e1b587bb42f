"""A premise that starts service must be on a route, or no cycle would ever bill it."""

from django.db.models import Max

from billing.models import PremiseBilling, Route
from utilityclerk import audit


def ensure_on_route(premise, *, by) -> PremiseBilling | None:
    """Put a premise with no route on its street's route (else the first route), last in the
    walk, with one ERU; an Admin moves it and sets its ERUs in the admin."""
    found = PremiseBilling.objects.filter(premise=premise).first()
    if found is not None:
        return found
    neighbour = (
        PremiseBilling.objects.filter(premise__street=premise.street)
        .select_related("route")
        .first()
    )
    route = neighbour.route if neighbour else Route.objects.order_by("code").first()
    if route is None:
        return None
    last = PremiseBilling.objects.filter(route=route).aggregate(n=Max("walk_order"))["n"] or 0
    placed = PremiseBilling.objects.create(premise=premise, route=route, walk_order=last + 1)
    audit.record(
        actor=by,
        action="premise.routed",
        target=premise,
        after={"route": route.code, "walk_order": placed.walk_order},
    )
    return placed
