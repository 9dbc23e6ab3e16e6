"""Collectors: one per network, each reading what citizens wrote since a cursor.

A collector speaks the network's real HTTP API (through ``publishing.adapters._http``, so
timeouts, secrets and error classes are the adapters' own) and never touches the database:
``collect(config=…, secret=…, cursor=…)`` returns a :class:`~.base.Batch` of
:class:`~.base.Incoming` items and the cursor to resume from. ``apps.inbox.collecting``
stores them and the cursor. Networks that push (Meta) are read by ``apps.inbox.webhooks``.
"""
