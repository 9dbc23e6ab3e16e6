from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("contatori/", views.counts, name="counts"),
    path("<int:pk>/", views.conversation_detail, name="conversation"),
    path("<int:pk>/rispondi/", views.reply, name="reply"),
    path("<int:pk>/controlla/", views.reply_checks, name="reply_checks"),
    path("<int:pk>/assegna/", views.assign, name="assign"),
    path("<int:pk>/chiudi/", views.close, name="close"),
    path("<int:pk>/argomento/", views.set_topic, name="topic"),
    path("<int:pk>/ufficio/", views.hand_over, name="hand_over"),
    path("messaggio/<int:pk>/modera/", views.moderate, name="moderate"),
    path("risposta/<int:pk>/approva/", views.approve_reply, name="approve_reply"),
    path("risposta/<int:pk>/scarta/", views.reject_reply, name="reject_reply"),
    path("ufficio/<str:token>/", views.office_answer, name="office_answer"),
    path("esporta/", views.export, name="export"),
    path("webhook/meta/", views.meta_webhook, name="meta_webhook"),
    path("webhook/email/", views.email_webhook, name="email_webhook"),
]
