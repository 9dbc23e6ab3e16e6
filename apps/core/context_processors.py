from django.conf import settings


def site(request):
    return {"COMUNE_NAME": settings.COMUNE_NAME, "SITE_URL": settings.SITE_URL}
