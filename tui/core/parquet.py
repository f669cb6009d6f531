"""Reading a Parquet file's footer (and first rows) from a few byte ranges, with pyarrow.

A Parquet file starts and ends with ``PAR1``; the 4 bytes before the final ``PAR1`` are the footer
length (little endian). So the last few KiB give the schema, the row groups and ``num_rows`` without
the data. ``pyarrow`` (the reference implementation) is imported inside the functions, so importing
this module costs nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

MAGIC = b"PAR1"
NOT_PARQUET = "not a Parquet file (no PAR1 footer)"


class NotParquetError(ValueError):
    """The bytes are not (or not a complete) Parquet file."""

    def __init__(self, reason: str = NOT_PARQUET) -> None:
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class ParquetInfo:
    num_rows: int
    row_groups: int
    columns: tuple[Column, ...]
    compressed_size: int  # bytes of column data, all row groups
    size: int  # the file's length
    created_by: str = ""

    def as_json(self, name: str) -> dict[str, Any]:
        return {"name": name, "num_rows": self.num_rows, "row_groups": self.row_groups,
                "schema": [{"name": c.name, "type": c.type} for c in self.columns]}


def footer_length(tail: bytes, size: int) -> int:
    """The footer length from the file's last 8 bytes; :class:`NotParquetError` if they are not Parquet."""
    if len(tail) < 8 or tail[-4:] != MAGIC or size < 12:
        raise NotParquetError()
    length = int.from_bytes(tail[-8:-4], "little")
    if length <= 0 or length + 12 > size:
        raise NotParquetError()
    return length


class SparseFile(io.RawIOBase):
    """A read-only file of ``size`` bytes of which only some ranges are known (enough for pyarrow)."""

    def __init__(self, size: int, segments: dict[int, bytes]) -> None:
        super().__init__()
        self._size = size
        self._segments = sorted(segments.items())
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = self._size if n is None or n < 0 else min(self._size, self._pos + n)
        if end <= self._pos:
            return b""
        for start, data in self._segments:
            if start <= self._pos and end <= start + len(data):
                out = data[self._pos - start:end - start]
                self._pos = end
                return out
        raise OSError(f"bytes {self._pos}-{end - 1} were not fetched")

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _open(size: int, segments: dict[int, bytes]) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(SparseFile(size, segments))
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...: all mean "not readable Parquet"
        raise NotParquetError(f"not a readable Parquet file ({str(exc).splitlines()[0][:120]})") from None


def parse_footer(tail: bytes, size: int) -> ParquetInfo:
    """Schema, row groups and row count from the file's last ``len(tail)`` bytes (footer included)."""
    footer_length(tail, size)
    meta = _open(size, {size - len(tail): tail}).metadata
    schema = meta.schema.to_arrow_schema()
    compressed = sum(_compressed(meta.row_group(i)) for i in range(meta.num_row_groups))
    return ParquetInfo(num_rows=meta.num_rows, row_groups=meta.num_row_groups,
                       columns=tuple(Column(f.name, str(f.type)) for f in schema), compressed_size=compressed,
                       size=size, created_by=str(meta.created_by or ""))


def _compressed(row_group: Any) -> int:
    return sum(row_group.column(j).total_compressed_size for j in range(row_group.num_columns))


def first_rows_range(tail: bytes, size: int, rows: int) -> tuple[int, int]:
    """The byte range ``(start, end_exclusive)`` holding the row groups needed for the first ``rows`` rows."""
    meta = _open(size, {size - len(tail): tail}).metadata
    start, end, seen = size, 4, 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            col = group.column(j)
            first = col.dictionary_page_offset if col.has_dictionary_page and col.dictionary_page_offset else \
                col.data_page_offset
            start = min(start, first)
            end = max(end, first + col.total_compressed_size)
        seen += group.num_rows
        if seen >= rows:
            break
    return (min(start, end), end)


def first_rows(tail: bytes, data: bytes, data_start: int, size: int, rows: int) -> tuple[list[str], list[list[Any]]]:
    """Column names and the first ``rows`` rows (as Python values) from the footer and the fetched range."""
    pf = _open(size, {size - len(tail): tail, data_start: data})
    names = list(pf.schema_arrow.names)
    out: list[list[Any]] = []
    try:
        for i in range(pf.metadata.num_row_groups):
            table = pf.read_row_group(i).slice(0, rows - len(out))
            columns = [table.column(k).to_pylist() for k in range(table.num_columns)]
            out.extend([list(r) for r in zip(*columns, strict=True)] if columns else [])
            if len(out) >= rows:
                break
    except OSError:
        pass  # the range did not cover later groups: return what was read
    except Exception as exc:
        raise NotParquetError(f"not a readable Parquet file ({str(exc).splitlines()[0][:120]})") from None
    return names, out[:rows]
