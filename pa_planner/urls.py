from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.accounts import admin_site
from apps.accounts import views as account_views
from apps.api.v1 import api as api_v1
from apps.home import views as home_views
from apps.publishing import views as publishing_views

admin_site.configure(admin.site)

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", home_views.healthz, name="healthz"),
    path("accessibilita/", home_views.accessibility, name="accessibility"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("apps.accounts.urls")),
    path("calendario/", include("apps.planning.urls")),
    path("rubriche/", include("apps.slots.urls")),
    path("libreria/", include("apps.media_library.urls")),
    path("revisione/", include("apps.review.urls")),
    path("pubblicazione/credenziali/", include("apps.publishing.credentials_urls")),
    path("pubblicazione/feed/", include("apps.publishing.feed_urls")),
    path("pubblicazione/", include("apps.publishing.urls")),
    path("crisi/", include("apps.crisis.urls")),
    path("eventi/", include("apps.events.urls")),
    path("newsletter/", include("apps.newsletter.urls")),
    path("registro/", include("apps.audit.urls")),
    path("notifiche/", include("apps.notifications.urls")),
    path("canali/", include("apps.channels.urls")),
    path("risultati/", include("apps.insights.urls")),
    path("webhook/", include("apps.webhooks.urls")),
    # Counted links in posts (publishing/links.py): a number per link per day, nothing else.
    path("l/<str:code>", publishing_views.follow_link, name="follow_link"),
    path("conversazioni/", include("apps.inbox.urls")),
    path("api/v1/", api_v1.urls),
    path("", include("apps.api.urls")),
]
# Administrators only (apps/accounts/admin_site.py); PA_PLANNER_ADMIN_URL moves or removes it.
if settings.ADMIN_URL:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))

if settings.DEBUG:
    from django.conf.urls.static import static

    from apps.core.views import serve_media

    # nosniff, and attachment for what is not an image (apps/core/media_files.py)
    urlpatterns += static(settings.MEDIA_URL, serve_media, document_root=settings.MEDIA_ROOT)

admin.site.site_header = settings.COMUNE_NAME + " · PA Planner"
