from django.urls import path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("iscrizione-ricevuta/", views.subscribed, name="subscribed"),
    path("conferma/<str:signed>/", views.confirm, name="confirm"),
    path("disiscrizione/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
