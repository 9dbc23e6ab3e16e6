from django.contrib.auth.models import Group, User

from .roles import Role

DEMO_USERS = [
    ("redattore", "Giulia", "Rossi", Role.EDITOR),
    ("approvatore", "Marco", "Bianchi", Role.APPROVER),
    ("amministratore", "Anna", "Verdi", Role.ADMIN),
]


def load(ctx: dict) -> None:
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@comune.esempio.it",
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password("demo")
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.value))
        users[role] = user
    ctx["users"] = users
