ROLE_PERMISSIONS = {
    # Clerks open and work cases, resolve them (a credit above the clerk limit waits for a
    # supervisor through the adjustment queue), file appeals and refer people to agencies.
    "Clerk": [
        "disputes.view_case",
        "disputes.add_case",
        "disputes.change_case",
        "disputes.resolve_case",
        "disputes.view_casedocument",
        "disputes.add_casedocument",
        "disputes.view_agency",
        "disputes.view_referral",
        "disputes.add_referral",
        "disputes.change_referral",
    ],
    "Supervisor": [
        "disputes.decide_appeal",
        "disputes.view_dispute_board",
        "disputes.view_dispute_report",
    ],
    # Field crews see the work order, never the case or its documents.
    "Admin": [
        "disputes.view_agency",
        "disputes.add_agency",
        "disputes.change_agency",
        "disputes.view_case",
        "disputes.view_referral",
    ],
}

NAVIGATION = [
    (66, "Disputes", "disputes:board", "disputes.view_case"),
    (67, "Agencies", "disputes:agencies", "disputes.view_agency"),
]

URL_PERMISSIONS = {
    "disputes:board": "disputes.view_case",  # a clerk sees the cases they own
    "disputes:open": "disputes.add_case",
    "disputes:open_from_contact": "disputes.add_case",
    "disputes:refer_contact": "disputes.add_referral",
    "disputes:detail": "disputes.view_case",
    "disputes:acknowledge": "disputes.change_case",
    "disputes:note": "disputes.change_case",
    "disputes:investigate": "disputes.change_case",
    "disputes:upload": "disputes.add_casedocument",
    "disputes:leak": "disputes.change_case",
    "disputes:resolve": "disputes.resolve_case",
    "disputes:approve": "accounts.approve_adjustment",
    "disputes:letter": "disputes.view_case",
    "disputes:email_letter": "disputes.change_case",
    "disputes:appeal": "disputes.change_case",
    "disputes:decide": "disputes.decide_appeal",
    "disputes:refer": "disputes.add_referral",
    "disputes:document": "disputes.view_casedocument",
    "disputes:answer": "disputes.change_referral",
    "disputes:agencies": "disputes.view_agency",
    "disputes:report": "disputes.view_dispute_report",
    "disputes:report_pdf": "disputes.view_dispute_report",
    "disputes:report_csv": "disputes.view_dispute_report",
}
