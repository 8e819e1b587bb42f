from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("new/", views.new_account, name="new"),
    path("adjustments/", views.adjustment_queue, name="adjustment_queue"),
    path("adjustments/waiting/", views.adjustments_waiting, name="adjustments_waiting"),
    path(
        "adjustments/<int:pk>/approve/",
        views.decide_adjustment,
        {"decision": "approve"},
        name="approve_adjustment",
    ),
    path(
        "adjustments/<int:pk>/reject/",
        views.decide_adjustment,
        {"decision": "reject"},
        name="reject_adjustment",
    ),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<str:number>/", views.account_detail, name="detail"),
    path("<str:number>/adjust/", views.adjust, name="adjust"),
    path("<str:number>/notes/add/", views.add_note, name="add_note"),
    path("<str:number>/mailing-address/", views.mailing_address_edit, name="mailing_address"),
    path("<str:number>/bills/<str:bill_number>/", views.bill_detail, name="bill"),
    path("<str:number>/<slug:tab>/", views.account_detail, name="tab"),
]
