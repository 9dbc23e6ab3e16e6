"""@mentions in a comment's text: which usernames it names."""

import re

# "@" not preceded by a word character or "@" (an email address is not a mention), then the
# characters Django allows in a username. Linear: one pass, no backtracking between groups.
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MAX_MENTIONS = 20


def mentioned_usernames(text: str) -> list[str]:
    """The usernames named with "@", in order, each once, at most MAX_MENTIONS; a full stop or
    dash that ends a sentence ("grazie @mario.") is not part of the name."""
    names: list[str] = []
    for match in _MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".-+")
        if name and name not in names:
            names.append(name)
            if len(names) == MAX_MENTIONS:
                break
    return names
