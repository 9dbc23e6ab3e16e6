from django.urls import path

from . import views

app_name = "slots"
urlpatterns = [
    path("", views.slot_list, name="list"),
    path("nuova/", views.slot_create, name="create"),
    path("anteprima/", views.slot_preview, name="preview"),
    path("<int:pk>/", views.slot_detail, name="detail"),
    path("<int:pk>/modifica/", views.slot_edit, name="edit"),
    path("<int:pk>/riempi/", views.fill, name="fill"),
    path("<int:pk>/salta/", views.skip, name="skip"),
    path("<int:pk>/ripristina/", views.unskip, name="unskip"),
    path("<int:pk>/scollega/", views.unfill, name="unfill"),
]
