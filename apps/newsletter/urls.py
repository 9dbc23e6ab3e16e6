from django.urls import path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("iscrizione-ricevuta/", views.subscribed, name="subscribed"),
    path("conferma/<str:signed>/", views.confirm, name="confirm"),
    # The token is secrets.token_urlsafe: a slug. Anything else (a NUL byte, which PostgreSQL
    # refuses in a query) is a 404 before any query.
    path("disiscrizione/<slug:token>/", views.unsubscribe, name="unsubscribe"),
]
