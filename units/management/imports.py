"""How every import command reports a bad file: each error on its own line, then a non-zero exit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

from django.core.management.base import CommandError, OutputWrapper

from units.spreadsheets import ImportFailed

T = TypeVar("T")


@contextmanager
def import_errors_reported(stderr: OutputWrapper, *, nothing_saved: str) -> Iterator[None]:
    """Turn ImportFailed into error lines and a CommandError that says `nothing_saved` (e.g. "không lưu phiếu nào")."""
    try:
        yield
    except ImportFailed as failure:
        for line in failure.messages():
            stderr.write(line)
        raise CommandError(f"Không nhập được: {failure.total} lỗi, {nothing_saved}.") from None


def import_from_path(path: str, run: Callable[[IO[bytes]], T]) -> T:
    """Open `path` for an import; a missing file is a clear CommandError."""
    try:
        with open(path, "rb") as handle:
            return run(handle)
    except FileNotFoundError:
        raise CommandError(f"Không tìm thấy tệp {path}") from None
