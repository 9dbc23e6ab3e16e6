from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("sicurezza/", views.account_security, name="security"),
    path("verifica/", views.mfa_verify, name="mfa_verify"),
    path("autenticatore/", views.mfa_setup, name="mfa_setup"),
    path("codici-di-recupero/", views.recovery_codes, name="recovery_codes"),
    path("conferma/", views.reauth, name="reauth"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/fatto/", views.password_change_done, name="password_change_done"),
    path("password/reimposta/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reimposta/inviata/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reimposta/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reimposta/fatto/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
]
