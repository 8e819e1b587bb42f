from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("run/<str:code>/", views.run_report, name="run"),
    path("run/<str:code>/save/", views.save_report, name="save"),
    path("saved/", views.saved_reports, name="saved"),
    path("saved/<int:pk>/schedule/", views.schedule_saved, name="schedule"),
    path("schedules/<int:pk>/stop/", views.stop_schedule, name="stop_schedule"),
    path("deliveries/<int:pk>/retry/", views.retry_delivery, name="retry_delivery"),
    path("gl/", views.gl, name="gl"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("statement/<str:number>/", views.statement, name="statement"),
]
