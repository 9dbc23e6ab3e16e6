"""The embedded broker: kombu's filesystem transport, with files that are never read half-written.

Two races in kombu 5.x's own transport make a worker exit with an "Unrecoverable" JSON error
(both seen under load in the system tests):

- ``_put`` creates ``<n>_<uuid>.<queue>.msg`` and then writes it; a worker polling the folder
  can take the file in between and read it empty. Here the message is written under a name the
  reader ignores and renamed into place, which is atomic on POSIX.
- ``_queue_bind`` creates ``<exchange>.exchange`` with ``open("wb")`` and only then locks it; a
  second process starting at the same moment opens the new, still empty file and reads "" as
  JSON (or truncates the first one's table). Here the file is created without truncating, read
  and rewritten under one exclusive lock, and an empty table file reads as no bindings.

Selected by ``CELERY_BROKER_TRANSPORT`` in settings when the broker URL is ``filesystem://``.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

PARTIAL_SUFFIX = ".part"  # "<queue>.msg.part" is not "<queue>.msg": the reader skips it


def _bindings(text):
    return [filesystem.exchange_queue_t(*row) for row in loads(text)] if text.strip() else []


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            with file.open("r") as table:
                filesystem.lock(table, filesystem.LOCK_SH)
                try:
                    text = table.read()
                finally:
                    filesystem.unlock(table)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        return _bindings(text)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            descriptor = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
            with os.fdopen(descriptor, "r+b", buffering=0) as table:
                filesystem.lock(table, filesystem.LOCK_EX)
                try:
                    bindings = _bindings(bytes_to_str(table.read()))
                    if binding not in bindings:
                        bindings.insert(0, binding)
                        table.seek(0)
                        table.truncate()
                        table.write(str_to_bytes(dumps(bindings)))
                finally:
                    filesystem.unlock(table)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
