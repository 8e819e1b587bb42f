from django.urls import path

from collections_app.disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.board, name="board"),
    path("account/<str:number>/new/", views.open_case, name="open"),
    path("contact/<int:pk>/new/", views.open_from_contact, name="open_from_contact"),
    path("contact/<int:pk>/refer/", views.refer_contact, name="refer_contact"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/note/", views.add_note, name="note"),
    path("<int:pk>/investigate/", views.investigate, name="investigate"),
    path("<int:pk>/documents/", views.upload, name="upload"),
    path("<int:pk>/leak/", views.leak_credit, name="leak"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/letter.pdf", views.letter, name="letter"),
    path("<int:pk>/letter/email/", views.email_letter, name="email_letter"),
    path("<int:pk>/appeal/", views.appeal, name="appeal"),
    path("<int:pk>/appeal/decide/", views.decide, name="decide"),
    path("<int:pk>/refer/", views.refer_case, name="refer"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("referrals/<int:pk>/answer/", views.answer, name="answer"),
    path("agencies/", views.agencies, name="agencies"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report, {"fmt": "pdf"}, name="report_pdf"),
    path("report.csv", views.report, {"fmt": "csv"}, name="report_csv"),
]
