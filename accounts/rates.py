"""Rate codes: which tariff a service bills on, by customer class and utility. One table for
new services and the demo data alike, so a started service bills like its neighbours."""

UTILITY_CODES = {
    "water": "W",
    "sewer": "S",
    "electric": "E",
    "gas": "G",
    "trash": "T",
    "stormwater": "SW",
}
CLASS_CODES = {"residential": "RES", "commercial": "COM", "government": "GOV"}

# The utilities each class takes by default (the city collects no government trash).
DEFAULT_UTILITIES = {
    "residential": ["water", "sewer", "trash", "stormwater"],
    "commercial": ["water", "sewer", "trash", "stormwater"],
    "government": ["water", "sewer", "stormwater"],
}


def rate_code(utility: str, customer_class: str) -> str:
    """The default rate for a new service: RES-W is residential water."""
    return f"{CLASS_CODES.get(customer_class, customer_class[:3].upper())}-" + UTILITY_CODES.get(
        utility, utility[:2].upper()
    )
