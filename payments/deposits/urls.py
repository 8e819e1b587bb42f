from django.urls import path

from payments.deposits import views

app_name = "deposits"

urlpatterns = [
    path("", views.home, name="home"),
    path("runs/start/", views.start_run, name="start_run"),
    path("<str:number>/instalments/", views.instalments, name="instalments"),
    path("<str:number>/waive/", views.waive, name="waive"),
    path("<str:number>/security/", views.security, name="security"),
    path("security/<int:pk>/release/", views.release, name="release"),
]
