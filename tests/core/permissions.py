from tests.permissions import LOGIN, Access, public

ROWS = [
    Access("home"),
    public("healthz"),
    public("accessibility"),
    public("login"),
    # Logging out always lands on the login page.
    Access(
        "logout",
        method="POST",
        anonymous=LOGIN,
        outsider=LOGIN,
        editor=LOGIN,
        other_editor=LOGIN,
        approver=LOGIN,
        admin=LOGIN,
    ),
]
