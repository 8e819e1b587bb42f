from django.urls import path

from payments.closeout import views

app_name = "closeout"

urlpatterns = [
    path("my-drawer/", views.my_drawer, name="my_drawer"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/count/", views.count, name="count"),
    path("sessions/<int:pk>/explain/", views.explain, name="explain"),
    path("sessions/<int:pk>/drop/", views.cash_drop, name="cash_drop"),
    path("sessions/<int:pk>/verify/", views.verify, name="verify"),
    path("sessions/<int:pk>/closeout.pdf", views.session_report, name="session_report"),
    path("waiting/", views.supervisor_home, name="supervisor_home"),
    path("day/", views.day_board, name="today"),
    path("day/<str:day>/", views.day_board, name="day"),
    path("day/<str:day>/deposit/", views.prepare_deposit, name="prepare_deposit"),
    path("day/<str:day>/close/", views.close, name="close"),
    path("day/<str:day>/reopen/", views.reopen, name="reopen"),
    path("day/<str:day>/report.pdf", views.daily_report, name="daily_report"),
    path("day/<str:day>/deposit-slip.pdf", views.deposit_slip, name="deposit_slip"),
    path("deposits/<int:pk>/verify/", views.verify_deposit, name="verify_deposit"),
]
