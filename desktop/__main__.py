"""``hearth`` and ``python -m desktop``: the window with no arguments, the CLI with any."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--probe-model"]:  # a frozen build's child process (core/local/probe.py)
        from desktop.core.local import probe

        return probe.main(args[1:])
    if args[:1] == ["--engine-runner"]:  # a frozen build's engine process (core/local/runner.py)
        from desktop.core.local import runner

        return runner.main(args[1:])
    if args[:1] == ["--embedding-runner"]:  # a frozen build's embedding process
        from desktop.core.local import embedding_runner

        return embedding_runner.main(args[1:])
    if not args:
        from desktop.app import run_app

        return run_app()
    from desktop.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
