from django.urls import path

from apps.core.views import placeholder

app_name = "planning"
urlpatterns = [
    path("", placeholder, name="calendar"),
    path("<int:pk>/", placeholder, name="post_detail"),
]
