from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("drawer/", views.drawer, name="drawer"),
    path("drawer/status/", views.drawer_status, name="drawer_status"),
    path("take/<str:number>/", views.take, name="take"),
    path("change-due/", views.change_due, name="change_due"),
    path("receipts/", views.lookup, name="lookup"),
    path("receipts/<str:receipt>/", views.payment_detail, name="payment"),
    path("receipts/<str:receipt>/print/", views.receipt_page, name="receipt"),
    path("receipts/<str:receipt>/printed/", views.receipt_printed, name="receipt_printed"),
    path("receipts/<str:receipt>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("receipts/<str:receipt>/void/", views.void, name="void"),
    path("receipts/<str:receipt>/returned/", views.returned, name="returned"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/items/", views.batch_add_item, name="batch_add_item"),
    path(
        "batches/<int:pk>/items/<int:item_pk>/remove/",
        views.batch_remove_item,
        name="batch_remove_item",
    ),
    path("batches/<int:pk>/controls/", views.batch_controls, name="batch_controls"),
    path("batches/<int:pk>/post/", views.batch_post, name="batch_post"),
]
