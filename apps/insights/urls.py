from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.report, name="report"),
    path("csv/<slug:table>/", views.report_csv, name="report_csv"),
    path("post/<int:pk>/", views.post_report, name="post"),
    path("post/<int:pk>/csv/", views.post_csv, name="post_csv"),
    path("anno/<int:year>/", views.year_html, name="year"),
    path("anno/<int:year>/pdf/", views.year_pdf, name="year_pdf"),
]
