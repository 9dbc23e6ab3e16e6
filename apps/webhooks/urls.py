from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("nuovo/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attiva/", views.toggle, name="toggle"),
    path("<int:pk>/elimina/", views.delete, name="delete"),
    path("<int:pk>/invii/<int:delivery_pk>/reinvia/", views.resend, name="resend"),
]
