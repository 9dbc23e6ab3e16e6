from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("impostazioni/", views.office_settings, name="settings"),
    path("azioni-multiple/", views.bulk, name="bulk"),
    path("post/<int:pk>/", views.post_review, name="post"),
    path("post/<int:pk>/invia/", views.submit, name="submit"),
    path("post/<int:pk>/ritira/", views.withdraw, name="withdraw"),
    path("post/<int:pk>/approva/", views.approve, name="approve"),
    path("post/<int:pk>/riapprova/", views.reapprove, name="reapprove"),
    path("post/<int:pk>/richiedi-modifiche/", views.request_changes, name="request_changes"),
    path("post/<int:pk>/annulla/", views.cancel, name="cancel"),
    path("post/<int:pk>/commenta/", views.comment, name="comment"),
    path("post/<int:pk>/storia/", views.history, name="history"),
    path("post/<int:pk>/confronto/", views.diff, name="diff"),
    path("post/<int:pk>/link/invia/", views.resend_link, name="resend_link"),
    path("post/<int:pk>/link/<int:link_id>/revoca/", views.revoke_link, name="revoke_link"),
    path("post/<int:pk>/correggi/", views.correct, name="correct"),
    path("correzioni/<int:pk>/", views.correction, name="correction"),
    path("correzioni/<int:pk>/decidi/", views.correction_decide, name="correction_decide"),
    path("esterno/<int:pk>/<str:token>/", views.external_review, name="external"),
    path("esterno/fatto/<str:decision>/", views.external_done, name="external_done"),
]
