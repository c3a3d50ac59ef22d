"""A ``multipart/form-data`` body streamed around a part held in memory, without copying it.

``requests`` builds file uploads by concatenating everything into one new bytes object: a second
copy of every part. This body yields the small envelope and slices of the caller's buffer instead,
and has a length, so ``requests`` sends it with a Content-Length and no chunked encoding.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

# Socket writes of 1 MiB keep the syscall count low without large intermediate buffers.
SEND_SLICE_BYTES = 1024 * 1024


class MultipartBody:
    """
    Form fields followed by one file field.

    :param fields: text fields, sent first (``index``, ``hash``).
    :param file_field: the file field's name (``file``).
    :param filename: the file name announced for the file field.
    :param data: the file's bytes; only sliced, never copied.
    :param content_type: the file's media type.
    """

    def __init__(
        self,
        fields: Mapping[str, str],
        file_field: str,
        filename: str,
        data: memoryview,
        content_type: str = "application/octet-stream",
    ) -> None:
        self.boundary = uuid.uuid4().hex
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        safe_name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{safe_name}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        self._head = head
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._data = data

    @property
    def content_type(self) -> str:
        """The request's ``Content-Type`` header, boundary included."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + len(self._data) + len(self._tail)

    def __iter__(self) -> Iterator[bytes | memoryview]:
        yield self._head
        for offset in range(0, len(self._data), SEND_SLICE_BYTES):
            yield self._data[offset : offset + SEND_SLICE_BYTES]
        yield self._tail
