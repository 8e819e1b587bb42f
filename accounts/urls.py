from django.urls import path

from accounts import views

urlpatterns = [
    path("search/", views.search, name="search"),
]
