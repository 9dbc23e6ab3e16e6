"""PA Planner settings: one module, driven by the environment.

With no environment set the app runs embedded: SQLite under ``var/`` and a
Celery broker on the filesystem. ``DATABASE_URL`` and ``CELERY_BROKER_URL``
switch to PostgreSQL and Redis/RabbitMQ. ``DJANGO_DEBUG=0`` is production
mode, where the secret key and allowed hosts are required.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

# Authlib 1.9 prefers the httpx2 package and warns when it finds httpx; both speak alike here.
# Its module adds an "always" filter when imported, so it is imported before ours goes first.
import authlib.deprecate  # noqa: E402,F401,I001
import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

warnings.filterwarnings("ignore", message="The httpx module is deprecated")

BASE_DIR = Path(__file__).resolve().parent.parent

# .env first: every variable below may come from it (the real environment wins).
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("PA_PLANNER_VAR_DIR", default=str(BASE_DIR / "var")))


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable that is neither true nor false is an error, not False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_required(name: str) -> str:
    """Required in production; a secret may also come from the file named by NAME_FILE."""
    file_path = env.str(f"{name}_FILE", default="")
    if file_path:
        return Path(file_path).read_text().strip()
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is required when DJANGO_DEBUG=0 (production mode); set it in the environment."
        )
    return value


# --- Mode -------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", True)
# Fixed at start-up (tests turn DEBUG off, but stay in development mode).
PRODUCTION_MODE = not DEBUG
TESTING = env_bool("PA_PLANNER_TESTING", False)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production"
    )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in env_required("DJANGO_ALLOWED_HOSTS").split(",") if h]

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Fernet keys for channel secrets at rest, newest first (apps/core/encryption.py;
# .env.example says how to generate one).
SECRET_ENCRYPTION_KEYS = [
    key.strip()
    for key in (
        env_required("PA_PLANNER_SECRET_KEYS")
        if PRODUCTION_MODE
        else env.str("PA_PLANNER_SECRET_KEYS", default="")
    ).split(",")
    if key.strip()
]
for _key in SECRET_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "PA_PLANNER_SECRET_KEYS must list Fernet keys (32 url-safe base64 bytes each)."
        ) from None

# The app's own OAuth clients, registered at each network (docs/channels.md says how).
OAUTH_PROVIDERS = {
    "x": {
        "client_id": env.str("PA_PLANNER_X_CLIENT_ID", default=""),
        "client_secret": env.str("PA_PLANNER_X_CLIENT_SECRET", default=""),
        "authorize_url": env.str(
            "PA_PLANNER_X_AUTHORIZE_URL", default="https://x.com/i/oauth2/authorize"
        ),
        "api_url": env.str("PA_PLANNER_X_API_URL", default="https://api.x.com"),
    },
    # Facebook Login for Pages and Instagram professional accounts (one Meta app).
    "meta": {
        "client_id": env.str("PA_PLANNER_META_CLIENT_ID", default=""),
        "client_secret": env.str("PA_PLANNER_META_CLIENT_SECRET", default=""),
        "authorize_url": env.str(
            "PA_PLANNER_META_AUTHORIZE_URL", default="https://www.facebook.com/v21.0/dialog/oauth"
        ),
        "api_url": env.str("PA_PLANNER_META_API_URL", default="https://graph.facebook.com/v21.0"),
    },
    "linkedin": {
        "client_id": env.str("PA_PLANNER_LINKEDIN_CLIENT_ID", default=""),
        "client_secret": env.str("PA_PLANNER_LINKEDIN_CLIENT_SECRET", default=""),
        "authorize_url": env.str(
            "PA_PLANNER_LINKEDIN_AUTHORIZE_URL",
            default="https://www.linkedin.com/oauth/v2/authorization",
        ),
        "token_url": env.str(
            "PA_PLANNER_LINKEDIN_TOKEN_URL", default="https://www.linkedin.com/oauth/v2/accessToken"
        ),
        "api_url": env.str("PA_PLANNER_LINKEDIN_API_URL", default="https://api.linkedin.com"),
    },
    # Threads (Meta's Threads API: its own app id and secret, its own login and host).
    "threads": {
        "client_id": env.str("PA_PLANNER_THREADS_CLIENT_ID", default=""),
        "client_secret": env.str("PA_PLANNER_THREADS_CLIENT_SECRET", default=""),
        "authorize_url": env.str(
            "PA_PLANNER_THREADS_AUTHORIZE_URL", default="https://threads.net/oauth/authorize"
        ),
        "api_url": env.str("PA_PLANNER_THREADS_API_URL", default="https://graph.threads.net"),
    },
}
# Hosts or addresses an administrator may point a channel at although they are private
# (an office's own Mastodon on the intranet). Everything else must resolve to public addresses.
PRIVATE_HOSTS_ALLOWED = env.list("PA_PLANNER_PRIVATE_HOSTS_ALLOWED", default=[])

SITE_URL = env.str("PA_PLANNER_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
COMUNE_NAME = env.str("PA_PLANNER_COMUNE_NAME", default="Comune di Esempio")

# --- Applications -------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # FORM_RENDERER = TemplatesSetting finds Django's own widget templates through this app.
    "django.forms",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "ninja",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.notifications",
    "apps.channels",
    "apps.planning",
    "apps.media_library",
    "apps.slots",
    "apps.review",
    "apps.publishing",
    "apps.crisis",
    "apps.crisis_response",
    "apps.inbox",
    "apps.events",
    "apps.newsletter",
    "apps.insights",
    "apps.home",
    "apps.api",
    "apps.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.events.middleware.HttpSemanticsMiddleware",  # sees Locale and Common headers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "apps.accounts.middleware.SessionTimeoutMiddleware",
    "apps.accounts.middleware.MfaRequiredMiddleware",
    "apps.accounts.middleware.HtmxLoginRedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost: the page it renders still gets the CSP and security headers.
    "apps.core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "pa_planner.urls"
WSGI_APPLICATION = "pa_planner.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.accounts.context_processors.roles",
                "apps.crisis.context_processors.crisis",
                "apps.publishing.context_processors.publishing_stall",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock at BEGIN so a read-then-write never fails midway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://pa-planner")}

# --- Auth ---------------------------------------------------------------------------
# Django's validators (messages in Italian): similarity, length, common passwords, digits only.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "apps.accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "apps.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "apps.accounts.validators.CommonPasswordValidator"},
    {"NAME": "apps.accounts.validators.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes, plus the per-address limit across usernames (apps/accounts/backends.py).
    "apps.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Trusted reverse proxies (docs/security.md): off by default, REMOTE_ADDR is the client. Set the
# number of proxies in front of the app, or the networks they live in, never both.
TRUSTED_PROXY_COUNT = env.int("PA_PLANNER_TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_CIDRS = env.list("PA_PLANNER_TRUSTED_PROXY_CIDRS", default=[])
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("PA_PLANNER_TRUSTED_PROXY_COUNT must be 0 or more")
if TRUSTED_PROXY_COUNT and TRUSTED_PROXY_CIDRS:
    raise ImproperlyConfigured(
        "Set PA_PLANNER_TRUSTED_PROXY_COUNT or PA_PLANNER_TRUSTED_PROXY_CIDRS, not both"
    )
try:
    import ipaddress as _ipaddress

    for _cidr in TRUSTED_PROXY_CIDRS:
        _ipaddress.ip_network(_cidr, strict=False)
except ValueError as _exc:
    raise ImproperlyConfigured(f"PA_PLANNER_TRUSTED_PROXY_CIDRS: {_exc}") from _exc

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# One person's account at one address: a stranger elsewhere cannot lock the approver out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "apps.accounts.client_ip.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.locked_out"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Password spraying: failed logins from one address, whatever the usernames, within the
# cool-off. Higher than the per-account limit: a whole office may share one address.
LOGIN_FAILURES_PER_ADDRESS = env.int("PA_PLANNER_LOGIN_FAILURES_PER_ADDRESS", default=30)

# Multi-factor authentication (django-otp, TOTP + recovery codes). In production it is always
# required of approvers and administrators; in development (DJANGO_DEBUG=1, the demo) only if
# PA_PLANNER_MFA_REQUIRED=1. A user who enrolled a device must pass it at every login, always.
MFA_REQUIRED = True if PRODUCTION_MODE else env_bool("PA_PLANNER_MFA_REQUIRED", False)
OTP_TOTP_ISSUER = COMUNE_NAME + " · PA Planner"
MFA_RECOVERY_CODES = 10

# Sessions: idle timeout and absolute lifetime (minutes), re-authentication window (minutes).
SESSION_IDLE_MINUTES = env.int("PA_PLANNER_SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("PA_PLANNER_SESSION_ABSOLUTE_HOURS", default=10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
REAUTH_MINUTES = env.int("PA_PLANNER_REAUTH_MINUTES", default=10)

# --- API (/api/v1/) -----------------------------------------------------------------------
# Requests per token, and per client address without a token, in each window.
API_RATE_LIMIT = env.int("PA_PLANNER_API_RATE_LIMIT", default=120)
API_ANONYMOUS_RATE_LIMIT = env.int("PA_PLANNER_API_ANONYMOUS_RATE_LIMIT", default=60)
API_RATE_LIMIT_WINDOW_SECONDS = env.int("PA_PLANNER_API_RATE_LIMIT_WINDOW_SECONDS", default=60)

# Django admin: only administrators; moved with PA_PLANNER_ADMIN_URL, off when it is empty.
ADMIN_URL = env.str("PA_PLANNER_ADMIN_URL", default="admin/")
if ADMIN_URL and not ADMIN_URL.endswith("/"):
    ADMIN_URL += "/"
ADMIN_URL = ADMIN_URL.lstrip("/")

PASSWORD_RESET_TIMEOUT = 3600

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads (post images, the media library) go through Django's storage API: the filesystem
# under MEDIA_ROOT, or S3-compatible object storage (django-storages) when PA_PLANNER_S3_BUCKET
# is set, so that several web and worker machines share one library.
S3_BUCKET = env.str("PA_PLANNER_S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        # S3Storage storing each object with its Content-Disposition (apps/core/media_files.py)
        "BACKEND": "apps.core.media_files.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("PA_PLANNER_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PA_PLANNER_S3_REGION", default="") or None,
            "access_key": env.str("PA_PLANNER_S3_ACCESS_KEY_ID", default="") or None,
            # None: boto3's own chain (instance role, AWS_* variables).
            "secret_key": (
                env_required("PA_PLANNER_S3_SECRET_ACCESS_KEY")
                if env.str("PA_PLANNER_S3_ACCESS_KEY_ID", default="")
                else None
            ),
            "custom_domain": env.str("PA_PLANNER_S3_CUSTOM_DOMAIN", default="") or None,
            "location": env.str("PA_PLANNER_S3_PREFIX", default="media"),
            # Private objects behind signed URLs; never served with the uploader's type.
            "default_acl": None,
            "querystring_auth": env_bool("PA_PLANNER_S3_SIGNED_URLS", True),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, max-age=3600"},
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Originals of the media library's uploads (EXIF, GPS and all), kept only when an administrator
# enables PA_PLANNER_MEDIA_KEEP_ORIGINALS (default off: their bytes are never stored). Never
# under MEDIA_ROOT or a public address: a folder of their own, or private objects on S3.
MEDIA_KEEP_ORIGINALS = env_bool("PA_PLANNER_MEDIA_KEEP_ORIGINALS", False)
if S3_BUCKET:
    _originals_storage = {
        "BACKEND": _default_storage["BACKEND"],
        "OPTIONS": {
            **_default_storage["OPTIONS"],
            "location": env.str("PA_PLANNER_S3_ORIGINALS_PREFIX", default="media-originals"),
            "custom_domain": None,
            "querystring_auth": True,
        },
    }
else:
    _originals_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            # Empty means the default: FileSystemStorage would read "" as MEDIA_ROOT (public).
            "location": env.str("PA_PLANNER_MEDIA_ORIGINALS_ROOT", default="")
            or str(VAR_DIR / "media-originals"),
        },
    }
STORAGES = {
    "default": _default_storage,
    "media_originals": _originals_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads above this size are spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", default=2621440)
# A request's fields other than files: above this the request is a 400 before any form reads it
# (texts are capped at 50,000 characters; a post form with every channel stays far below).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=3145728)
MAX_IMAGE_BYTES = env.int("PA_PLANNER_MAX_IMAGE_BYTES", default=5 * 1024 * 1024)
# Largest multipart request (a post saves up to 6 new images at once): refused (400) unread.
MAX_UPLOAD_REQUEST_BYTES = env.int(
    "PA_PLANNER_MAX_UPLOAD_REQUEST_BYTES",
    default=6 * MAX_IMAGE_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE,
)
FILE_UPLOAD_HANDLERS = [
    "apps.core.images.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Largest image in pixels (width × height): refused before decoding (apps/core/images.py).
MAX_IMAGE_PIXELS = env.int("PA_PLANNER_MAX_IMAGE_PIXELS", default=40_000_000)
# The media library (docs/media.md): its upload page streams files to disk and refuses a
# request larger than MEDIA_MAX_REQUEST_BYTES before reading its body; each file is then
# checked against its own limit.
MEDIA_MAX_IMAGE_BYTES = env.int("PA_PLANNER_MEDIA_MAX_IMAGE_BYTES", default=20 * 1024 * 1024)
MEDIA_MAX_VIDEO_BYTES = env.int("PA_PLANNER_MEDIA_MAX_VIDEO_BYTES", default=500 * 1024 * 1024)
MEDIA_MAX_VIDEO_SECONDS = env.int("PA_PLANNER_MEDIA_MAX_VIDEO_SECONDS", default=30 * 60)
MEDIA_MAX_VIDEO_SIDE = env.int("PA_PLANNER_MEDIA_MAX_VIDEO_SIDE", default=4096)
MEDIA_MAX_FILES_PER_UPLOAD = env.int("PA_PLANNER_MEDIA_MAX_FILES", default=20)
MEDIA_MAX_REQUEST_BYTES = env.int(
    "PA_PLANNER_MEDIA_MAX_REQUEST_BYTES", default=MEDIA_MAX_VIDEO_BYTES + 64 * 1024 * 1024
)
FFPROBE = env.str("PA_PLANNER_FFPROBE", default="ffprobe")
FFMPEG = env.str("PA_PLANNER_FFMPEG", default="ffmpeg")

# --- Forms --------------------------------------------------------------------------------
# The project's own pack (templates/bootstrap_italia/, docs/forms.md): every field accessible
# the same way, with Bootstrap Italia's classes.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("bootstrap_italia",)
CRISPY_TEMPLATE_PACK = "bootstrap_italia"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Email --------------------------------------------------------------------------------
# Checked here, at start: a URL that could not send (a file backend without a directory, SMTP
# without a host) stops the process instead of breaking every send later.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend" and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_URL: an SMTP URL needs a host, e.g. smtp+tls://host:587")
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # filemail:///absolute/dir or filemail://relative/dir (relative to the project).
    _parts = urlsplit(env.str("EMAIL_URL"))
    if not (_parts.netloc + _parts.path).strip("/"):
        raise ImproperlyConfigured(
            "EMAIL_URL: filemail:// needs a directory, e.g. filemail://var/mail"
        )
    EMAIL_FILE_PATH = BASE_DIR / (_parts.netloc + _parts.path)
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="comunicazione@comune.esempio.it")

# --- Celery -------------------------------------------------------------------------------
# See README "Publishing reliability": the database is the truth, broker messages are
# wake-ups that may be lost or repeated.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu polls the folder, one message per poll: the default 1 s caps each worker at
        # one task per second, behind beat's own ticks (see docs/publishing.md).
        "polling_interval": 0.1,
    }
    # Message files appear whole (written aside, then renamed): see apps/publishing/broker.py.
    CELERY_BROKER_TRANSPORT = "apps.publishing.broker:Transport"
elif CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Soft limit above the adapters' HTTP timeouts (30 s at most); the sweeper never judges a send
# dead before the hard limit (+2 s), see publishing.services.sending_timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env.float("PA_PLANNER_CELERY_SOFT_TIME_LIMIT", default=60.0)
CELERY_TASK_TIME_LIMIT = env.float("PA_PLANNER_CELERY_TIME_LIMIT", default=90.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = False
# Two queues besides the default, so that beat's own ticks never wait behind a burst of sends
# (in one queue, 16 dispatch ticks expired and sweeps ran 44-103 s apart during a burst). README
# "Workers" gives the command line of each kind of worker. PA_PLANNER_CELERY_QUEUE names the
# default queue and prefixes the others, so parallel test runs on one Redis never share a queue.
_QUEUE_PREFIX = env.str("PA_PLANNER_CELERY_QUEUE", default="")
CELERY_TASK_DEFAULT_QUEUE = _QUEUE_PREFIX or "celery"  # e-mails and other light jobs
PUBLISHING_SCHEDULING_QUEUE = f"{_QUEUE_PREFIX}-scheduling" if _QUEUE_PREFIX else "scheduling"
PUBLISHING_SENDS_QUEUE = f"{_QUEUE_PREFIX}-sends" if _QUEUE_PREFIX else "sends"
# Renditions take about half a second of CPU per image: never in the way of sends or ticks.
MEDIA_QUEUE = f"{_QUEUE_PREFIX}-media" if _QUEUE_PREFIX else "media"
CELERY_TASK_ROUTES = {
    "publishing.send_batch": {"queue": PUBLISHING_SENDS_QUEUE},
    "publishing.send_delivery": {"queue": PUBLISHING_SENDS_QUEUE},
    # An approved correction calls the channels, as a send does.
    "publishing.push_correction": {"queue": PUBLISHING_SENDS_QUEUE},
    "publishing.dispatch_due": {"queue": PUBLISHING_SCHEDULING_QUEUE},
    "publishing.sweep_stuck": {"queue": PUBLISHING_SCHEDULING_QUEUE},
    "slots.send_empty_slot_reminders": {"queue": PUBLISHING_SCHEDULING_QUEUE},
    "newsletter.purge_unconfirmed": {"queue": PUBLISHING_SCHEDULING_QUEUE},
    "media_library.make_renditions": {"queue": MEDIA_QUEUE},
    "insights.collect_due": {"queue": PUBLISHING_SCHEDULING_QUEUE},
}
# Every second: a post waits at most a second for its tick (p50 3.1 s, max 8.6 s at 5 s); an
# idle tick is one indexed query.
PUBLISHING_DISPATCH_INTERVAL = env.float("PA_PLANNER_DISPATCH_INTERVAL", default=1.0)
PUBLISHING_SWEEP_INTERVAL = env.float("PA_PLANNER_SWEEP_INTERVAL", default=10.0)
# Insights: one tick a minute reads at most a batch of due figures (docs/insights.md).
INSIGHTS_COLLECT_INTERVAL = env.float("PA_PLANNER_INSIGHTS_INTERVAL", default=60.0)
INSIGHTS_BATCH = env.int("PA_PLANNER_INSIGHTS_BATCH", default=60)
# Links in posts go through the Comune's own redirect (/l/<code>), counted per day, and get
# UTM parameters: each only when the administrator turns it on.
LINK_TRACKING = env_bool("PA_PLANNER_LINK_TRACKING", False)
LINK_UTM = env_bool("PA_PLANNER_LINK_UTM", False)
# The one beat schedule: every periodic job, each calling one service through a thin task.
CELERY_BEAT_SCHEDULE = {
    # Finds due deliveries in the database and wakes a worker for each one.
    "publishing.dispatch_due": {
        "task": "publishing.dispatch_due",
        "schedule": timedelta(seconds=PUBLISHING_DISPATCH_INTERVAL),
        # A tick still queued after a few intervals is stale: the next one does its work.
        "options": {"expires": max(3 * PUBLISHING_DISPATCH_INTERVAL, 5.0)},
    },
    # Deliveries left in flight by a lost message or a crashed worker.
    "publishing.sweep_stuck": {
        "task": "publishing.sweep_stuck",
        "schedule": timedelta(seconds=PUBLISHING_SWEEP_INTERVAL),
        "options": {"expires": max(3 * PUBLISHING_SWEEP_INTERVAL, 5.0)},
    },
    # Tokens that lapse soon are refreshed (X's live two hours), well before they do.
    "channels.refresh_connections": {
        "task": "channels.refresh_connections",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # Warns the administrators 14, 3 and 1 days before a token that cannot be refreshed lapses.
    "channels.warn_expiring_connections": {
        "task": "channels.warn_expiring_connections",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    # Each slot owner hears about the empty occurrences due soon.
    "slots.send_empty_slot_reminders": {
        "task": "slots.send_empty_slot_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Notification emails that waited (quiet hours, daily digest) leave when due.
    "notifications.send_due_emails": {
        "task": "notifications.send_due_emails",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Sign-ups never confirmed are deleted after 30 days (data minimisation, GDPR art. 5).
    "newsletter.purge_unconfirmed": {
        "task": "newsletter.purge_unconfirmed",
        "schedule": crontab(hour=3, minute=30),
    },
    # Insights (apps/insights/collecting.py): sent deliveries' figures at +1 h, +24 h, +7 d,
    # +30 d, a batch per tick; followers and newsletter subscribers once a day.
    "insights.collect_due": {
        "task": "insights.collect_due",
        "schedule": timedelta(seconds=INSIGHTS_COLLECT_INTERVAL),
        "options": {"expires": max(INSIGHTS_COLLECT_INTERVAL, 5.0)},
    },
    "insights.collect_account_figures": {
        "task": "insights.collect_account_figures",
        "schedule": crontab(hour=4, minute=10),
    },
}
# Citizens' conversations (apps/inbox): polled channels, overdue emails, retention.
INBOX_POLL_SECONDS = env.float("PA_PLANNER_INBOX_POLL_SECONDS", default=60.0)
# Meta's webhook subscription check (hub.verify_token); deliveries are signed with the Meta
# app secret (PA_PLANNER_META_CLIENT_SECRET).
INBOX_META_VERIFY_TOKEN = env.str("PA_PLANNER_META_WEBHOOK_VERIFY_TOKEN", default="")
# Newsletter replies: the newsletter's Reply-To, and the shared secret signing the mail
# provider's inbound webhook (docs/inbox.md); empty: the webhook refuses everything.
NEWSLETTER_REPLY_TO = env.str("PA_PLANNER_NEWSLETTER_REPLY_TO", default="")
INBOX_EMAIL_WEBHOOK_SECRET = env.str("PA_PLANNER_INBOX_EMAIL_WEBHOOK_SECRET", default="")
# LinkedIn comments are read post by post: on the posts sent in the last N days.
INBOX_LINKEDIN_DAYS = env.int("PA_PLANNER_INBOX_LINKEDIN_DAYS", default=30)
# ...and at most every N seconds (one request per post: LinkedIn's quotas are per day).
INBOX_LINKEDIN_POLL_SECONDS = env.float("PA_PLANNER_INBOX_LINKEDIN_POLL_SECONDS", default=900.0)
# Beat's inbox ticks beside the others; the collections (a wait on each network) on the
# default queue, which the sends worker's threads consume.
CELERY_TASK_ROUTES.update(
    {
        "inbox.collect_due": {"queue": PUBLISHING_SCHEDULING_QUEUE},
        "inbox.notify_overdue": {"queue": PUBLISHING_SCHEDULING_QUEUE},
        "inbox.apply_retention": {"queue": PUBLISHING_SCHEDULING_QUEUE},
    }
)
CELERY_BEAT_SCHEDULE.update(
    {
        "inbox.collect_due": {
            "task": "inbox.collect_due",
            "schedule": timedelta(seconds=INBOX_POLL_SECONDS),
            "options": {"expires": max(INBOX_POLL_SECONDS, 5.0)},
        },
        "inbox.notify_overdue": {
            "task": "inbox.notify_overdue",
            "schedule": timedelta(minutes=15),
            "options": {"expires": 600},
        },
        "inbox.apply_retention": {
            "task": "inbox.apply_retention",
            "schedule": crontab(hour=3, minute=45),
        },
    }
)
# Outgoing event webhooks (apps/webhooks, docs/webhooks.md): a tick reads the audit log and
# sends what is due; each delivery retried with backoff; a webhook failing this many attempts
# in a row is disabled and the administrators are told.
WEBHOOKS_TICK_SECONDS = env.float("PA_PLANNER_WEBHOOK_TICK", default=5.0)
WEBHOOKS_RETRY_BASE_SECONDS = env.float("PA_PLANNER_WEBHOOK_RETRY_BASE", default=30.0)
WEBHOOKS_RETRY_MAX_SECONDS = env.float("PA_PLANNER_WEBHOOK_RETRY_MAX", default=3600.0)
WEBHOOKS_MAX_ATTEMPTS = env.int("PA_PLANNER_WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOKS_DISABLE_AFTER = env.int("PA_PLANNER_WEBHOOK_DISABLE_AFTER", default=20)
WEBHOOKS_KEEP_DAYS = env.int("PA_PLANNER_WEBHOOK_KEEP_DAYS", default=90)
CELERY_TASK_ROUTES["webhooks.tick"] = {"queue": PUBLISHING_SCHEDULING_QUEUE}
CELERY_BEAT_SCHEDULE["webhooks.tick"] = {
    "task": "webhooks.tick",
    "schedule": timedelta(seconds=WEBHOOKS_TICK_SECONDS),
    "options": {"expires": max(WEBHOOKS_TICK_SECONDS, 5.0)},
}
CELERY_BEAT_SCHEDULE["webhooks.purge_old"] = {
    "task": "webhooks.purge_old",
    "schedule": crontab(hour=3, minute=50),
}
# Publishing engine (docs/publishing.md): retries, and when the sweeper judges a row stuck.
PUBLISHING_MAX_ATTEMPTS = env.int("PA_PLANNER_PUBLISH_MAX_ATTEMPTS", default=5)
PUBLISHING_RETRY_BASE_SECONDS = env.float("PA_PLANNER_PUBLISH_RETRY_BASE", default=30.0)
PUBLISHING_RETRY_MAX_SECONDS = env.float("PA_PLANNER_PUBLISH_RETRY_MAX", default=3600.0)
# Each dispatcher tick claims up to ROUNDS batches, each in its own short transaction. With
# 100 a burst of 3,000 waited for a second tick and for the dispatcher's share of the CPU:
# "due -> queued" 7-8 s at p99 against 2 s with 250 (bench/bench_publishing.py --n 3000).
PUBLISHING_CLAIM_BATCH = env.int("PA_PLANNER_PUBLISH_CLAIM_BATCH", default=250)
PUBLISHING_CLAIM_ROUNDS = 20
# Deliveries per send message: claimed together, their channels called at once (one thread
# each), their successes recorded together. A batch's claim and record cost about the same
# statements for 50 rows as for 20 (bench/bench_publishing.py: PostgreSQL's CPU per delivery
# 0.74 ms at 20, 0.45 ms at 50; README, "How many for N channels").
PUBLISHING_SEND_BATCH = env.int("PA_PLANNER_PUBLISH_SEND_BATCH", default=50)
# A queued row whose broker message was lost goes back to waiting after this long.
PUBLISHING_QUEUED_TIMEOUT = env.float("PA_PLANNER_PUBLISH_QUEUED_TIMEOUT", default=120.0)
# A row still "sending" after the hard time limit belongs to a dead worker.
PUBLISHING_SENDING_TIMEOUT = env.float(
    "PA_PLANNER_PUBLISH_SENDING_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 30.0
)
# A send in flight holds a lease its process renews every third of it; the sweeper takes
# back a "sending" row only once the lease ran out (its process is gone). publishing/leases.py
PUBLISHING_SEND_LEASE_SECONDS = env.float("PA_PLANNER_PUBLISH_SEND_LEASE", default=30.0)
SLOT_REMINDER_DAYS = env.int("PA_PLANNER_SLOT_REMINDER_DAYS", default=3)
CANCELLED_EVENT_RETENTION_DAYS = env.int("PA_PLANNER_CANCELLED_EVENT_DAYS", default=30)

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # read by nothing: htmx takes the token from a meta tag
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

VIDEOJS_YOUTUBE_STYLE_HASH = "'sha256-2irhcufRPQSZQZlPcQHSTEybF70/fg05aUNPkk/YE0Y='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Plus one hash: the Bootstrap Italia bundle's video.js YouTube plugin inserts this
        # exact <style> on every page, with no option to stop it (tests/security pins it to
        # the vendored bundle). video.js's other <style> is switched off in static/js/boot.js.
        "style-src": ["'self'", VIDEOJS_YOUTUBE_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
