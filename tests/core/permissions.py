from tests.permissions import OK, Access, public

ROWS = [
    Access("home"),
    public("healthz"),
    public("accessibility"),
    public("login"),
    Access(
        "logout", method="POST", anonymous=OK, outsider=OK,
    ),
]
