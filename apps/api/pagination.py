"""One way to page every list: ``?page=1&page_size=50`` (at most 200)."""

from django.core.paginator import EmptyPage, Paginator
from pydantic import BaseModel

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PageMeta(BaseModel):
    count: int
    page: int
    page_size: int
    pages: int


def paginate(queryset, *, page: int, page_size: int):
    """(items of the page, the page's metadata); a page past the end is empty, not an error."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    paginator = Paginator(queryset, page_size)
    try:
        items = list(paginator.page(max(1, page)).object_list)
    except EmptyPage:
        items = []
    meta = {
        "count": paginator.count,
        "page": max(1, page),
        "page_size": page_size,
        "pages": paginator.num_pages,
    }
    return items, meta
