def crisis(request):
    """The red banner on every staff page: the open crisis, if any (one indexed query)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from .models import Crisis

    return {
        "crisis": Crisis.objects.filter(ended_at__isnull=True).select_related("declared_by").first()
    }
