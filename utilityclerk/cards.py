"""Full card numbers (PANs): recognised so they are refused where clerks type, and kept out
of every log the app writes. 13 to 19 digits, spaces or dashes between them allowed, passing
the Luhn check (an account number is 8 digits, a bill 9, a phone 10: none is 13 or more)."""

import logging
import re

_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")

CARD_NUMBER_REFUSED = (
    "That looks like a full card number. Never type it here: search by account, name, "
    "address or phone, and take only the card's last four digits."
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(run: str) -> bool:
    digits = re.sub(r"\D", "", run)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def contains_card_number(text) -> bool:
    return isinstance(text, str) and any(_is_card(m.group()) for m in _DIGIT_RUN.finditer(text))


def redact_card_numbers(text: str) -> str:
    return _DIGIT_RUN.sub(
        lambda m: "[card number removed]" if _is_card(m.group()) else m.group(), text
    )


class RedactCardNumbers(logging.Filter):
    """On every handler: a card number in a log line (a search in a request line, say) is
    replaced before the line is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_card_number(message):
            record.msg, record.args = redact_card_numbers(message), None
        return True


class ForbiddenAsOneLine(logging.Filter):
    """A 403 is an expected refusal, not a fault: one line ("Forbidden (Permission denied):
    /path"), without the traceback Django attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


def install_log_filters() -> None:
    """Put both filters on every handler configured (LOGGING), so they hold whichever logger
    a line comes from."""
    handlers = set(logging.getLogger().handlers)
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        handlers.update(getattr(logger, "handlers", []))
    for handler in handlers:
        if not any(isinstance(f, RedactCardNumbers) for f in handler.filters):
            handler.addFilter(RedactCardNumbers())
            handler.addFilter(ForbiddenAsOneLine())
