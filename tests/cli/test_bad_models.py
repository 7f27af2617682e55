"""Broken model files never take Hearth down: exit status 3 and a message naming the file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.local.gguf_file import inspect_gguf
from desktop.core.settings import Settings

MUTATED_COPIES = 60


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """One thread, small context (the `settings` fixture)."""


def _ask(capsys: pytest.CaptureFixture[str], model: Path) -> tuple[int, str]:
    code = main(["ask", "--model", str(model), "--max-tokens", "4", "--json", "hi"])
    _, err = capsys.readouterr()
    return code, err


def _assert_known_error(code: int, err: str, model: Path) -> None:
    assert code == 3, err
    assert str(model) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_truncated_model(capsys: pytest.CaptureFixture[str], tiny_model: Path,
                         tmp_path: Path) -> None:
    data = tiny_model.read_bytes()
    for cut in (10, 200, len(data) // 2, len(data) - 1):
        model = tmp_path / f"cut-{cut}.gguf"
        model.write_bytes(data[:cut])
        _assert_known_error(*_ask(capsys, model), model)


def test_text_file_renamed_gguf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "readme.gguf"
    model.write_text("# Not a model\nJust some text.\n")
    code, err = _ask(capsys, model)
    _assert_known_error(code, err, model)
    assert "not a GGUF" in err


def test_missing_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "gone.gguf"
    _assert_known_error(*_ask(capsys, model), model)


@pytest.mark.slow
def test_randomly_mutated_models_never_crash(capsys: pytest.CaptureFixture[str],
                                             tiny_model: Path, tmp_path: Path) -> None:
    """Byte flips across the header and metadata: each copy loads or is refused cleanly.

    llama.cpp aborts the process on some inconsistent files; the trial load in a child process
    must take those blows, so this test process (which runs the CLI in-process) survives.
    """
    data = tiny_model.read_bytes()
    header_end = inspect_gguf(tiny_model).data_offset
    rng = random.Random(20261124)
    refused = 0
    for index in range(MUTATED_COPIES):
        mutated = bytearray(data)
        # Most of the header is the vocabulary; aim a share of the flips at the hyperparameters
        # (first KiB) and the tensor table (last 4 KiB), where llama.cpp is most fragile.
        for _ in range(rng.randint(1, 6)):
            region = rng.choice([(8, 1024), (header_end - 4096, header_end), (8, header_end)])
            mutated[rng.randrange(*region)] = rng.randrange(256)
        model = tmp_path / f"mutant-{index}.gguf"
        model.write_bytes(bytes(mutated))
        code, err = _ask(capsys, model)
        if code != 0:
            _assert_known_error(code, err, model)
            refused += 1
    assert refused > 0  # the mutations did reach something that matters
