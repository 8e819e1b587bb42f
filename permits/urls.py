from django.urls import path

from permits import views

app_name = "permits"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("new/", views.intake, name="intake"),
    path("new/for/<str:number>/", views.intake_for_account, name="intake_for_account"),
    path("field/", views.field, name="field"),
    path("inspections/<int:pk>/", views.field_inspection, name="field_inspection"),
    path("inspections/<int:pk>/photo/", views.inspection_photo, name="inspection_photo"),
    path("meters/", views.meters, name="meters"),
    path("backflow/", views.backflow, name="backflow"),
    path("backflow/devices/<int:pk>/test/", views.backflow_test, name="backflow_test"),
    path("backflow/reminders/", views.backflow_reminders, name="backflow_reminders"),
    path("backflow/notices/", views.backflow_notices, name="backflow_notices"),
    path("will-serve/", views.will_serve, name="will_serve"),
    path("will-serve/<str:number>/", views.will_serve_detail, name="will_serve_detail"),
    path("will-serve/<str:number>/pdf/", views.will_serve_pdf, name="will_serve_pdf"),
    path("reports/", views.reports, name="reports"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/review/<int:order>/", views.review, name="review"),
    path("<str:number>/approve/", views.approve_without_steps, name="approve"),
    path("<str:number>/pay/", views.pay, name="pay"),
    path("<str:number>/issue/", views.issue, name="issue"),
    path("<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:number>/close/", views.close, name="close"),
    path("<str:number>/inspections/", views.schedule_inspection, name="schedule_inspection"),
    path("<str:number>/meter/", views.check_out, name="check_out"),
    path("<str:number>/meter/return/", views.return_meter, name="return_meter"),
    path("<str:number>/pdf/", views.permit_pdf, name="pdf"),
    path(
        "<str:number>/refunds/<int:pk>/check/",
        views.request_refund_check,
        name="request_refund_check",
    ),
    path("<str:number>/history/", views.history, name="history"),
]
