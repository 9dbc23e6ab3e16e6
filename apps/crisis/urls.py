from django.urls import path

from . import views

app_name = "crisis"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dichiara/", views.declare, name="declare"),
    path("canali/", views.change_scope, name="change_scope"),
    path("chiudi/", views.end, name="end"),
    path("storico/", views.history, name="history"),
    path("invii/<int:pk>/rimuovi/", views.delete_delivery, name="delete_delivery"),
    path("ripresa/", views.recovery, name="recovery"),
    path("ripresa/gruppo/", views.bulk, name="bulk"),
    path("ripresa/<int:pk>/riprendi/", views.resume, name="resume"),
    path("ripresa/<int:pk>/riprogramma/", views.reschedule, name="reschedule"),
    path("ripresa/<int:pk>/annulla/", views.cancel, name="cancel"),
    path("silenzio/", views.blackout_list, name="blackout_list"),
    path("silenzio/nuovo/", views.blackout_create, name="blackout_create"),
    path("silenzio/<int:pk>/", views.blackout_detail, name="blackout_detail"),
    path("silenzio/<int:pk>/modifica/", views.blackout_update, name="blackout_update"),
    path("silenzio/<int:pk>/elimina/", views.blackout_delete, name="blackout_delete"),
]
