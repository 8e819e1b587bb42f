from django.urls import path

from collections_app import views

app_name = "collections"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("account/<str:number>/arrangement/", views.arrangement, name="arrangement"),
    path("arrangement/<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("account/<str:number>/promise/", views.promise, name="promise"),
    path("notice/<int:pk>.pdf", views.notice_pdf, name="notice_pdf"),
    path("notices/<str:day>.pdf", views.notices_batch_pdf, name="notices_batch_pdf"),
    path("shutoff/", views.shutoff, name="shutoff"),
    path("shutoff/list.pdf", views.shutoff_pdf, name="shutoff_pdf"),
    path("shutoff/list.csv", views.shutoff_csv, name="shutoff_csv"),
    path("shutoff/approve/", views.approve, name="approve"),
    path("runs/start/", views.start_collections_run, name="start_run"),
    path("shutoff/weather/", views.weather_hold, name="weather_hold"),
    path("door-hangers/", views.door_hangers, name="door_hangers"),
    path("field/<str:number>/", views.field_order, name="field_order"),
    path("reconnection/<int:pk>/after-hours/", views.after_hours, name="after_hours"),
    path("write-offs/", views.write_offs, name="write_offs"),
    path("write-offs/report.csv", views.write_off_report_csv, name="write_off_report_csv"),
    path("referrals.csv", views.referrals_csv, name="referrals_csv"),
    path("write-offs/recovery/", views.recovery, name="recovery"),
]
