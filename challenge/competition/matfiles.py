"""A MAT-file (version 5, as ILSVRC devkits ship `meta.mat`) read by scipy.io within limits
checked before scipy sees it, without the database.

scipy trusts a file's declared sizes: a 778 KB file whose zlib stream unpacks to 800 MB is
unpacked whole, and a 100-byte struct array that declares 400 million elements allocates them
all. So the file's elements are walked first, with no recursion and nothing but their headers
kept: compressed variables are unpacked up to `max_bytes` at most (and refused beyond), then
every array's declared shape and class is checked against what its bytes can hold, and the
memory scipy would build from them (numpy arrays, struct objects, characters widened to 4
bytes) is estimated and bounded. Only then is scipy given the unpacked variables.

Format: the MATLAB 5 MAT-file specification ("MAT-File Format", The MathWorks): a 128-byte
header, then data elements (an 8-byte tag, or a 4-byte "small" tag with up to 4 bytes of data;
elements inside a matrix are padded to 8 bytes), a matrix (`miMATRIX`) holding its array flags,
dimensions, name and then its class's parts, a variable zlib-compressed whole (`miCOMPRESSED`).
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from pathlib import Path

MI_INT8, MI_INT32, MI_UINT32, MI_MATRIX, MI_COMPRESSED = 1, 5, 6, 14, 15
# Bytes per element of each data type (miINT8 .. miUTF32); 8, 10 and 11 are reserved.
MI_SIZES = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4}
MX_CELL, MX_STRUCT, MX_CHAR = 1, 2, 4
MX_NUMERIC = range(6, 16)  # double, single, int8 .. uint64 (and logical, a flag on them)

# A devkit's meta.mat is one struct array of a few fields a synset: nothing nests deeper, and
# no array has more than two dimensions.
MAX_DEPTH = 16
MAX_DIMENSIONS = 32
# What scipy builds, besides the data, for each array and each struct element (numpy's and
# mat_struct's objects: about 120 and 130 bytes measured with tracemalloc, rounded well up).
ARRAY_COST = 250
STRUCT_ELEMENT_COST = 250
# Characters pass through 4-byte unicode arrays on their way to Python strings.
CHAR_COST = 6


class MatFileRefused(ValueError):
    """The file is not a MAT-file this reader takes, or it would unpack or expand beyond the limits."""


def load_mat(path: Path | str, *, max_bytes: int, max_memory: int, **loadmat_options) -> dict:
    """scipy.io.loadmat of a MAT-file 5 whose elements were checked first (see the module doc):
    refused when its variables unpack to more than `max_bytes` or would take more than about
    `max_memory` bytes once loaded. Peak memory: about `max_bytes` twice, plus `max_memory`.

    Raises MatFileRefused (a ValueError) naming what is wrong, also for a file scipy cannot read.
    """
    path = Path(path)
    if path.stat().st_size > max_bytes + 128:
        raise MatFileRefused(f"{path.name} is larger than {max_bytes:,} bytes.")
    data = path.read_bytes()
    header, order = _header(data, path.name)
    variables = _variables(data, order, max_bytes=max_bytes, name=path.name)
    checked = _Budget(max_memory, path.name)
    for variable in variables:
        _check_matrix(variable, order, checked)
    unpacked = header + b"".join(variables)
    del variables, data
    import scipy.io  # deferred: heavy, and only the devkit importer reads MAT-files

    try:
        return scipy.io.loadmat(io.BytesIO(unpacked), **loadmat_options)
    except Exception as exc:  # scipy's readers raise many kinds on malformed bytes: each is the file's fault
        raise MatFileRefused(f"{path.name} could not be read as a MAT-file: {exc}") from exc


def _header(data: bytes, name: str) -> tuple[bytes, str]:
    """The 128-byte header and the file's byte order ("<" or ">")."""
    if len(data) < 128:
        raise MatFileRefused(f"{name} is not a MAT-file: it is shorter than a MAT-file header.")
    order = {b"IM": "<", b"MI": ">"}.get(data[126:128])
    if order is None:
        raise MatFileRefused(f"{name} is not a MAT-file version 5 (save it with MATLAB's -v7 or -v6).")
    version = struct.unpack_from(f"{order}H", data, 124)[0]
    if version != 0x0100:
        raise MatFileRefused(f"{name} is a MAT-file of another version ({version:#06x}; 7.3 files are HDF5): "
                             "save it with MATLAB's -v7.")
    return data[:128], order


def _variables(data: bytes, order: str, *, max_bytes: int, name: str) -> list[bytes]:
    """Each top-level variable as an uncompressed miMATRIX element (its tag, then its bytes)."""
    variables, total, position = [], 0, 128
    while position < len(data):
        if position + 8 > len(data):
            raise MatFileRefused(f"{name} is truncated.")
        kind, size = struct.unpack_from(f"{order}II", data, position)
        start, end = position + 8, position + 8 + size
        if end > len(data):
            raise MatFileRefused(f"{name} is truncated: a variable declares more bytes than the file holds.")
        if kind == MI_COMPRESSED:
            unpacker = zlib.decompressobj()
            try:
                # At most one byte more than the budget comes out, however much the stream holds.
                element = unpacker.decompress(memoryview(data)[start:end], max_bytes - total + 1)
            except zlib.error as exc:
                raise MatFileRefused(f"{name} holds corrupt compressed data ({exc}).") from None
            if total + len(element) > max_bytes:
                raise MatFileRefused(f"{name} unpacks to more than {max_bytes:,} bytes: refused before "
                                     "unpacking the rest (a class set's meta.mat is far smaller).")
            if not unpacker.eof:
                raise MatFileRefused(f"{name} holds a truncated compressed variable.")
            position = end  # compressed variables are not padded
        elif kind == MI_MATRIX:
            element = data[position:end]
            position = end
        else:
            raise MatFileRefused(f"{name} holds a top-level element of type {kind}, not a variable.")
        if len(element) < 8:
            raise MatFileRefused(f"{name} holds an empty variable.")
        kind, size = struct.unpack_from(f"{order}II", element, 0)
        if kind != MI_MATRIX or 8 + size > len(element):
            raise MatFileRefused(f"{name} holds a malformed variable.")
        element = element[:8 + size]
        total += len(element)
        variables.append(element)
    return variables


class _Budget:
    """The memory scipy would build, counted as the walk goes, refused past its limit."""

    def __init__(self, limit: int, name: str):
        self.left, self.limit, self.name = limit, limit, name

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise MatFileRefused(f"{self.name} would take more than {self.limit:,} bytes of memory once loaded "
                                 "(its arrays declare more elements than a class set's meta.mat holds).")


def _tag(buffer: bytes, position: int, end: int, order: str, name: str) -> tuple[int, int, int, int]:
    """(type, data bytes, data start, next element's position) of the element at `position`."""
    if position + 8 > end:
        raise MatFileRefused(f"{name} holds a truncated array.")
    word = struct.unpack_from(f"{order}I", buffer, position)[0]
    if word >> 16:  # a small element: type and size in one word, the data in the next four bytes
        kind, size = word & 0xFFFF, word >> 16
        if size > 4:
            raise MatFileRefused(f"{name} holds a malformed small element.")
        return kind, size, position + 4, position + 8
    kind, size = struct.unpack_from(f"{order}II", buffer, position)
    start = position + 8
    if start + size > end:
        raise MatFileRefused(f"{name} holds an element that declares more bytes than its array holds.")
    return kind, size, start, min(start + (size + 7) // 8 * 8, end)


def _check_matrix(element: bytes, order: str, budget: _Budget) -> None:
    """Walk one variable's arrays (an explicit stack: no recursion), checking each one's class,
    shape and parts, and spending what scipy would build from it."""
    name = budget.name
    stack = [(0, len(element), 0)]  # (position of an miMATRIX element's tag, end of its parent, depth)
    while stack:
        position, parent_end, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MatFileRefused(f"{name} nests arrays more than {MAX_DEPTH} deep.")
        kind, size, start, _ = _tag(element, position, parent_end, order, name)
        if kind != MI_MATRIX:
            raise MatFileRefused(f"{name} holds an element of type {kind} where an array belongs.")
        budget.spend(ARRAY_COST)
        end = start + size
        if size == 0:  # an empty array, written as a bare tag
            continue
        kind, size, at, position = _tag(element, start, end, order, name)
        if kind != MI_UINT32 or size != 8:
            raise MatFileRefused(f"{name} holds an array without its flags.")
        array_class = struct.unpack_from(f"{order}I", element, at)[0] & 0xFF
        kind, size, at, position = _tag(element, position, end, order, name)
        if kind != MI_INT32 or size < 8 or size % 4 or size > 4 * MAX_DIMENSIONS:
            raise MatFileRefused(f"{name} holds an array without its dimensions (or with too many).")
        dimensions = struct.unpack_from(f"{order}{size // 4}i", element, at)
        if min(dimensions) < 0:
            raise MatFileRefused(f"{name} holds an array of negative size.")
        count = math.prod(dimensions)
        kind, size, at, position = _tag(element, position, end, order, name)  # the array's name
        if kind != MI_INT8:
            raise MatFileRefused(f"{name} holds an array without its name.")
        if array_class in MX_NUMERIC or array_class == MX_CHAR:
            while position < end:  # the real and imaginary parts: data, no arrays
                kind, size, at, position = _tag(element, position, end, order, name)
                width = MI_SIZES.get(kind)
                if width is None:
                    raise MatFileRefused(f"{name} holds data of unknown type {kind}.")
                budget.spend(size // width * CHAR_COST if array_class == MX_CHAR else size)
            continue
        fields = 1
        if array_class == MX_STRUCT:
            kind, size, at, position = _tag(element, position, end, order, name)
            if kind != MI_INT32 or size != 4:
                raise MatFileRefused(f"{name} holds a struct without its field name length.")
            length = struct.unpack_from(f"{order}i", element, at)[0]
            kind, size, at, position = _tag(element, position, end, order, name)
            if kind != MI_INT8 or length <= 0 or size % length:
                raise MatFileRefused(f"{name} holds a struct with malformed field names.")
            fields = size // length
            budget.spend(count * STRUCT_ELEMENT_COST)
        elif array_class != MX_CELL:
            raise MatFileRefused(f"{name} holds an array of class {array_class} (objects, sparse matrices and "
                                 "function handles have no place in a devkit's meta.mat).")
        children = []
        while position < end:
            children.append(position)
            _, _, _, position = _tag(element, position, end, order, name)
        if len(children) != count * fields:
            raise MatFileRefused(f"{name} holds a {'struct' if array_class == MX_STRUCT else 'cell'} array "
                                 f"that declares {count * fields:,} parts and holds {len(children):,}.")
        stack.extend((child, end, depth + 1) for child in reversed(children))
