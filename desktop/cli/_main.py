"""Argument parsing and dispatch. Heavy modules are imported by the command that needs them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from desktop import __version__

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_KNOWN_ERROR = 3
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]
TIERS = ("local", "private", "frontier", "auto")
PROVIDERS = ("anthropic", "openai", "gemini", "private")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth",
        description="Hearth: a private assistant that answers on this computer. "
                    "Run without arguments to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"hearth {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="ask a question and stream the answer")
    ask.add_argument("prompt", metavar="PROMPT", nargs="?",
                     help="the question ('-' reads standard input); none with --regenerate "
                          "or --again-on")
    ask.add_argument("--model", metavar="PATH", help="GGUF file to use instead of the configured")
    ask.add_argument("--conversation", metavar="ID", type=int,
                     help="continue this conversation (see 'hearth chats list')")
    ask.add_argument("--max-tokens", metavar="N", type=_positive_int,
                     help="longest answer in tokens (default: local.max_tokens)")
    ask.add_argument("--json", action="store_true",
                     help="print one JSON object with the text, conversation id and receipt")
    ask.add_argument("--tier", choices=TIERS, default="auto",
                     help="where to answer: on this device (local), your OpenAI-compatible "
                          "server (private), a frontier API (frontier), or let Hearth decide "
                          "(auto, the default). Cloud tiers need cloud.escalation = true")
    again = ask.add_mutually_exclusive_group()
    again.add_argument("--regenerate", action="store_true",
                       help="answer the last question of --conversation again; the earlier "
                            "answer stays as another version")
    again.add_argument("--again-on", choices=("local", "private", "frontier"), metavar="TIER",
                       help="answer the last question of --conversation once more on TIER "
                            "(local, private or frontier), after the answers it has")
    again.add_argument("--edit", metavar="MESSAGE_ID", type=int,
                       help="ask PROMPT in place of this earlier question: the conversation "
                            "forks there and the original stays as another version "
                            "(ids: 'hearth chats show ID')")
    again.add_argument("--continue", dest="continue_of", metavar="MESSAGE_ID", type=int,
                       help="write more of this answer, which stopped at its length limit, "
                            "into the same answer (ids: 'hearth chats show ID')")
    ask.add_argument("--keep-local", action="store_true",
                     help="lock the new conversation to this device before the question is "
                          "routed: nothing of it ever leaves")
    ask.add_argument("--docs", metavar="NAME", action="append",
                     help="answer from this document collection's passages (repeatable; "
                          "default: the conversation's choice); a collection kept on this "
                          "device keeps the question here")
    ask.set_defaults(handler=_lazy("desktop.cli._ask", "run"))

    route = commands.add_parser("route", help="show where a question would go; sends nothing")
    route.add_argument("prompt", metavar="PROMPT", help="the question ('-' reads standard input)")
    route.add_argument("--tier", choices=TIERS, default="auto")
    route.add_argument("--conversation", metavar="ID", type=int,
                       help="as the next question of this conversation")
    route.add_argument("--json", action="store_true", help="one JSON object")
    route.add_argument("--docs", metavar="NAME", action="append",
                       help="as drawing on this document collection (repeatable; default: "
                            "the conversation's choice)")
    route.set_defaults(handler=_lazy("desktop.cli._route", "run"))

    config = commands.add_parser("config", help="show or change settings")
    config_commands = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = config_commands.add_parser("list", help="every setting with its value")
    listing.add_argument("--json", action="store_true")
    get = config_commands.add_parser("get", help="one setting's value")
    get.add_argument("key", metavar="KEY")
    put = config_commands.add_parser("set", help="change a setting")
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    reset = config_commands.add_parser("reset", help="put a setting back to its default")
    reset.add_argument("key", metavar="KEY")
    config.set_defaults(handler=_lazy("desktop.cli._config", "run"))

    chats = commands.add_parser("chats", help="list, show, rename, lock or delete conversations")
    chat_commands = chats.add_subparsers(dest="action", metavar="ACTION", required=True)
    chat_list = chat_commands.add_parser("list", help="conversations, most recent first")
    chat_list.add_argument("--json", action="store_true")
    show = chat_commands.add_parser("show", help="one conversation's messages")
    show.add_argument("id", metavar="ID", type=int)
    show.add_argument("--json", action="store_true")
    search = chat_commands.add_parser(
        "search", help="conversations whose title or messages contain TEXT (any case)")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--json", action="store_true")
    rename = chat_commands.add_parser("rename", help="give a conversation a new title")
    rename.add_argument("id", metavar="ID", type=int)
    rename.add_argument("title", metavar="TITLE")
    for name, what in (("lock", "keep a conversation on this device: nothing of it leaves"),
                       ("unlock", "let a conversation be routed again")):
        locking = chat_commands.add_parser(name, help=what)
        locking.add_argument("id", metavar="ID", type=int)
    version = chat_commands.add_parser(
        "version", help="show another version of a message (see 'chats show')")
    version.add_argument("message_id", metavar="MESSAGE_ID", type=int)
    delete = chat_commands.add_parser("delete", help="delete a conversation for good")
    delete.add_argument("id", metavar="ID", type=int)
    chats.set_defaults(handler=_lazy("desktop.cli._chats", "run"))

    keys = commands.add_parser("keys", help="API keys for the cloud tiers, kept in the OS keyring")
    key_commands = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    key_set = key_commands.add_parser("set", help="store a key read from standard input")
    key_set.add_argument("provider", choices=PROVIDERS)
    key_commands.add_parser("status", help="which keys are stored, and the keyring in use")
    key_delete = key_commands.add_parser("delete", help="remove a stored key")
    key_delete.add_argument("provider", choices=PROVIDERS)
    keys.set_defaults(handler=_lazy("desktop.cli._keys", "run"))

    ledger = commands.add_parser("ledger", help="answers, tokens and cost per day and month")
    ledger.add_argument("--since", metavar="DATE", help="only from this day on (YYYY-MM-DD)")
    ledger_format = ledger.add_mutually_exclusive_group()
    ledger_format.add_argument("--json", action="store_true", help="print one JSON object")
    ledger_format.add_argument("--csv", action="store_true", help="print CSV rows")
    ledger.set_defaults(handler=_lazy("desktop.cli._ledger", "run"))

    audit = commands.add_parser("audit", help="check or export the hash-chained audit log")
    audit_commands = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    audit_commands.add_parser("verify", help="exit 0 if intact, 3 if edited, with the line")
    audit_export = audit_commands.add_parser("export", help="the records as JSON lines")
    audit_export.add_argument("--since", metavar="DATE", help="only from this day on")
    audit.set_defaults(handler=_lazy("desktop.cli._audit", "run"))

    network = commands.add_parser("network", help="what offline mode refused")
    network_commands = network.add_subparsers(dest="action", metavar="ACTION", required=True)
    network_log = network_commands.add_parser("log", help="every refused connection or lookup")
    network_log.add_argument("--since", metavar="DATE", help="only from this day on")
    network_log.add_argument("--json", action="store_true")
    network_commands.add_parser("status", help="whether offline mode is on")
    network.set_defaults(handler=_lazy("desktop.cli._network", "run"))

    _add_docs_commands(commands)

    models = commands.add_parser("models", help="model files: catalog, download, import, check")
    model_commands = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    models_list = model_commands.add_parser("list", help="the models Hearth knows")
    models_list.add_argument("--json", action="store_true")
    models_catalog = model_commands.add_parser(
        "catalog", help="models to download, with size, licence and the memory each needs")
    models_catalog.add_argument("--json", action="store_true")
    download = model_commands.add_parser("download", help="download a catalog model (resumes)")
    download.add_argument("id", metavar="ID", help="the model's id in 'hearth models catalog'")
    download.add_argument("--yes", action="store_true", help="download without asking first")
    download.add_argument("--accept-new-checksum", action="store_true",
                          help="trust a file whose SHA-256 differs from the first download's")
    imported = model_commands.add_parser("import", help="add a GGUF file from any folder")
    imported.add_argument("path", metavar="PATH")
    imported.add_argument("--copy", action="store_true",
                          help="copy it into Hearth's models folder (default: use it in place)")
    imported.add_argument("--name", metavar="NAME", help="name it (default: the file name)")
    removed = model_commands.add_parser("remove", help="forget a model (deletes Hearth's copy)")
    removed.add_argument("name", metavar="NAME")
    use = model_commands.add_parser("use", help="answer with this model from now on")
    use.add_argument("name", metavar="NAME")
    manifest = model_commands.add_parser("manifest", help="write SHA256SUMS for a folder")
    manifest.add_argument("folder", metavar="DIR")
    verify = model_commands.add_parser(
        "verify", help="check a folder against its SHA256SUMS (exit 3 on any difference)")
    verify.add_argument("folder", metavar="DIR")
    recommend = model_commands.add_parser("recommend", help="the catalog model for this computer")
    recommend.add_argument("--json", action="store_true")
    hardware = model_commands.add_parser(
        "hardware", help="llama.cpp's backend and devices, memory, and GPU layers that fit")
    hardware.add_argument("--model", metavar="PATH", help="plan GPU layers for this GGUF file")
    models.set_defaults(handler=_lazy("desktop.cli._models", "run"))

    serve = commands.add_parser(
        "serve", help="answer other apps through an OpenAI-compatible API on this computer")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this computer only)")
    serve.add_argument("--port", type=_positive_int, help="port (default: server.port, 8765)")
    serve.add_argument("--allow-network", action="store_true",
                       help="allow a --host other computers can reach (the token is still "
                            "required)")
    serve_token = serve.add_mutually_exclusive_group()
    serve_token.add_argument("--show-token", action="store_true",
                             help="print the token apps must send (made on first use) and exit")
    serve_token.add_argument("--new-token", action="store_true",
                             help="replace the token (apps using the old one are refused)")
    serve.set_defaults(handler=_lazy("desktop.cli._serve", "run"))
    return parser


def _add_docs_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = commands.add_parser("docs", help="your document collections: add, index, search")
    doc_commands = docs.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = doc_commands.add_parser(
        "add", help="add files or folders to a collection (created if needed) and index them")
    add.add_argument("name", metavar="NAME")
    add.add_argument("paths", metavar="PATH", nargs="+")
    doc_list = doc_commands.add_parser("list", help="collections, their files and state")
    doc_list.add_argument("--json", action="store_true")
    doc_remove = doc_commands.add_parser("remove", help="forget a collection (files stay)")
    doc_remove.add_argument("name", metavar="NAME")
    doc_rename = doc_commands.add_parser("rename", help="give a collection a new name")
    doc_rename.add_argument("old", metavar="OLD")
    doc_rename.add_argument("new", metavar="NEW")
    reindex = doc_commands.add_parser(
        "reindex", help="pick up added, changed and deleted files (resumes a stopped run)")
    reindex.add_argument("name", metavar="NAME")
    reindex.add_argument("--all", action="store_true", help="index every file again")
    doc_search = doc_commands.add_parser("search", help="the passages that best match QUERY")
    doc_search.add_argument("name", metavar="NAME")
    doc_search.add_argument("query", metavar="QUERY")
    doc_search.add_argument("--json", action="store_true",
                            help="a JSON array, best first (path, position, page, score, …)")
    doc_search.add_argument("--limit", metavar="N", type=_positive_int, default=8)
    doc_set = doc_commands.add_parser("set", help="change a collection's privacy")
    doc_set.add_argument("name", metavar="NAME")
    doc_set.add_argument("--privacy", choices=("device", "send"), required=True,
                         help="device: its passages never leave this computer (default); "
                              "send: they may go with a question to a cloud tier")
    docs.set_defaults(handler=_lazy("desktop.cli._docs", "run"))


def main(argv: list[str]) -> int:
    """Run one command; exit status 0 ok, 2 usage error, 3 known error, 130 interrupted."""
    from desktop.cli._question import InputError, check_argv

    try:
        check_argv(argv)  # before argparse, which would print an undecodable value back
    except InputError as exc:
        print(f"hearth: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits itself for --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from desktop.core.errors import KnownError

    try:
        code: int = args.handler(args)
    except InputError as exc:
        print(f"hearth {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KnownError as exc:
        print(f"hearth: error: {exc}", file=sys.stderr)
        return EXIT_KNOWN_ERROR
    except KeyboardInterrupt:
        print("hearth: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # e.g. `hearth chats list | head`
    return code


def _lazy(module: str, name: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        import importlib

        function: Handler = getattr(importlib.import_module(module), name)
        return function(args)

    return handler


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
