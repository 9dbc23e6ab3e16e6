from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.calendar_view, name="calendar"),
    path("post/nuovo/", views.post_create, name="post_create"),
    path("post/controlla/", views.check_variant, name="check_variant"),
    path("<int:pk>/", views.post_detail, name="post_detail"),
    path("<int:pk>/modifica/", views.post_edit, name="post_edit"),
    path("<int:pk>/sposta/", views.post_reschedule, name="post_reschedule"),
    path("<int:pk>/duplica/", views.post_duplicate, name="post_duplicate"),
    path(
        "<int:pk>/email/<int:channel_id>/<str:part>/",
        views.newsletter_email,
        name="newsletter_email",
    ),
    path("<int:pk>/in-coda/", views.post_queue, name="post_queue"),
    path("importa/", views.import_upload, name="import_upload"),
    path("importa/modello.<str:fmt>", views.import_template, name="import_template"),
    path("importa/<uuid:key>/", views.import_preview, name="import_preview"),
    path("importa/<uuid:key>/conferma/", views.import_confirm, name="import_confirm"),
    path("esporta/", views.export_plan, name="export"),
    path("cerca/", views.search, name="search"),
    path("campagne/", views.campaign_list, name="campaign_list"),
    path("campagne/nuova/", views.campaign_create, name="campaign_create"),
    path("campagne/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campagne/<int:pk>/modifica/", views.campaign_edit, name="campaign_edit"),
    path("categorie/", views.category_list, name="category_list"),
    path("categorie/nuova/", views.category_create, name="category_create"),
    path("categorie/<int:pk>/modifica/", views.category_edit, name="category_edit"),
    path("categorie.css", views.category_css, name="category_css"),
]
