"""Sito comunale (WordPress): a *Notizia* of the Designers Italia Comuni theme
(``italia/design-comuni-wordpress-theme``) through the WordPress REST API.

Config: ``base_url`` (the site, ``https://www.comune.example.it``), ``username`` (the WordPress
user the application password belongs to), optional ``post_type`` (the REST base of the news
type, default ``notizia``). Secret: the application password (Basic auth, so https only: a
plain-http address is accepted only for a server on this machine, as the tests' fake).

What is sent, in this order (``docs/channels.md`` lists what we assumed of the site):

1. the first image, uploaded to ``POST /wp/v2/media`` (the file as the body), then its alt text
   and credit (as caption) set with ``POST /wp/v2/media/<id>``;
2. each topic as a term of the theme's ``argomenti`` taxonomy, reused by slug
   (``GET /wp/v2/argomenti?slug=``) or created (``POST /wp/v2/argomenti``); the news type as a
   term of ``tipi_notizia`` (``comunicato-stampa``, ``avviso``, ``notizia``);
3. the office (*a cura di*) as the ``unita_organizzativa`` whose title is the office's name
   (``GET /wp/v2/unita_organizzativa?search=``): the theme links a Notizia to offices, not to
   a free text, so an office missing on the site stops the send with a clear error;
4. the Notizia, ``POST /wp/v2/<post_type>``: title, content, the terms, ``featured_media``,
   and the theme's meta (``_dci_notizia_descrizione_breve``, ``_dci_notizia_testo_completo``,
   ``_dci_notizia_a_cura_di``, ``_dci_notizia_immagine``) plus ``pa_planner_delivery_key``:
   the delivery's idempotency key.

Reconciling (``find_existing``) reads that key back
(``GET /wp/v2/<post_type>?meta_key=pa_planner_delivery_key&meta_value=<key>&status=any``):
after a lost answer the engine asks before sending again, so a resend finds the Notizia the
lost request created instead of creating a second one.
Updating (an approved correction, ``publishing.corrections``) is ``POST
/wp/v2/<post_type>/<id>`` with the same fields, the image only when it changed.
Withdrawing ("elimina ciò che è uscito" in a crisis) moves it to the bin
(``DELETE /wp/v2/<post_type>/<id>`` without ``force``), where the site's editors can still
restore it.
"""

import base64
import html
from urllib.parse import urlsplit

from django.utils.html import linebreaks
from django.utils.text import slugify

from ._http import client_for, image_bytes, json_or_empty, raise_for_status, require, send
from .base import (
    Adapter,
    ConfigurationError,
    ImagePayload,
    PermanentError,
    PublishRequest,
    PublishResult,
)

API = "/wp-json/wp/v2"
DEFAULT_POST_TYPE = "notizia"
TOPICS_TAXONOMY = "argomenti"
TYPES_TAXONOMY = "tipi_notizia"
OFFICES_TYPE = "unita_organizzativa"
KEY_META = "pa_planner_delivery_key"
# The theme's terms of ``tipi_notizia`` for our NewsType values.
TYPE_SLUGS = {
    "comunicato_stampa": "comunicato-stampa",
    "avviso": "avviso",
    "notizia": "notizia",
}
TYPE_NAMES = {"comunicato-stampa": "Comunicato stampa", "avviso": "Avviso", "notizia": "Notizia"}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
OFFICE_SEARCH_PAGE = 20


def _message(response) -> str:
    """WordPress's error body: ``{"code": "rest_cannot_create", "message": "…", "data": …}``."""
    body = json_or_empty(response)
    code, message = str(body.get("code") or ""), str(body.get("message") or "")
    return f"{code}: {message}" if code and message else code or message


def _basic(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def body_html(text: str, link: str = "") -> str:
    """The Notizia's body: the text escaped, its paragraphs and line breaks kept, and the
    post's link at the end when the text does not carry it already."""
    body = linebreaks(text or "", autoescape=True)
    if link and link not in (text or ""):
        safe = html.escape(link, quote=True)
        body += f'\n\n<p><a href="{safe}">{safe}</a></p>'
    return body


class WordPressAdapter(Adapter):
    kind = "wordpress"
    can_reconcile = True
    supports_delete = True
    supports_verify = True

    # --- the connection ---------------------------------------------------------------

    def _client(self, config: dict, secret: str):
        base_url = require(config, "base_url", self.kind).rstrip("/")
        username = require(config, "username", self.kind)
        if not secret:
            raise ConfigurationError(f"{self.kind}: credenziale non impostata per il canale")
        parts = urlsplit(base_url)
        if parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK_HOSTS:
            # The application password travels in every request (Basic auth).
            raise ConfigurationError(f"{self.kind}: l'indirizzo del sito deve usare https")
        return client_for(
            config,
            base_url=base_url,
            headers={"Authorization": _basic(username, secret.replace(" ", ""))},
            pinned=True,
        )

    def _path(self, config: dict, suffix: str = "") -> str:
        post_type = str(config.get("post_type") or DEFAULT_POST_TYPE).strip("/")
        return f"{API}/{post_type}{suffix}"

    def _call(self, client, secret: str, method: str, path: str, *, creates=False, **kwargs):
        response = send(
            client, method, path, secret=secret, kind=self.kind, may_duplicate=creates, **kwargs
        )
        raise_for_status(response, secret=secret, kind=self.kind, message_of=_message)
        return response

    # --- publishing -------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        client = self._client(request.config, request.secret)
        data = self._fields(client, request)
        data["status"] = "publish"
        data["meta"][KEY_META] = request.idempotency_key
        response = self._call(
            client, request.secret, "POST", self._path(request.config), creates=True, json=data
        )
        return self._result(response.json())

    def update(self, *, external_id: str, request: PublishRequest) -> PublishResult:
        """An approved correction: ``POST /wp/v2/<post_type>/<id>`` with the title, the body,
        the terms and the theme's meta (the featured image only when the request carries
        images). Every field is replaced, so sending it twice leaves the Notizia as once; its
        status and delivery key are left alone (a Notizia in the bin stays there)."""
        if not str(external_id).isdigit():
            raise PermanentError(f"{self.kind}: id della notizia non valido")
        client = self._client(request.config, request.secret)
        data = self._fields(client, request)
        response = self._call(
            client,
            request.secret,
            "POST",
            self._path(request.config, f"/{external_id}"),
            json=data,
        )
        return self._result(response.json())

    def _fields(self, client, request: PublishRequest) -> dict:
        """The Notizia's fields as the REST API takes them, the image uploaded first."""
        news = request.news or {}
        media = self._upload(client, request, request.images[0]) if request.images else None
        content = body_html(request.text, request.link)
        meta = {
            "_dci_notizia_descrizione_breve": news.get("summary", ""),
            "_dci_notizia_testo_completo": content,
            "_dci_notizia_a_cura_di": self._offices(client, request, news.get("office", "")),
        }
        data = {
            "title": request.title,
            "content": content,
            TOPICS_TAXONOMY: [
                self._term(client, request, TOPICS_TAXONOMY, name)
                for name in news.get("topics") or ()
            ],
            TYPES_TAXONOMY: self._type_terms(client, request, news.get("type", "")),
            "meta": meta,
        }
        if media is not None:
            data["featured_media"] = media["id"]
            meta["_dci_notizia_immagine"] = str(media.get("source_url") or "")
            meta["_dci_notizia_immagine_id"] = media["id"]
        return data

    def _result(self, item) -> PublishResult:
        if not isinstance(item, dict) or "id" not in item:
            raise PermanentError(f"{self.kind}: risposta inattesa del sito")
        return PublishResult(external_id=str(item["id"]), url=str(item.get("link") or ""))

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        """The Notizia carrying this delivery's key, in any state (the bin included), or None:
        the engine asks before sending again after a lost answer."""
        client = self._client(request.config, request.secret)
        response = self._call(
            client,
            request.secret,
            "GET",
            self._path(request.config),
            params={
                "meta_key": KEY_META,
                "meta_value": request.idempotency_key,
                "status": "any",
                "context": "edit",
            },
        )
        found = response.json()
        if not isinstance(found, list) or not found:
            return None
        return self._result(found[0])

    def _upload(self, client, request: PublishRequest, image: ImagePayload) -> dict:
        name = image.path.rsplit("/", 1)[-1] or "immagine.jpg"
        response = self._call(
            client,
            request.secret,
            "POST",
            f"{API}/media",
            content=image_bytes(image.path),
            headers={
                "Content-Type": image.content_type,
                "Content-Disposition": f'attachment; filename="{slugify(name) or "immagine"}"',
            },
        )
        media = json_or_empty(response)
        if "id" not in media:
            raise PermanentError(f"{self.kind}: risposta inattesa al caricamento dell'immagine")
        response = self._call(
            client,
            request.secret,
            "POST",
            f"{API}/media/{media['id']}",
            json={"alt_text": image.alt_text, "caption": image.credit},
        )
        return {**media, **json_or_empty(response)}

    def _term(self, client, request: PublishRequest, taxonomy: str, name: str) -> int:
        """The id of the term ``name`` of ``taxonomy``: the existing one with its slug, or a
        new one (a term created meanwhile by someone else is taken, not duplicated)."""
        slug = slugify(name) or "argomento"
        found = self._call(
            client, request.secret, "GET", f"{API}/{taxonomy}", params={"slug": slug}
        ).json()
        if isinstance(found, list) and found and "id" in found[0]:
            return int(found[0]["id"])
        response = send(
            client,
            "POST",
            f"{API}/{taxonomy}",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,  # a second try finds the term by its slug
            json={"name": name, "slug": slug},
        )
        body = json_or_empty(response)
        if response.status_code == 400 and body.get("code") == "term_exists":
            return int((body.get("data") or {}).get("term_id"))
        raise_for_status(response, secret=request.secret, kind=self.kind, message_of=_message)
        return int(body["id"])

    def _type_terms(self, client, request: PublishRequest, news_type: str) -> list[int]:
        slug = TYPE_SLUGS.get(news_type)
        if slug is None:
            return []
        return [self._term(client, request, TYPES_TAXONOMY, TYPE_NAMES[slug])]

    def _offices(self, client, request: PublishRequest, office: str) -> list[int]:
        office = " ".join((office or "").split())
        if not office:
            return []
        found = self._call(
            client,
            request.secret,
            "GET",
            f"{API}/{OFFICES_TYPE}",
            params={"search": office, "per_page": OFFICE_SEARCH_PAGE},
        ).json()
        wanted = office.casefold()
        for unit in found if isinstance(found, list) else []:
            title = (unit.get("title") or {}).get("rendered", "") if isinstance(unit, dict) else ""
            if " ".join(html.unescape(str(title)).split()).casefold() == wanted:
                return [int(unit["id"])]
        raise PermanentError(
            f"{self.kind}: l'ufficio «{office}» non è tra le unità organizzative del sito "
            "(a cura di): crealo sul sito o correggi il nome"
        )

    # --- the rest ---------------------------------------------------------------------

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        """To the bin (no ``force``): the site's editors can restore it."""
        client = self._client(config, secret)
        self._call(client, secret, "DELETE", self._path(config, f"/{external_id}"))

    def verify(self, *, config: dict, secret: str) -> str:
        client = self._client(config, secret)
        me = json_or_empty(
            self._call(client, secret, "GET", f"{API}/users/me", params={"context": "edit"})
        )
        return str(me.get("name") or me.get("slug") or "")
