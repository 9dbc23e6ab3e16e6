"""A WordPress site with the Designers Italia Comuni theme, through its REST API
(``/wp-json/wp/v2/``), as the WordPress channel uses it.

- Auth: application passwords over Basic auth (``Authorization: Basic base64(user:password)``;
  WordPress ignores the spaces of the password). An unknown user answers 401
  ``invalid_username``, a wrong password 401 ``incorrect_password``; no credentials on a
  write, 401 ``rest_cannot_create``; a user without the right (``can_publish = False``),
  403 ``rest_cannot_create``.
- ``POST /media`` takes the file as the body with ``Content-Disposition: attachment;
  filename=…`` (400 ``rest_upload_no_content_disposition`` without it); ``POST /media/<id>``
  sets ``alt_text`` and ``caption``.
- Terms of ``argomenti`` and ``tipi_notizia`` (the theme's three types already there): listed by
  ``?slug=``, created with ``{"name", "slug"}``, a duplicate is 400 ``term_exists`` with the
  existing ``term_id``.
- ``unita_organizzativa``: the site's offices, searched with ``?search=``.
- ``notizia``: created (``POST``), read, listed by ``meta_key``/``meta_value`` (the companion
  snippet the docs describe), moved to the bin by ``DELETE`` (410 ``rest_already_trashed`` the
  second time). Updated as WordPress's ``WP_REST_Posts_Controller::update_item`` does:
  ``POST``, ``PUT`` or ``PATCH /notizia/<id>``, only the fields sent change (each meta key on
  its own: a key not sent keeps its value), the status too only when sent; 404
  ``rest_post_invalid_id`` for an unknown id; 401 ``rest_cannot_edit`` without credentials,
  403 ``rest_cannot_edit`` for a user who may not edit; the same ``rest_invalid_param``
  checks as a creation. ``updates`` counts the updates each Notizia took. Invalid fields answer 400
  ``rest_invalid_param`` with ``data.params`` as WordPress does: a description over 255
  characters, an unknown term id, an empty title.
- Errors are ``{"code", "message", "data": {"status"}}``; rate limits (a host's WAF: WordPress
  has none of its own) are 429 with ``Retry-After``; ``answer_delay`` slows every answer.
"""

import base64
import re
from urllib.parse import unquote

from .base import ChannelServer, RecordedRequest, Reply

API = "/wp-json/wp/v2"
USERNAME = "redazione"
SUMMARY_META = "_dci_notizia_descrizione_breve"
SUMMARY_MAX = 255
TAXONOMIES = ("argomenti", "tipi_notizia")
NEWS_TYPES = (
    ("comunicato-stampa", "Comunicato stampa"),
    ("avviso", "Avviso"),
    ("notizia", "Notizia"),
)
OFFICES = ("Ufficio comunicazione", "Ufficio Lavori pubblici", "Servizi demografici")
UPDATE_METHODS = ("POST", "PUT", "PATCH")
ITEM = re.compile(rf"^{API}/notizia/(\d+)$")
MEDIA_ITEM = re.compile(rf"^{API}/media/(\d+)$")


def _error(status: int, code: str, message: str, **data) -> Reply:
    return Reply(status, {"code": code, "message": message, "data": {"status": status, **data}})


class WordPressServer(ChannelServer):
    kind = "wordpress"
    default_token = "abcd EFGH 1234 ijkl MNOP 5678"  # as WordPress shows it, with spaces

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.can_publish = True
        self.updates: dict[int, int] = {}
        self.media: dict[int, dict] = {}
        self.terms: dict[str, list[dict]] = {taxonomy: [] for taxonomy in TAXONOMIES}
        self._term_ids = iter(range(100, 10_000))
        for slug, name in NEWS_TYPES:
            self._add_term("tipi_notizia", name, slug)
        self.offices = [
            {"id": 500 + n, "title": {"rendered": name.replace("'", "&#8217;")}}
            for n, name in enumerate(OFFICES)
        ]

    @property
    def config(self):
        return {"base_url": self.base_url, "username": USERNAME, "read_timeout": 3}

    def server_error(self):
        return _error(500, "internal_server_error", "There has been a critical error.")

    def rate_limited(self, retry_after):
        return Reply(
            429,
            {"code": "too_many_requests", "message": "Too Many Requests", "data": {"status": 429}},
            {"Retry-After": str(int(retry_after))},
        )

    def notizia(self, item_id) -> dict | None:
        return self.item(item_id)

    # --- auth ---------------------------------------------------------------------------

    def _auth(self, request: RecordedRequest) -> Reply | None | bool:
        """None: authenticated; False: no credentials; a Reply: refused."""
        header = request.header("authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return _error(401, "invalid_username", "Unknown username.")
        if user != USERNAME:
            return _error(401, "invalid_username", "Unknown username. Check again.")
        if password.replace(" ", "") != self.token.replace(" ", ""):
            return _error(
                401,
                "incorrect_password",
                "The provided password is an invalid application password.",
            )
        return None

    # --- routes -------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        refused = self._auth(request)
        if isinstance(refused, Reply):
            return refused
        path = request.path.rstrip("/")
        if request.method != "GET" and (refused is False or not self.can_publish):
            status = 401 if refused is False else 403
            if ITEM.match(path) and request.method in UPDATE_METHODS:
                return _error(
                    status, "rest_cannot_edit", "Sorry, you are not allowed to edit this post."
                )
            return _error(status, "rest_cannot_create", "Sorry, you are not allowed to do that.")
        if request.method == "GET" and path == f"{API}/users/me":
            if refused is False:
                return _error(401, "rest_not_logged_in", "You are not currently logged in.")
            return Reply(200, {"id": 2, "name": "Redazione del Comune", "slug": USERNAME})
        if path == f"{API}/media" and request.method == "POST":
            return self._upload(request)
        if (match := MEDIA_ITEM.match(path)) and request.method == "POST":
            return self._media_update(int(match.group(1)), request)
        for taxonomy in TAXONOMIES:
            if path == f"{API}/{taxonomy}":
                return self._terms(taxonomy, request)
        if path == f"{API}/unita_organizzativa" and request.method == "GET":
            wanted = (request.field("search") or "").casefold()
            return Reply(
                200, [o for o in self.offices if wanted in o["title"]["rendered"].casefold()]
            )
        if path == f"{API}/notizia":
            if request.method == "POST":
                return self._save(None, request)
            if request.method == "GET":
                return self._list(request)
        if match := ITEM.match(path):
            item_id = int(match.group(1))
            if request.method in UPDATE_METHODS:
                return self._save(item_id, request)
            if request.method == "DELETE":
                return self._trash(item_id)
            if request.method == "GET":
                item = self.item(item_id)
                return Reply(200, item["post"]) if item else self._no_post()
        return _error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _no_post(self) -> Reply:
        return _error(404, "rest_post_invalid_id", "Invalid post ID.")

    def _upload(self, request: RecordedRequest) -> Reply:
        disposition = request.header("content-disposition") or ""
        match = re.search(r'filename="?([^";]+)"?', disposition)
        if not match:
            return _error(
                400, "rest_upload_no_content_disposition", "No Content-Disposition supplied."
            )
        if not request.body:
            return _error(400, "rest_upload_no_data", "No data supplied.")
        media_id = self.next_id()
        media = {
            "id": media_id,
            "source_url": f"{self.base_url}/wp-content/uploads/{unquote(match.group(1))}",
            "mime_type": request.header("content-type") or "",
            "alt_text": "",
            "caption": {"raw": "", "rendered": ""},
            "size": len(request.body),
        }
        self.media[media_id] = media
        return Reply(201, media)

    def _media_update(self, media_id: int, request: RecordedRequest) -> Reply:
        media = self.media.get(media_id)
        if media is None:
            return _error(404, "rest_post_invalid_id", "Invalid post ID.")
        data = request.json if isinstance(request.json, dict) else {}
        if "alt_text" in data:
            media["alt_text"] = str(data["alt_text"])
        if "caption" in data:
            media["caption"] = {"raw": str(data["caption"]), "rendered": str(data["caption"])}
        return Reply(200, media)

    def _add_term(self, taxonomy: str, name: str, slug: str) -> dict:
        term = {"id": next(self._term_ids), "name": name, "slug": slug, "taxonomy": taxonomy}
        self.terms[taxonomy].append(term)
        return term

    def _terms(self, taxonomy: str, request: RecordedRequest) -> Reply:
        if request.method == "GET":
            slug = request.field("slug")
            terms = self.terms[taxonomy]
            return Reply(200, [t for t in terms if slug is None or t["slug"] == slug])
        if request.method != "POST":
            return _error(404, "rest_no_route", "No route was found.")
        data = request.json if isinstance(request.json, dict) else {}
        name = str(data.get("name") or "").strip()
        if not name:
            return _error(400, "rest_missing_callback_param", "Missing parameter(s): name")
        slug = str(data.get("slug") or name.lower().replace(" ", "-"))
        existing = next((t for t in self.terms[taxonomy] if t["slug"] == slug), None)
        if existing is not None:
            return _error(
                400,
                "term_exists",
                "A term with the name provided already exists with this parent.",
                term_id=existing["id"],
            )
        return Reply(201, self._add_term(taxonomy, name, slug))

    def _invalid(self, data: dict) -> Reply | None:
        params = {}
        if not str(data.get("title") or "").strip():
            params["title"] = "Title is required."
        summary = (data.get("meta") or {}).get(SUMMARY_META, "")
        if len(str(summary)) > SUMMARY_MAX:
            params["meta"] = f"meta.{SUMMARY_META} must be at most {SUMMARY_MAX} characters long."
        for taxonomy in TAXONOMIES:
            known = {t["id"] for t in self.terms[taxonomy]}
            ids = data.get(taxonomy) or []
            if not isinstance(ids, list) or any(i not in known for i in ids):
                params[taxonomy] = f"{taxonomy} is not a valid list of term ids."
        if data.get("featured_media") and data["featured_media"] not in self.media:
            params["featured_media"] = "Invalid featured media ID."
        if params:
            return _error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): " + ", ".join(params),
                params=params,
            )
        return None

    def _save(self, item_id: int | None, request: RecordedRequest) -> Reply:
        data = request.json if isinstance(request.json, dict) else {}
        existing = self.item(item_id) if item_id is not None else None
        if item_id is not None and existing is None:
            return self._no_post()
        sent = existing["post"]["sent"] if existing else {}
        merged = {**sent, **data}
        if existing and isinstance(data.get("meta"), dict):
            # WordPress updates each registered meta key sent and leaves the others alone.
            merged["meta"] = {**(sent.get("meta") or {}), **data["meta"]}
        if invalid := self._invalid(merged):
            return invalid
        post_id = item_id or self.next_id()
        post = {
            "id": post_id,
            "type": "notizia",
            "status": merged.get("status", "draft"),
            "link": f"{self.base_url}/novita/notizia-{post_id}/",
            "title": {"raw": merged["title"], "rendered": merged["title"]},
            "content": {"raw": merged.get("content", ""), "rendered": merged.get("content", "")},
            "featured_media": merged.get("featured_media", 0),
            "argomenti": merged.get("argomenti", []),
            "tipi_notizia": merged.get("tipi_notizia", []),
            "meta": merged.get("meta", {}),
            "sent": merged,
        }
        if existing:
            if existing["post"]["status"] == "trash" and "status" not in data:
                post["status"] = "trash"  # merged status is the one sent at creation
            existing.update({"post": post, "text": post["content"]["raw"]})
            self.updates[post_id] = self.updates.get(post_id, 0) + 1
            return Reply(200, post)
        self.items.append({"id": post_id, "text": post["content"]["raw"], "post": post})
        return Reply(201, post)

    def _list(self, request: RecordedRequest) -> Reply:
        key, value = request.field("meta_key"), request.field("meta_value")
        status = request.field("status") or "publish"
        found = [
            item["post"]
            for item in self.items
            if (status == "any" or item["post"]["status"] == status)
            and (key is None or item["post"]["meta"].get(key) == value)
        ]
        return Reply(200, found)

    def _trash(self, item_id: int) -> Reply:
        item = self.item(item_id)
        if item is None:
            return self._no_post()
        if item["post"]["status"] == "trash":
            return _error(410, "rest_already_trashed", "The post has already been deleted.")
        item["post"]["status"] = "trash"
        return Reply(200, item["post"])
