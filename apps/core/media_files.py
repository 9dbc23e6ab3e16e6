"""How uploaded files are served: never executed or rendered by the browser as a page.

Every response carries ``X-Content-Type-Options: nosniff``; anything that is not an image
(videos, captions) also ``Content-Disposition: attachment``, so opening its URL downloads it
instead of letting the browser render it. ``<video>`` and ``<track>`` elements ignore the
disposition: the site's player still plays them. The same rule for each place files are
served from: the development server (``views.serve_media``), S3 (``MediaS3Storage``, stored
with the object) and the production proxy (docs/media.md, "Serving")."""

import mimetypes
import posixpath

from storages.backends.s3 import S3Storage

mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("application/x-subrip", ".srt")


def content_disposition(name: str) -> str | None:
    """The ``Content-Disposition`` a stored file is served with; None (inline) for images."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("image/") and content_type != "image/svg+xml":
        return None
    # Stored names are ours (a random hex stem and a known suffix): ASCII, no quotes.
    filename = posixpath.basename(name).replace('"', "")
    return f'attachment; filename="{filename}"'


class MediaS3Storage(S3Storage):
    """django-storages' S3 storage, with each object stored under the disposition it is served
    with (S3 returns it on every GET, signed URL or not)."""

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        disposition = content_disposition(name)
        if disposition and "ContentDisposition" not in params:
            params["ContentDisposition"] = disposition
        return params
