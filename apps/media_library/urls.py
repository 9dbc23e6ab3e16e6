from django.urls import path

from . import views

app_name = "media_library"
urlpatterns = [
    path("", views.library, name="library"),
    path("carica/", views.upload, name="upload"),
    path("scegli/", views.picker, name="picker"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sostituisci/", views.replace, name="replace"),
    path("<int:pk>/punto-focale/", views.focal_point, name="focal_point"),
    path("<int:pk>/elimina/", views.delete, name="delete"),
    path("<int:pk>/originale/", views.original, name="original"),
    path("<int:pk>/sottotitoli/", views.caption_add, name="caption_add"),
    path(
        "<int:pk>/sottotitoli/<int:caption_pk>/elimina/",
        views.caption_delete,
        name="caption_delete",
    ),
]
