from django.urls import path

from apps.core.views import placeholder

app_name = "events"
urlpatterns = [
    path("", placeholder, name="public_list"),
    path("<int:pk>/", placeholder, name="public_detail"),
    path("gestione/", placeholder, name="manage_list"),
]
