from django.urls import path

from . import credentials

app_name = "credentials"
urlpatterns = [
    path("", credentials.credential_list, name="list"),
    path("<int:pk>/", credentials.credential_edit, name="edit"),
    path("<int:pk>/verifica/", credentials.credential_verify, name="verify"),
]
