from django.urls import path

from . import credential_views

app_name = "credentials"
urlpatterns = [
    path("", credential_views.credential_list, name="list"),
    path("<int:pk>/", credential_views.credential_edit, name="edit"),
    path("<int:pk>/verifica/", credential_views.credential_verify, name="verify"),
]
