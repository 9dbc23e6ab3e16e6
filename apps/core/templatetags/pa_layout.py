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


@register.simple_tag(takes_context=True)
def public_page(context) -> bool:
    """``{% public_page as public %}``: whether this page is for citizens (see above)."""
    request = context.get("request")
    return is_public_page(request) if request is not None else False
