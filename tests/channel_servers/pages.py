"""A local website for the link cards' fetcher (``apps/publishing/linkcards.py``): a page with
Open Graph tags and the hostile ones — huge, slow, endless redirects, a redirect to an internal
host, an image instead of a page — on ``127.0.0.1:<random port>``."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = """<!doctype html><html lang="it"><head><meta charset="utf-8">
<title>Titolo della scheda del browser</title>
<meta name="description" content="Descrizione semplice">
<meta property="og:site_name" content="Comune di Esempio">
<meta property="og:title" content="Lavori in via Roma: &laquo;senso unico&raquo; fino a maggio">
<meta property="og:description"
  content="Dal 3 marzo senso unico alternato tra piazza Garibaldi e via Verdi.">
<meta property="og:image" content="/immagini/cantiere.jpg">
</head><body><h1>Lavori</h1>
<meta property="og:title" content="Dopo il body: ignorato"></body></html>"""


class PagesServer:
    def __init__(self):
        self.requests: list[str] = []
        self.redirect_to = ""  # where /redirect-out sends
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                server.answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self):
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @staticmethod
    def _send(handler, status, body=b"", headers=None, *, length=True):
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    def answer(self, h):
        path = h.path.split("?")[0]
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/notizia":
            self._send(h, 200, ARTICLE.encode(), html)
        elif path == "/senza-og":
            body = b"<html><head><title>Solo il titolo</title></head><body>x</body></html>"
            self._send(h, 200, body, html)
        elif path == "/latin1":
            body = '<head><meta property="og:title" content="Città"></head>'.encode("latin-1")
            self._send(h, 200, body, {"Content-Type": "text/html; charset=iso-8859-1"})
        elif path == "/enorme-dichiarata":
            self._send(h, 200, b"", {**html, "Content-Length": "50000000"}, length=False)
        elif path == "/enorme":
            # No length announced: 2 MB of comments, streamed.
            self._send(h, 200, b"", {**html, "Connection": "close"}, length=False)
            chunk = b"<!--" + b"x" * 65536 + b"-->"
            try:
                for _ in range(32):
                    h.wfile.write(chunk)
            except OSError:
                pass
        elif path == "/lenta":
            self._send(h, 200, b"", {**html, "Connection": "close"}, length=False)
            try:
                for _ in range(200):
                    h.wfile.write(b"<!-- -->")
                    h.wfile.flush()
                    if self._stopping.wait(0.1):
                        return
            except OSError:
                pass
        elif path == "/muta":
            self._stopping.wait(10)
        elif path.startswith("/giro/"):
            n = int(path.rsplit("/", 1)[1])
            self._send(h, 302, headers={"Location": f"/giro/{n + 1}"})
        elif path == "/uno-giro":
            self._send(h, 301, headers={"Location": "/notizia"})
        elif path == "/redirect-out":
            self._send(h, 302, headers={"Location": self.redirect_to})
        elif path == "/immagine":
            self._send(h, 200, b"\x89PNG\r\n", {"Content-Type": "image/png"})
        else:
            self._send(h, 404, b"no", html)
