from django.urls import path

from . import views

app_name = "publishing"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("invii/<int:pk>/riprova/", views.retry, name="retry"),
    path("invii/<int:pk>/verifica/", views.resolve, name="resolve"),
    path("invii/<int:pk>/chiudi/", views.dismiss, name="dismiss"),
    path("correzioni/esiti/<int:pk>/riprova/", views.correction_retry, name="correction_retry"),
]
