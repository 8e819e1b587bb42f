# Runs are reached from the screens that start them (billing, collections) and from the
# run list those screens link to; the top menu has no room for a page of its own.
ROLE_PERMISSIONS = {
    "Clerk": ["runs.view_batchrun"],
    "Admin": ["runs.view_batchrun"],
}

# Seeing a run needs view_batchrun; approving, cancelling and resuming also need the run
# kind's own permission, checked by the service (a clerk's 403 comes from there).
URL_PERMISSIONS = {"runs:*": "runs.view_batchrun"}
