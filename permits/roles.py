ROLE_PERMISSIONS = {
    # Clerks take permits at the counter, decide the clerk's review steps, issue, schedule
    # inspections, hand out and take back hydrant meters, file backflow tests.
    "Clerk": [
        "permits.view_permit",
        "permits.add_permit",
        "permits.change_permit",
        "permits.review_permit",
        "permits.issue_permit",
        "permits.view_contractor",
        "permits.add_inspection",
        "permits.view_inspection",
        "permits.add_hydrantcheckout",
        "permits.change_hydrantcheckout",
        "permits.view_hydrantcheckout",
        "permits.view_backflowdevice",
        "permits.add_backflowdevice",
        "permits.add_backflowtest",
        "permits.view_willserveletter",
        "permits.add_willserveletter",
    ],
    # Supervisors decide the engineering and right-of-way steps and will-serve letters.
    "Supervisor": [
        "permits.review_permit_as_supervisor",
        "permits.view_permit_reports",
    ],
    # Inspectors on a crew record results from the tablet; nothing else.
    "Field": [
        "permits.inspect_permit",
    ],
    "Admin": [
        *(
            f"permits.{action}_{model}"
            for model in ("permittype", "permitfee", "reviewstep", "contractor", "hydrantmeter")
            for action in ("view", "add", "change")
        ),
        "permits.delete_permitfee",
        "permits.delete_reviewstep",
        "permits.view_permit",
        "permits.view_permitstatuschange",
    ],
}

NAVIGATION = [
    (45, "Permits", "permits:desk", "permits.view_permit"),
    (46, "My inspections", "permits:field", "permits.inspect_permit"),
]

URL_PERMISSIONS = {
    "permits:desk": "permits.view_permit",
    "permits:intake": "permits.add_permit",
    "permits:intake_for_account": "permits.add_permit",
    "permits:detail": "permits.view_permit",
    "permits:history": "permits.view_permit",
    "permits:pdf": "permits.view_permit",
    "permits:review": "permits.review_permit",
    "permits:approve": "permits.review_permit",
    "permits:pay": "payments.add_payment",
    "permits:issue": "permits.issue_permit",
    "permits:withdraw": "permits.change_permit",
    "permits:close": "permits.change_permit",
    "permits:schedule_inspection": "permits.add_inspection",
    "permits:check_out": "permits.add_hydrantcheckout",
    "permits:return_meter": "permits.change_hydrantcheckout",
    "permits:inspection_photo": "permits.view_permit",
    "permits:field": "permits.inspect_permit",
    "permits:field_inspection": "permits.inspect_permit",
    "permits:meters": "permits.view_hydrantcheckout",
    "permits:backflow": "permits.view_backflowdevice",
    "permits:backflow_test": "permits.add_backflowtest",
    "permits:backflow_reminders": "permits.add_backflowtest",
    "permits:backflow_notices": "permits.add_backflowtest",
    "permits:will_serve": "permits.view_willserveletter",
    "permits:will_serve_detail": "permits.view_willserveletter",
    "permits:will_serve_pdf": "permits.view_willserveletter",
    "permits:reports": "permits.view_permit_reports",
    # A refund due on an ended permit becomes a refund check request (payments.refunds).
    "permits:request_refund_check": "refunds.add_refund",
    # The QR code on a printed permit opens it signed out: number, type, status, dates only.
    "permits:verify": "<public>",
}
