"""Who may do what with payments. Clerks take payments in their own drawer session and key
mail batches; supervisors also void and record returned payments; Admin keeps the drawers."""

ROLE_PERMISSIONS = {
    "Clerk": [
        "payments.view_drawer",
        "payments.view_drawersession",
        "payments.add_drawersession",
        "payments.view_payment",
        "payments.add_payment",
        "payments.view_mailbatch",
        "payments.add_mailbatch",
        "payments.change_mailbatch",
    ],
    "Supervisor": [
        "payments.void_payment",
        "payments.record_returned_payment",
    ],
    "Admin": [
        "payments.view_drawer",
        "payments.add_drawer",
        "payments.change_drawer",
        "payments.view_drawersession",
        "payments.view_payment",
        "payments.view_tender",
        "payments.view_mailbatch",
    ],
}

NAVIGATION = [
    (20, "Drawer", "payments:drawer", "payments.add_drawersession"),
    (22, "Receipts", "payments:lookup", "payments.view_payment"),
    (24, "Mail batches", "payments:batches", "payments.add_mailbatch"),
]

# What each URL needs (utilityclerk/roles.py explains; one line per URL).
URL_PERMISSIONS = {
    "payments:drawer": "payments.add_drawersession",
    "payments:drawer_status": "payments.add_drawersession",
    "payments:take": "payments.add_payment",
    "payments:change_due": "payments.add_payment",
    "payments:lookup": "payments.view_payment",
    "payments:payment": "payments.view_payment",
    "payments:receipt": "payments.view_payment",
    "payments:receipt_pdf": "payments.view_payment",
    "payments:receipt_printed": "payments.view_payment",
    "payments:void": "payments.void_payment",
    "payments:returned": "payments.record_returned_payment",
    "payments:batches": "payments.add_mailbatch",
    "payments:batch": "payments.view_mailbatch",
    "payments:batch_add_item": "payments.change_mailbatch",
    "payments:batch_remove_item": "payments.change_mailbatch",
    "payments:batch_controls": "payments.change_mailbatch",
    "payments:batch_post": "payments.change_mailbatch",
}
