from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("nuovo/", views.channel_create, name="create"),
    path("<int:pk>/modifica/", views.channel_edit, name="edit"),
]
