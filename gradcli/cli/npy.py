"""A `.npy` feed file, read header first: nothing is allocated before the header is
checked (magic, dtype, shape against --max-elements, data length against the file).

np.load trusts the header: shape (100000, 100000) with 64 bytes of data allocates
80 GB before failing, an empty or truncated file raises EOFError, a corrupted
header raises tokenize errors. Here each of those is a feed diagnostic in gradcli's
own words, and a pickle (an object array, or a plain pickle named .npy) is never loaded.
"""
from __future__ import annotations

import math

from ..errors import fail
from ..source import shorten

_MAGIC = b"\x93NUMPY"
_ZIP = b"PK\x03\x04"
_HEADER_LIMIT = 10_000  # bytes of header, as np.load's own default


def read_npy(path: str, max_elements: int | None = None):
    import numpy as np
    from numpy.lib import format as npformat

    from ..model import MAX_FILE_BYTES, open_limited, too_large

    shown = shorten(path)
    stream, size = open_limited(path, "E0003", what="feed file '{}'")
    with stream:
        try:
            head = stream.read(len(_MAGIC) + 2)
        except OSError as e:
            raise fail("E0003", f"cannot read feed file '{shown}': {e.strerror or e}") from None
        if not head.startswith(_MAGIC):
            raise _not_npy(shown, head)
        version = tuple(head[len(_MAGIC):])
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise _bad(shown, f"unknown .npy format version {version[0]}.{version[1]}")
        try:
            reader = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
            shape, fortran, dtype = reader(stream, max_header_size=_HEADER_LIMIT)
        except Exception:  # np's header parser raises ValueError, SyntaxError, tokenize errors...
            raise _bad(shown, "its header cannot be read (a damaged or truncated file)") from None
        if dtype.hasobject:
            raise fail("E0406", f"feed file '{shown}' holds Python objects, stored as a pickle, which gradcli never loads", help=["save a numeric array: np.save(path, np.asarray(x, dtype=float))"])
        if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "biuf":
            raise fail("E0406", f"feed file '{shown}' holds {dtype.name} values, not numbers", help=["save an array of bool, integers or floats"])
        count = math.prod(shape)
        if max_elements is not None and count > max_elements:
            raise fail("E0408", f"feed file '{shown}' holds an array of shape {_shape(shape)}: {count:,} elements, over the limit of {max_elements:,}", help=["raise the limit with --max-elements if you mean it"])
        wanted = count * dtype.itemsize
        if wanted > MAX_FILE_BYTES:
            raise too_large("E0003", f"feed file '{shown}'")
        if size is not None and size - stream.tell() < wanted:
            raise _bad(shown, f"it is truncated: shape {_shape(shape)} needs {wanted:,} bytes of data, the file has {max(0, size - stream.tell()):,}")
        array = np.empty(count, dtype=dtype)
        view = memoryview(array).cast("B") if count else None
        got = 0
        while got < wanted:  # a pipe gives its data in pieces
            n = stream.readinto(view[got:])
            if not n:
                raise _bad(shown, f"it is truncated: shape {_shape(shape)} needs {wanted:,} bytes of data, the file has {got:,}")
            got += n
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


def _shape(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _bad(shown: str, why: str):
    return fail("E0406", f"feed file '{shown}' is not a valid .npy file: {why}", help=["write it with np.save"])


def _not_npy(shown: str, head: bytes):
    if not head:
        return fail("E0406", f"feed file '{shown}' is empty", help=["write it with np.save"])
    if head.startswith(_ZIP):
        return fail("E0406", f"feed file '{shown}' is a zip archive (an .npz of several arrays), not one .npy array", help=["save one array with np.save, or feed each array of the .npz separately"])
    if head[:1] == b"\x80":
        return fail("E0406", f"feed file '{shown}' is a pickle, which gradcli never loads", help=["save a numeric array with np.save"])
    return _bad(shown, "it does not start with the .npy magic string")
