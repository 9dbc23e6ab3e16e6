from tests.permissions import reviewers

ROWS = [
    reviewers("audit:list"),
    reviewers("audit:list", query="?dal=not-a-date&post=abc", label=" (bad filters)"),
    reviewers("audit:export"),
]
