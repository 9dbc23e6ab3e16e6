from django.urls import path

from . import views

app_name = "api_tokens"
urlpatterns = [
    path("accounts/token/", views.personal, name="personal"),
    path("accounts/token/nuovo/", views.personal_create, name="personal_create"),
    path("accounts/token/<int:pk>/revoca/", views.revoke, name="revoke"),
    path("token-di-servizio/", views.service, name="service"),
    path("token-di-servizio/nuovo/", views.service_create, name="service_create"),
]
