from django.urls import path

from payments.refunds import views

app_name = "refunds"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("waiting/", views.waiting, name="waiting"),
    path("account/<str:number>/request/", views.request_refund, name="request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/void/", views.void, name="void"),
    path("<int:pk>/cashed/", views.cashed, name="cashed"),
    path("<int:pk>/check-request.pdf", views.check_request_pdf, name="check_request"),
]
