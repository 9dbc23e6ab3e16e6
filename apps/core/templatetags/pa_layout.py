"""Layout decisions of templates/base.html."""

from django import template

register = template.Library()

# Pages for citizens: they carry the Comune's name, not the office tool's ("PA Planner").
PUBLIC_NAMESPACES = frozenset({"website_feed", "newsletter"})
PUBLIC_EVENT_PAGES = frozenset({"public_list", "public_detail", "subscribe"})


def is_public_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if match.namespace in PUBLIC_NAMESPACES:
        return True
    if match.namespace == "events":
        return match.url_name in PUBLIC_EVENT_PAGES
    # The accessibility statement serves both; a citizen sees it as a public page.
    user = getattr(request, "user", None)
    return match.url_name == "accessibility" and not getattr(user, "is_authenticated", False)


# Signing in and out: no staff banner there either.
SIGN_IN_URL_NAMES = frozenset({"login", "logout"})


def shows_staff_banners(request) -> bool:
    """Whether the staff-only banners (open crisis, stalled publishing) may appear on this
    page: never on a page for citizens (the events, the news feed, the newsletter), whoever is
    logged in, and never on the sign-in pages. Whether the person is staff is the caller's."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in SIGN_IN_URL_NAMES:
        return False
    return not is_public_page(request)


@register.simple_tag(takes_context=True)
def public_page(context) -> bool:
    """``{% public_page as public %}``: whether this page is for citizens (see above)."""
    request = context.get("request")
    return is_public_page(request) if request is not None else False
