from django.urls import path

from accounts.contacts import report_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.log_contact, name="log"),
    path("account/<str:number>/new/", views.log_for_account, name="log_for_account"),
    path("follow-ups/", views.my_follow_ups, name="my_follow_ups"),
    path("follow-ups/board/", views.board, name="board"),
    path("customer/<int:pk>/", views.customer_contacts, name="customer"),
    path("report/", report_views.contact_report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
]
