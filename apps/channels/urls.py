from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("nuovo/", views.channel_create, name="create"),
    path("<int:pk>/modifica/", views.channel_edit, name="edit"),
    path("<int:pk>/collega/", views.connect_start, name="connect"),
    path("collegamento/ritorno/", views.connect_callback, name="connect_callback"),
    path("collegamento/scegli/", views.connect_choose, name="connect_choose"),
    path("<int:pk>/telegram/", views.telegram_connect, name="telegram"),
    path("<int:pk>/bluesky/", views.bluesky_connect, name="bluesky"),
]
