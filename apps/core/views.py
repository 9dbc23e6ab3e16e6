"""Views of the core app."""

from django.views.static import serve

from .media_files import content_disposition


def serve_media(request, path, document_root=None, show_indexes=False):
    """Django's development ``static.serve`` for uploads, with the headers the production
    proxy sets (``media_files``): nosniff always, attachment for what is not an image."""
    response = serve(request, path, document_root=document_root, show_indexes=False)
    response["X-Content-Type-Options"] = "nosniff"
    disposition = content_disposition(path)
    if disposition:
        response["Content-Disposition"] = disposition
    return response
