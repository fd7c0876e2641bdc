"""Pagefind's service mode (`pagefind --service`): records in, a search bundle out, without HTML.

The service reads requests from stdin and answers on stdout, each message base64 of JSON and a
comma. Pagefind's own Python wrapper waits 0.1 s between answers (half an hour for 20,000 records),
so this client streams every request from a thread and reads the answers as they come. The binary
is the one the `pagefind[bin]` package installs: nothing is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Any


class ServiceError(Exception):
    """Pagefind refused a request or stopped: its message."""


def executable() -> str:
    from pagefind.service import get_executable  # the binary's path; the wrapper's client is not used

    found = get_executable()
    if found is None:
        raise ServiceError("the Pagefind binary is missing: install the 'pagefind[bin]' package")
    return str(found)


def write_bundle(records: Iterable[Mapping[str, Any]], language: str, bundle: Path) -> int:
    """Index the records (url, content, meta, filters) and write the bundle; the page count."""
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(
            [executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        ) as process:
            assert process.stdin is not None and process.stdout is not None
            writer = threading.Thread(target=_send, args=(_requests(records, language), process.stdin))
            writer.start()
            try:
                return _receive(process.stdout, bundle)
            except ServiceError as exc:
                process.kill()
                raise ServiceError(_said(errors) or str(exc)) from None
            except BaseException:  # interrupted (Ctrl+C, SIGTERM): ended now, not sent every remaining record first
                process.kill()
                raise
            finally:
                writer.join()
                with contextlib.suppress(BrokenPipeError):  # the service stopped: said above
                    process.stdin.close()


def _said(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read(4096).decode("utf-8", "replace").strip()


def _requests(records: Iterable[Mapping[str, Any]], language: str) -> Iterator[dict]:
    yield {"type": "NewIndex", "config": {"force_language": language}}
    for record in records:
        yield {"type": "AddRecord", "index_id": 0, "language": language, **record}
    yield {"type": "GetFiles", "index_id": 0}


def _send(requests: Iterator[dict], stdin: IO[bytes]) -> None:
    try:
        for number, payload in enumerate(requests, 1):
            message = json.dumps({"message_id": number, "payload": payload}, ensure_ascii=False)
            stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
        stdin.flush()
    except (BrokenPipeError, ValueError):  # the service stopped (or was stopped): the reader says why
        pass


def _receive(stdout: IO[bytes], bundle: Path) -> int:
    """Read answers until the files come, and write them; the number of records indexed.

    The files are asked for, not written by Pagefind: its service can stop (at the end of its
    input) before its own writes are flushed."""
    indexed = 0
    for answer in _answers(stdout):
        payload = answer.get("payload") or {}
        kind = payload.get("type")
        if kind == "Error":
            raise ServiceError(str(payload.get("message") or "Pagefind failed"))
        if kind == "IndexedFile":
            indexed += 1
        if kind == "GetFiles":
            _write(payload["files"], bundle)
            return indexed
    raise ServiceError("Pagefind stopped before making the search index")


def _write(files: list[dict], bundle: Path) -> None:
    folders: set[Path] = set()
    for file in files:
        name = PurePosixPath(file["path"])
        # checked as text, in a fresh folder of our own: resolving each path cost 2 s of a 20,000-file bundle
        if name.is_absolute() or ".." in name.parts or not name.parts:
            raise ServiceError(f"Pagefind named a file outside its bundle: {file['path']}")
        path = bundle.joinpath(*name.parts)
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(base64.b64decode(file["content"]))


def _answers(stdout: IO[bytes]) -> Iterator[dict]:
    pending: list[bytes] = []  # the parts of a message not yet complete (the files come as one)
    while chunk := stdout.read1(1 << 16):  # type: ignore[attr-defined]
        *complete, rest = chunk.split(b",")
        for part in complete:
            yield json.loads(base64.b64decode(b"".join([*pending, part])))
            pending = []
        pending.append(rest)
