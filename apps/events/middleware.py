"""Response headers the inner middleware gets wrong for the public feeds (issue 21)."""


class HttpSemanticsMiddleware:
    """Placed outside ``LocaleMiddleware`` and ``CommonMiddleware`` (before them in
    ``MIDDLEWARE``), so it sees their headers:

    - a 304 carries no ``Content-Length`` (CommonMiddleware writes ``0``; RFC 9110 8.6 allows
      one only equal to the 200's length);
    - a response marked ``language_neutral`` (a feed: Italian for everyone) does not
      ``Vary: Accept-Language``, which LocaleMiddleware adds to every response, so shared
      caches keep one copy instead of one per language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 304 and response.has_header("Content-Length"):
            del response.headers["Content-Length"]
        if getattr(response, "language_neutral", False) and response.has_header("Vary"):
            kept = [
                value.strip()
                for value in response.headers["Vary"].split(",")
                if value.strip() and value.strip().lower() != "accept-language"
            ]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                del response.headers["Vary"]
        return response
