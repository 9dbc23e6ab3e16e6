from django.urls import path

from apps.core.views import placeholder

app_name = "slots"
urlpatterns = [
    path("", placeholder, name="list"),
    path("<int:pk>/", placeholder, name="detail"),
]
