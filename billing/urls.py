from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("routes/", views.routes, name="routes"),
    path("routes/<str:code>/", views.route_reads, name="route_reads"),
    path("import/", views.import_reads, name="import"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/<int:pk>/<str:action>/", views.work_exception, name="work_exception"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/approve/", views.approve_run, name="approve"),
    path("runs/<int:pk>/print-<int:part>.pdf", views.print_file, name="print_file"),
    path("runs/<int:pk>/mailing.csv", views.mailing_csv, name="mailing_csv"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("bills/<str:number>/explain/", views.explain_bill, name="explain"),
    path("bills/<str:number>/bill.pdf", views.bill_pdf, name="bill_pdf"),
]
