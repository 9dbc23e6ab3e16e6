from django.conf import settings

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
    return match.url_name == "accessibility" and not request.user.is_authenticated


def site(request):
    return {
        "COMUNE_NAME": settings.COMUNE_NAME,
        "SITE_URL": settings.SITE_URL,
        "public_page": is_public_page(request),
    }
