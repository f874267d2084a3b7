"""The ``incident-bot`` command: build and inspect the index, ask, browse, chat, run the bot."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.chat.text import brackets, clean, render_answer, render_hit, render_sources, render_tags
from bot.search.library import BuildFailed, Library, RebuildInProgress
from bot.search.results import Answer, Outcome
from bot.search.store import CURRENT, IndexCorrupt, IndexMissing, build_damage, last_changes, read_manifest
from bot.settings import Settings
from bot.state.sqlite import StateError

if TYPE_CHECKING:
    from bot.search.conversation import Conversation
    from bot.search.engine import Engine
    from bot.search.evaluation import Verdict

# How long ``index build`` waits for a build another process is running before giving up.
BUILD_WAIT_S = 300.0


class CliError(Exception):
    """One clear line for the person at the terminal, and a non-zero exit."""


def script() -> NoReturn:
    """The ``incident-bot`` command (and ``python -m bot``): ``main``, then an exit that skips
    tearing the interpreter down when nothing is left running. A command's work is done when
    ``main`` returns (output written, files synced, workers joined); freeing the engine's
    objects one by one would cost a one-shot command 40-50 ms on the corpus, which the operating
    system does at once."""
    code = main()
    if threading.active_count() > 1:  # a thread still running: the interpreter waits for it
        sys.exit(code)
    logging.shutdown()
    with contextlib.suppress(BrokenPipeError):  # the reader left: nothing more to say, as main() treats it
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad flag (2, already reported on one line)
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError: show what is wrong, not a traceback
        print(f"incident-bot: bad setting: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    if "seeds" in args:
        settings = settings.model_copy(update={"seeds_dir": args.seeds})
    if "index" in args:
        settings = settings.model_copy(update={"index_dir": args.index})
        if "seeds" not in args and "seeds_dir" not in settings.model_fields_set:
            settings = _with_seeds_of_index(settings)
    try:
        code: int = args.handler(args, settings)
        return code
    except (CliError, BuildFailed, RebuildInProgress, IndexMissing, IndexCorrupt, StateError) as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    # SUPPRESS, so a subcommand's copy of these options does not reset a value given before it.
    common.add_argument(
        "--seeds", type=Path, default=argparse.SUPPRESS, help="folder of notes (default: SEEDS_DIR or seeds)"
    )
    common.add_argument(
        "--index", type=Path, default=argparse.SUPPRESS, help="index folder (default: INDEX_DIR or index)"
    )
    parser = _Parser(prog="incident-bot", description=__doc__, parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="build or inspect the index").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", parents=[common], help="build the index from the seeds")
    build.add_argument("--if-stale", action="store_true", help="only when missing or out of date")
    build.add_argument(
        "--wait",
        type=float,
        default=BUILD_WAIT_S,
        metavar="SECONDS",
        help=f"wait this long for a build another process is running (default {BUILD_WAIT_S:.0f})",
    )
    build.set_defaults(handler=_index_build)
    info = index.add_parser("info", parents=[common], help="what the index holds")
    info.add_argument("--json", action="store_true")
    info.set_defaults(handler=_index_info)

    ask = sub.add_parser("ask", parents=[common], help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--top", type=int, default=3)
    ask.add_argument("--json", action="store_true")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="with '-': the lines are the turns of one conversation (follow-ups lean on the answer before); "
        "a blank line starts the next",
    )
    ask.set_defaults(handler=_ask)

    add = sub.add_parser("add", parents=[common], help="check notes, copy them into the seeds (added/) and rebuild")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.set_defaults(handler=_add)

    for name, handler in (("tags", _tags), ("sources", _sources), ("chat", _chat), ("run", _run), ("health", _health)):
        sub.add_parser(name, parents=[common], help=_HELP[name]).set_defaults(handler=handler)

    feedback = sub.add_parser("feedback", parents=[common], help="vote counts, or the 👎 answers as eval lines")
    feedback.add_argument("--jsonl", action="store_true", help="the 👎 votes as eval question lines (JSON Lines)")
    feedback.add_argument(
        "--data", type=Path, default=argparse.SUPPRESS, help="state folder (default: DATA_DIR or INDEX_DIR)"
    )
    feedback.set_defaults(handler=_feedback)

    watch = sub.add_parser("watch", help="try a /watch before saving it").add_subparsers(dest="action", required=True)
    test = watch.add_parser("test", parents=[common], help="the notes of the current index a watch would match")
    test.add_argument("terms", nargs="+", help='what /watch would be given, e.g. "ransomware tag:healthcare"')
    test.add_argument("--top", type=int, default=10, help="list at most this many (default 10)")
    test.set_defaults(handler=_watch_test)

    ev = sub.add_parser("eval", parents=[common], help="measure answer quality on a question file")
    ev.add_argument("questions", type=Path, nargs="+", help="question files or folders of them (../shared/eval)")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--verbose", action="store_true", help="list each miss with what was returned")
    ev.set_defaults(handler=_eval)
    return parser


_HELP = {
    "tags": "tags with counts, most used first",
    "sources": "sources with counts and date ranges",
    "chat": "an interactive prompt on the same engine as the bot",
    "run": "run the Telegram bot (the terminal chat when no token is set)",
    "health": "exit 0 if the running bot is healthy (webhook: GET /healthz; polling: heartbeat file)",
}


def _with_seeds_of_index(settings: Settings) -> Settings:
    """``--index DIR`` alone means that index with the seeds it was built from, not ./seeds:
    checking it against the default folder would rebuild it from the wrong notes."""
    try:
        recorded = Path(read_manifest(settings.index_dir)["seeds_dir"])
    except (IndexMissing, IndexCorrupt):
        return settings
    return settings.model_copy(update={"seeds_dir": recorded})


def _library(settings: Settings, *, open_index: bool = True, quick: bool = False) -> Library:
    """The library of ``settings``, opened unless ``open_index`` is False; ``quick`` for the
    one-shot commands (see ``Library.open``)."""
    library = Library(settings.seeds_dir, settings.index_dir)
    if open_index:
        _open(library, quick=quick)
    return library


def _open(library: Library, *, quick: bool) -> None:
    if not library.seeds_dir.is_dir() and not (library.index_dir / CURRENT).exists():
        raise CliError(
            f"no index in {library.index_dir} and no seeds folder {library.seeds_dir} to build one from "
            "(set SEEDS_DIR or --seeds)"
        )
    library.open(quick=quick)


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings, open_index=False)
    if not library.seeds_dir.is_dir():
        raise CliError(f"seeds folder {library.seeds_dir} does not exist (set SEEDS_DIR or --seeds)")
    if args.if_stale:
        try:
            if build_damage(library.index_dir, trust_untouched=True) is None and not library.is_stale():
                print(f"{_folder(library.index_dir)} is up to date with {_folder(library.seeds_dir)}")
                return 0
        except (IndexMissing, IndexCorrupt):
            pass
    progress = _progress_bar() if sys.stderr.isatty() else None
    try:
        report = library.rebuild(progress=progress, serve=False)
    except RebuildInProgress as exc:
        if args.wait <= 0:
            raise
        print(f"incident-bot: {exc}: waiting up to {args.wait:.0f} s for it", file=sys.stderr)
        report = library.rebuild(progress=progress, wait=args.wait, serve=False)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}")
    if report.changes.first_build:
        print(f"changes: {len(report.changes.added)} new (no previous index to compare with)")
    else:
        print(f"changes: {report.changes.summary()} since the index it replaced")
    print(
        f"built {library.index_dir}: {report.notes} notes, {report.passages} passages, "
        f"{len(report.skipped)} skipped, {report.seconds:.1f} s"
    )
    return 0


def _folder(path: Path) -> str:
    """``index/``: a folder's name read as a path ("index in index" read as a noun)."""
    return str(path).rstrip("/") + "/"


def _index_info(args: argparse.Namespace, settings: Settings) -> int:
    manifest = read_manifest(settings.index_dir)
    damaged = build_damage(settings.index_dir)
    info = {
        "notes": manifest["notes"],
        "passages": manifest["passages"],
        "sources": manifest["sources"],
        "skipped": [{"path": p, "reason": r} for p, r in manifest["skipped"]],
        "built_at": manifest["built_at"],
        "fingerprint": manifest["fingerprint"],
        "seeds_dir": manifest["seeds_dir"],
        "terms": manifest["terms"],
        "changes": _change_counts(last_changes(manifest)),
        "damaged": damaged,  # what is wrong with the files, or None
        "stale": damaged is not None or Library(settings.seeds_dir, settings.index_dir).is_stale(),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>11}: {_info_line(key, value)}")
    return 0


def _change_counts(changes: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the last build changed, as counts (the manifest keeps the paths too)."""
    if changes is None:
        return None
    return {k: changes[k] for k in ("replaced", "added", "changed", "removed")}


def _info_line(key: str, value: object) -> object:
    if key == "skipped" and isinstance(value, list):
        return len(value)
    if key == "changes" and isinstance(value, dict):
        since = "no previous index" if value["replaced"] is None else "since the index it replaced"
        return f"{value['added']} new, {value['changed']} changed, {value['removed']} removed ({since})"
    return value


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.top < 1:
        raise CliError("--top must be at least 1")
    from_stdin = args.question == ["-"]
    if not from_stdin and not " ".join(args.question).strip():
        print("incident-bot: no question given: ask QUESTION, or ask - to read one per line", file=sys.stderr)
        return 2
    if args.conversation and not from_stdin:
        raise CliError("--conversation reads the turns from standard input: use `ask --conversation -`")
    # Here, not at the top: the engine's modules would cost ``index build`` (which answers nothing) 0.1 s.
    from bot.search.conversation import Conversation

    engine = _library(settings, quick=True).engine
    if from_stdin and not args.conversation and not sys.stdin.isatty():
        # Independent questions from a file or a pipe: answered on every core, printed in order.
        from bot.chat.batch import answer_all

        lines = (q for line in sys.stdin if (q := line.strip()))
        answer_all(engine, lines, partial(_rendered, top=args.top, as_json=args.json), _print_flushed)
        return 0
    questions = (line.strip() for line in sys.stdin) if from_stdin else [" ".join(args.question)]
    conversation = Conversation() if args.conversation else None
    for question in questions:
        if not question:
            conversation = Conversation() if args.conversation else None  # a blank line: the next conversation
            continue
        _print_flushed(_rendered(engine, question, args.top, args.json, conversation))
    return 0


def _rendered(engine: Engine, question: str, top: int, as_json: bool, conversation: Conversation | None = None) -> str:
    """What ``ask`` prints for one question: its JSON object on one line, or the answer as text."""
    from bot.chat.asking import ask_in_chat

    answer = ask_in_chat(engine, question, top, conversation)
    if as_json:
        return json.dumps(answer_json(answer), ensure_ascii=False)
    # Example questions (a pass over every tag) only for the smalltalk reply that shows them.
    examples = engine.example_questions(3) if answer.outcome is Outcome.SMALLTALK else ()
    return _answer_text(answer, examples)


def _print_flushed(text: str) -> None:
    print(text, flush=True)


def answer_json(answer: Answer) -> dict[str, Any]:
    """The JSON shape of ``ask --json``: one object per question (per turn with --conversation)."""
    return {
        "question": answer.question,
        "did_you_mean": answer.did_you_mean,
        "outcome": str(answer.outcome),
        "confident": answer.confident,
        "about": answer.about,
        "problems": list(answer.problems),
        "hits": [
            {
                "rank": h.rank,
                "score": round(h.score, 6),
                "title": h.note.title,
                "source": h.note.source,
                "date": h.note.date.isoformat() if h.note.date else None,
                "link": h.note.link,
                "tags": [t.label for t in h.note.tags],
                "passage": h.passage,
                "supporting": [s.text for s in h.supporting],
                "note": h.note.path,
            }
            for h in answer.hits
        ],
        "notes": [
            {
                "title": n.title,
                "source": n.source,
                "date": n.date.isoformat() if n.date else None,
                "link": n.link,
                "note": n.path,
            }
            for n in answer.notes
        ],
    }


def _answer_text(answer: Answer, examples: Sequence[str]) -> str:
    more = answer.outcome is Outcome.LISTING and answer.listed > len(answer.notes)
    hint = f"\n(ask --top {answer.listed} lists them all)" if more else ""
    return f"? {clean(answer.question)}\n{render_answer(answer, examples)}{hint}"


def _watch_test(args: argparse.Namespace, settings: Settings) -> int:
    from bot.search.watching import Breadth, matches, searched_for, too_broad

    terms = " ".join(args.terms)
    engine = _library(settings).engine
    matched = matches(engine, terms)
    found = Breadth(len(matched), engine.info.notes)
    print(f"{found.matches} of {found.notes} notes ({found.share:.1%}) match {terms!r}")
    if respelt := searched_for(engine, terms, matched):
        print(f"(searched for: {clean(respelt)})")
    shown = matched[: max(args.top, 0)]
    for rank, match in enumerate(shown, 1):  # each with the paragraph a notification would show
        print("\n" + render_hit(replace(match.hit, rank=rank), len(shown), brackets))
    if len(matched) > args.top:
        print(f"\n… and {len(matched) - args.top} more")
    if too_broad(found, settings.watch_max_share):
        print(
            f"/watch would refuse it: more than {settings.watch_max_share:.0%} of the notes match "
            "(add a more specific word or a filter such as tag: or source:)"
        )
    return 0


def _tags(args: argparse.Namespace, settings: Settings) -> int:
    print(render_tags(_library(settings, quick=True).engine.tag_counts()))
    return 0


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    print(render_sources(_library(settings, quick=True).engine.source_stats()))
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat.terminal import HISTORY_FILE, chat  # here: the one-shot commands start faster without it

    return chat(_library(settings), history=HISTORY_FILE)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value().strip():
        missing = (
            "No TELEGRAM_BOT_TOKEN set: get one from @BotFather in Telegram and put it in .env "
            "(TELEGRAM_BOT_TOKEN=...)."
        )
        if not sys.stdin.isatty():  # a service without its token must fail, not chat with nobody
            print(
                f"{missing} No terminal to chat on either: `incident-bot ask -` answers questions from standard input.",
                file=sys.stderr,
            )
            return 2
        print(f"{missing} Opening the terminal chat on the same engine instead.", file=sys.stderr)
        from bot.chat.terminal import HISTORY_FILE, chat

        return chat(_library(settings), history=HISTORY_FILE)
    from bot.chat.telegram.app import run_bot

    # A fatal signal (SIGBUS from a memory-mapped index file truncated under the bot, SIGSEGV)
    # kills the process before any handler runs: at least say where, on stderr with the log.
    faulthandler.enable(file=sys.stderr, all_threads=True)
    return run_bot(settings)


def _health(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat.health import check

    healthy, line = check(settings)
    print(f"incident-bot: {line}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def _add(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every file was added and the index rebuilt, 1 otherwise (each line says why)."""
    from bot.notes.loader import MAX_BYTES
    from bot.search.adding import add_notes

    if not settings.seeds_dir.is_dir():
        raise CliError(f"seeds folder {settings.seeds_dir} does not exist (set SEEDS_DIR or --seeds)")
    files: list[tuple[str, bytes]] = []
    unreadable: list[str] = []
    for path in args.files:
        try:
            with path.open("rb") as handle:
                files.append((path.name, handle.read(MAX_BYTES + 1)))
        except OSError as exc:
            unreadable.append(f"{path}: not added: {exc.strerror or exc}")
    report = add_notes(_library(settings), files) if files else None
    for line in unreadable + (report.lines() if report else []):
        print(clean(line))
    return 0 if report is not None and report.ok and not unreadable else 1


def _feedback(args: argparse.Namespace, settings: Settings) -> int:
    """Read the votes file without creating it: an operator asking must not leave files behind."""
    from bot.state.feedback import DOWN, FILE_NAME, FeedbackStore, eval_records

    path = getattr(args, "data", None) or settings.state_dir
    if not (path / FILE_NAME).is_file():  # an empty export is not an error: a cron job exporting votes goes on
        missing = f"{path / FILE_NAME} does not exist (set DATA_DIR or --data)"
        print(f"incident-bot: no votes yet: {missing}", file=sys.stderr)
        return 0
    store = FeedbackStore(path / FILE_NAME)
    if args.jsonl:
        for record in eval_records(store.votes(DOWN)):
            print(json.dumps(record, ensure_ascii=False))
    else:
        counts = store.counts()
        print(f"{counts.total} votes: {counts.up} 👍, {counts.down} 👎 ({path / FILE_NAME})")
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.search.eval_sets import load_eval, run
    from bot.search.evaluation import AnswerWords, judge, summarize

    try:
        evals = load_eval(args.questions)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read questions: {exc}") from exc
    engine = _library(settings).engine
    words = AnswerWords(engine.tokenizer, engine.ranker.idf)
    result = run(engine, evals, lambda q, a: judge(q, a, words))
    figures: dict[str, Any] = summarize(j.verdict for j in result.questions).as_dict() if result.questions else {}
    figures |= result.figures()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(map(len, figures), default=0)
        for key, value in figures.items():
            print(f"{key:>{width}}: {value:.3f}" if isinstance(value, float) else f"{key:>{width}}: {value}")
    if args.verbose:
        for judged in (*result.questions, *result.followups):
            _print_miss(judged.verdict, judged.answer)
    return 0


def _print_miss(verdict: Verdict, answer: Answer) -> None:
    """One question the run got wrong, with what was wanted and what came back (stderr)."""
    from bot.search.eval_sets import handled

    q = verdict.question
    missed = not verdict.first_reply_answers if q.answerable else not handled(answer, q.kind)
    if not missed:
        return
    top = answer.hits[0] if answer.hits else None
    print(
        f"\n{q.id} {q.question!r} ({answer.outcome}{', about: ' + answer.about if answer.about else ''})"
        f"\n  article rank {verdict.article_rank}, passage rank {verdict.passage_rank},"
        f" first reply answers: {verdict.first_reply_answers}"
        f"\n  wanted: {q.answer_paragraph_starts_with}"
        f"\n  got:    {clean(top.note.title + ' | ' + top.passage[:120]) if top else '(declined)'}",
        file=sys.stderr,
    )


def _progress_bar() -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\rindexing [{'#' * filled}{'.' * (width - filled)}] {done}/{total} notes", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return show
