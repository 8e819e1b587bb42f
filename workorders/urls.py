from django.urls import path

from workorders import views

app_name = "workorders"

urlpatterns = [
    path("", views.board, name="board"),
    path("bulk/", views.bulk, name="bulk"),
    path("field/", views.field, name="field"),
    path("field/<str:number>/", views.field_order, name="field_order"),
    path("vendors/", views.vendors, name="vendors"),
    path("vendors/scorecard.pdf", views.scorecard_pdf, name="scorecard_pdf"),
    path("service/start/", views.start, name="start"),
    path("service/<str:number>/start/", views.start, name="start_for_account"),
    path("service/<str:number>/stop/", views.stop, name="stop"),
    path("service/<str:number>/transfer/", views.transfer, name="transfer"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/assign/", views.assign, name="assign"),
    path("<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path("<str:number>/send-back/", views.send_back, name="send_back"),
    path("<str:number>/cancel/", views.cancel, name="cancel"),
    path("<str:number>/complete/", views.complete, name="complete"),
    path("<str:number>/sheet.pdf", views.sheet, name="sheet"),
]
