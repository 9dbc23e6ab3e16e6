"""The embedded broker: kombu's filesystem transport, with message files that appear whole.

Kombu's own ``_put`` creates ``<n>_<uuid>.<queue>.msg`` and then writes it; a worker polling
the folder can take the file in between and read it empty, and the JSON error is
"Unrecoverable": the worker exits (seen under load in the system tests). Here the message is
written under a name the reader ignores and renamed into place, which is atomic on POSIX.
Selected by ``CELERY_BROKER_TRANSPORT`` in settings when the broker URL is ``filesystem://``.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL_SUFFIX = ".part"  # "<queue>.msg.part" is not "<queue>.msg": the reader skips it


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


class Transport(filesystem.Transport):
    Channel = Channel
