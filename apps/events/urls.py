from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    path("<int:pk>/evento.ics", views.event_ics, name="event_ics"),
    path("abbonati/", views.subscribe, name="subscribe"),
    # Feed URLs live for years in subscribers' calendars: never change them.
    path("feed.ics", views.feed, name="feed"),
    path("feed/<slug:slug>.ics", views.category_feed, name="category_feed"),
    path("gestione/", views.manage_list, name="manage_list"),
    path("gestione/nuovo/", views.manage_create, name="manage_create"),
    path("gestione/<int:pk>/modifica/", views.manage_edit, name="manage_edit"),
    path("gestione/<int:pk>/annulla/", views.manage_cancel, name="manage_cancel"),
    path("gestione/<int:pk>/rinvia/", views.manage_postpone, name="manage_postpone"),
    path("gestione/<int:pk>/conferma/", views.manage_confirm, name="manage_confirm"),
]
