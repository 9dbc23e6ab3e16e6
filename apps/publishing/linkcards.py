"""Link cards: the title, description and site a network draws under a post with a link, read
from the page's Open Graph tags, for the editor's and the review's previews.

The URL is typed by staff but the page behind it is anyone's, so the fetch is guarded like
every address the server calls (``channels.addresses.resolve_public`` through
``adapters._http.PinnedTransport``): only http(s); each host resolved once, refused when any of
its addresses is private, loopback, link-local or reserved, and connected to at that very
address; redirects followed by hand, at most ``MAX_REDIRECTS``, each one checked again; 5
seconds in all; only ``text/html``; at most ``MAX_BYTES`` read, in a stream. The page is parsed
with ``html.parser`` (linear in its length) up to ``</head>``.

Fetching happens in a worker (``tasks.fetch_link_card``); pages only read the cache
(:func:`cached_card`), so a slow site never holds a page.
"""

import hashlib
import logging
import time
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
from django.utils import timezone

from .adapters._http import PinnedTransport, _tls_context
from .adapters.base import ConfigurationError
from .models import LinkCard

logger = logging.getLogger(__name__)

TOTAL_SECONDS = 5.0
MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
FRESH_FOR = timedelta(hours=24)
RETRY_ERRORS_AFTER = timedelta(hours=1)
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "PA-Planner/1.0 (anteprima dei link)"


class CardRefused(Exception):
    """The page gives no card; the message says why (kept with the cache row)."""


# --- Parsing ----------------------------------------------------------------------------------

_WANTED = {
    "og:title": "title",
    "og:description": "description",
    "og:site_name": "site_name",
    "og:image": "image_url",
    "og:image:url": "image_url",
    "og:image:secure_url": "image_url",
    "twitter:title": "title",
    "twitter:description": "description",
    "twitter:image": "image_url",
    "description": "description",
}
# og:* wins over twitter:* and the plain description, whatever their order in the page.
_RANK = {"og": 0, "twitter": 1, "description": 2}
LIMITS = {"title": 300, "description": 500, "site_name": 200, "image_url": 1000}


class _OpenGraph(HTMLParser):
    """Collects the tags above and ``<title>``; ignores everything after ``</head>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, tuple[int, str]] = {}
        self.page_title: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "body":
            self.done = True
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs if k}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            name = _WANTED.get(key)
            content = " ".join(values.get("content", "").split())
            if name and content:
                rank = _RANK[key.split(":", 1)[0]]
                if name not in self.found or rank < self.found[name][0]:
                    self.found[name] = (rank, content)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data):
        if self._in_title and not self.done and len(self.page_title) < 100:
            self.page_title.append(data)


def parse(html: str, *, base_url: str) -> dict:
    """The card's fields from a page's HTML (empty strings where the page has none)."""
    parser = _OpenGraph()
    for start in range(0, len(html), 65536):  # stops reading at </head> or <body>
        parser.feed(html[start : start + 65536])
        if parser.done:
            break
    card = {name: value for name, (_rank, value) in parser.found.items()}
    if not card.get("title"):
        card["title"] = " ".join("".join(parser.page_title).split())
    image = card.get("image_url", "")
    if image:
        image = urljoin(base_url, image)
        card["image_url"] = image if urlsplit(image).scheme in ("http", "https") else ""
    return {name: (card.get(name) or "")[:limit] for name, limit in LIMITS.items()}


# --- Fetching ---------------------------------------------------------------------------------


def _checked(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CardRefused("indirizzo non http(s)")
    if parts.username or parts.password:
        raise CardRefused("indirizzo con credenziali")
    return url


def _client() -> httpx.Client:
    return httpx.Client(
        transport=PinnedTransport(verify=_tls_context()),
        verify=_tls_context(),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
    )


def _read(response: httpx.Response, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise CardRefused("pagina troppo grande")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            raise CardRefused("pagina troppo grande")
        if time.monotonic() > deadline:
            raise CardRefused("pagina troppo lenta")
    return bytes(body)


def fetch_page(url: str) -> tuple[str, str]:
    """(final URL, HTML) of ``url``, or :class:`CardRefused`."""
    deadline = time.monotonic() + TOTAL_SECONDS
    url = _checked(url)
    with _client() as client:
        for _hop in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CardRefused("pagina troppo lenta")
            try:
                with client.stream("GET", url, timeout=httpx.Timeout(remaining)) as response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        url = _checked(urljoin(url, location))
                        continue
                    if response.status_code != 200:
                        raise CardRefused(f"risposta HTTP {response.status_code}")
                    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
                    if kind.lower() not in HTML_TYPES:
                        raise CardRefused("non è una pagina HTML")
                    body = _read(response, deadline)
                    encoding = response.charset_encoding or "utf-8"
                    try:
                        return url, body.decode(encoding, errors="replace")
                    except LookupError:
                        return url, body.decode("utf-8", errors="replace")
            except ConfigurationError as exc:  # a private address, from the pinned transport
                raise CardRefused(str(exc)[:200]) from None
            except httpx.TimeoutException:
                raise CardRefused("pagina troppo lenta") from None
            except httpx.HTTPError as exc:
                raise CardRefused(f"connessione non riuscita ({type(exc).__name__})") from None
    raise CardRefused("troppi reindirizzamenti")


# --- The cache --------------------------------------------------------------------------------


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def cached_card(url: str) -> LinkCard | None:
    """The stored card of ``url`` (fresh or not), without touching the network."""
    return LinkCard.objects.filter(url_hash=url_hash(url)).first()


def needs_fetch(card: LinkCard | None, *, now=None) -> bool:
    now = now or timezone.now()
    if card is None:
        return True
    return card.fetched_at < now - (RETRY_ERRORS_AFTER if card.error else FRESH_FOR)


def refresh(url: str) -> LinkCard:
    """Fetches ``url`` now and stores what it gives (or why it gives nothing)."""
    try:
        final_url, html = fetch_page(url)
        fields = {**parse(html, base_url=final_url), "error": ""}
    except CardRefused as exc:
        logger.info("link card for %s refused: %s", url[:200], exc)
        fields = {**dict.fromkeys(LIMITS, ""), "error": str(exc)[:300]}
    card, _created = LinkCard.objects.update_or_create(
        url_hash=url_hash(url), defaults={"url": url, "fetched_at": timezone.now(), **fields}
    )
    return card
