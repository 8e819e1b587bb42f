from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("statement/<str:number>/", views.statement, name="statement"),
]
