from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("campanella/", views.bell, name="bell"),
    path("tutte-lette/", views.mark_all_read, name="mark_all_read"),
    path("preferenze/", views.preferences, name="preferences"),
    path("persone/", views.mention_people, name="people"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("<int:pk>/letta/", views.mark_read, name="mark_read"),
]
