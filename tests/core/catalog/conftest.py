"""Fixtures for the catalog tests: a loopback file server and an httpx client for it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.core.catalog.fileserver import FileServer
from tests.core.catalog.support import BLOB_PATH, MODEL_PATH


@pytest.fixture(scope="session")
def blob() -> bytes:
    """300 KB of random bytes: enough chunks to cut, resume and cancel in the middle."""
    return random.Random(6).randbytes(300_000)


@pytest.fixture
def server(blob: bytes, tiny_model: Path) -> Iterator[FileServer]:
    with FileServer({BLOB_PATH: blob, MODEL_PATH: tiny_model.read_bytes()}) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy set in the environment must not intercept loopback requests.
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        yield http
