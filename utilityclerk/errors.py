"""Domain errors: a rule the user broke, with a message for them and the form field it is about.

Each app's services raise their own subclass (AccountError, PaymentError, ...); views put the
message beside the field with `show_on_form`.
"""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def show_on_form(form, error: DomainError) -> None:
    """The error beside its field, or at the top of the form when it names no field of it."""
    form.add_error(error.field if error.field in form.fields else None, str(error))
