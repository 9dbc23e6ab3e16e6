from .roles import CAPABILITIES, can


def roles(request):
    user = getattr(request, "user", None)
    return {"user_can": {name: can(user, name) for name in CAPABILITIES} if user else {}}
