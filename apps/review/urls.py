from django.urls import path

from apps.core.views import placeholder

app_name = "review"
urlpatterns = [
    path("", placeholder, name="queue"),
]
