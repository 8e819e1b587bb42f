"""Reports: who reaches which (utilityclerk/roles.py explains the shape)."""

URL_PERMISSIONS = {
    "reports:statement": "accounts.view_account",
}
