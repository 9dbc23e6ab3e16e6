import html
import re

_LINK = re.compile(r'id="provider-login" href="([^"]+)"')
_REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


def login_url(response) -> str:
    """Where "Collega" sends the person: the provider's login page, named by the page's
    immediate refresh and by its link (the same address)."""
    assert response.status_code == 200, response
    body = response.content.decode()
    link = html.unescape(_LINK.search(body).group(1))
    assert html.unescape(_REFRESH.search(body).group(1)) == link
    return link
