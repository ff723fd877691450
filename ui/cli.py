"""`rag` command line. Every product error is printed as one line (`error: ...`) with exit status 1."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rag import RagError

__all__ = ["main"]


def _settings(args: argparse.Namespace) -> Any:
    """The settings from the environment (`RAG_*`), with `--data-dir` in place of RAG_DATA_DIR when given."""
    from rag import Settings

    return Settings(data_dir=args.data_dir) if args.data_dir is not None else Settings()


def _assistant(args: argparse.Namespace) -> Any:
    from rag import get_assistant

    return get_assistant(_settings(args))


@contextmanager
def _progress(label: str, embedder: Any, enabled: bool = True) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar on stderr, shown only once a run turns out to have more than a few files: files done, time
    left, the embedder's passage tokens per second and the current file."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.description}"),
        transient=True,
        console=Console(stderr=True),
    )
    task = None
    from rag import TokenRate

    rate = TokenRate(embedder)

    def update(done: int, total: int, source: str) -> None:
        nonlocal task
        if task is None:
            if not enabled or total <= 3:
                return
            bar.start()
            task = bar.add_task("", total=total, rate="")
        speed = rate()
        bar.update(task, completed=done, description=source.rsplit("/", 1)[-1][:40], rate=speed or "")

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag import IngestAbortedError

    try:
        assistant = _assistant(args)
        with _progress("ingest", assistant.embedder, enabled=not args.json) as progress:
            report = assistant.ingest(args.paths, progress)
    except IngestAbortedError as e:  # the files done before the failure, then the one-line error (with the summary)
        _print_report(args, e.report, summary=False)
        raise
    _print_report(args, report)
    return 1 if report.rejected and not (report.added or report.updated or report.unchanged) else 0


def _print_report(args: argparse.Namespace, report: Any, summary: bool = True) -> None:
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for r in report.results:
            if r.status == "rejected":
                print(f"rejected  {r.source}: {r.reason}")
            elif r.status != "unchanged" or args.verbose:
                print(f"{r.status:<9} {r.source} ({r.chunks} chunks){'  ' + r.reason if r.reason else ''}")
        if summary:
            print(report.summary())


def _print_answer(answer: Any) -> None:
    if answer.standalone != answer.question:  # a follow-up: say which question was answered
        print(f"({answer.standalone})")
    print(answer.answer)
    if answer.note:
        print(f"({answer.note})")
    if answer.citations:
        print("\nSources:" if answer.language == "en" else "\nNguồn:")
        for c in answer.citations:
            print(f"  [{c.id}] {c.title} — {c.source} (chars {c.start}–{c.end})")
            print(textwrap.indent(textwrap.fill(f"“{c.quote}”", 100), "      "))


def _ask_and_print(assistant: Any, question: str, history: list[dict[str, str]], stream: bool) -> Any:
    """Print the answer with its sources (with `stream`, the LLM's text first, as it comes) and return it."""
    if not stream:
        answer = assistant.ask(question, history)
        _print_answer(answer)
        return answer
    streamed = ""
    for item in assistant.ask_stream(question, history):
        if isinstance(item, str):  # the LLM's text as it comes, before verification
            streamed += item
            print(item, end="", flush=True)
            continue
        if streamed:
            print("\n\n" + ("Verified answer:" if item.language == "en" else "Câu trả lời đã kiểm chứng:"))
        _print_answer(item)
    return item


def cmd_ask(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    if args.json:
        print(json.dumps(assistant.ask(args.question).to_dict(), ensure_ascii=False, indent=2))
    else:
        _ask_and_print(assistant, args.question, [], args.stream)
    return 0


_QUIT = ("exit", "quit", ":q")


def _questions() -> Iterator[str]:
    """The lines typed at the "> " prompt, until Ctrl-D or exit, quit, :q."""
    if sys.stdin.isatty():  # line editing and ↑ for earlier questions, where the platform has it
        try:
            import readline  # noqa: F401
        except ImportError:
            pass
    while True:
        try:
            line = input("> ").strip()
        except EOFError:
            print()
            return
        if line.lower() in _QUIT:
            return
        if line:
            yield line


def cmd_chat(args: argparse.Namespace) -> int:
    from rag import RagError

    assistant = _assistant(args)
    stream = assistant.llm is not None  # an LLM's text is shown as it comes, as on the chat page
    print("Ask about the articles; follow-ups use the conversation. /reset starts over; exit or Ctrl-D leaves.")
    history: list[dict[str, str]] = []  # what Assistant.ask takes: chat messages, oldest first
    try:
        for question in _questions():
            if question == "/reset":
                history.clear()
                print("(conversation cleared)")
                continue
            try:  # a question that cannot be asked (too long), a store busy for now: said, and the chat goes on
                answer = _ask_and_print(assistant, question, history, stream)
            except RagError as e:
                print(f"error: {e}", file=sys.stderr)
                continue
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
            print()
    except KeyboardInterrupt:  # Ctrl-C, at the prompt or while answering, is a way out like Ctrl-D
        print()
    return 0


def cmd_retrieve(args: argparse.Namespace) -> int:
    passages = _assistant(args).retrieve(args.question, args.k)
    if args.json:
        print(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=2))
    for i, p in enumerate(passages if not args.json else [], 1):
        print(f"{i}. [{p.score:.3f}] {p.title} — {p.source} ({p.start}–{p.end})")
        print(textwrap.indent(textwrap.shorten(p.text, 300), "   "))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    for target in args.targets:
        for source in assistant.remove(target):
            print(f"removed   {source}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    with _progress("reindex", assistant.embedder) as progress:
        n = assistant.reindex(progress)
    print(f"reindexed {n} documents with {assistant.embedder.name} (the old index answered until the switch)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    health = _assistant(args).check(full=True)
    for note in health.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({"ok": health.ok, **vars(health)}, ensure_ascii=False, indent=2))
    elif health.ok:
        print(health.line())
    else:
        print(f"error: {health.line()}", file=sys.stderr)
    return 0 if health.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    path = assistant.backup(args.file)
    if assistant.settings.database_url:
        print(
            f"catalog dumped to {path} with pg_dump (restore: stop writers, `pg_restore --clean --if-exists -d URL "
            f"{path}` into the database, `rag repair`)"
        )
    else:
        print(
            f"catalog copied to {path} (restore: stop writers, copy it to the data dir's catalog.sqlite3, `rag repair`)"
        )
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    if not assistant.check(full=True).problems:
        print("nothing to repair: " + assistant.check(full=False).line())
        return 0
    with _progress("repair", assistant.embedder) as progress:
        embedded, deleted = assistant.repair(progress)
    print(f"re-embedded {embedded} missing vectors, deleted {deleted} orphan vectors")
    health = assistant.check(full=True)
    if not health.ok:  # what repair cannot fix (a damaged catalog file, another embedder)
        print(f"error: {health.line()}", file=sys.stderr)
        return 1
    print(health.line())
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    stats = assistant.stats()
    docs = assistant.documents() if args.docs else []
    if args.json:
        print(json.dumps({**stats, "docs": docs} if args.docs else stats, ensure_ascii=False, indent=2))
        return 0
    for k, v in stats.items():
        print(f"{k:<10} {v}")
    for d in docs:
        print(
            f"{d['doc_id']}  {d['n_chunks']:>3} chunks  {d['date'] or '----------'}  {d['title'][:60]}  {d['source']}"
        )
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    from rag import RECORD_COLUMNS, record_rows

    records = _assistant(args).records()
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
    elif args.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=RECORD_COLUMNS)
        writer.writeheader()
        writer.writerows(record_rows(records))
    else:
        for row in record_rows(records):
            print(
                " · ".join(f"{c}: {row[c]}" for c in RECORD_COLUMNS[:-2] if row[c] != "")
                + f" · {row['source'].rsplit('/', 1)[-1]}"
            )
        print(f"{len(records)} inspection records")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    from rag import Assistant, Settings, evaluate, load_gold

    gold = load_gold(args.gold)
    if args.store:  # the user's own store, as it is
        report = evaluate(_assistant(args), gold)
    else:  # a fresh store of exactly the given articles, so nothing else changes the score
        with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
            # (all of it in the temporary folder: neither the Chroma server nor the PostgreSQL catalog of a deployment)
            fresh = {"data_dir": Path(tmp), "auto_seed": False, "chroma_host": None, "database_url": None}
            settings = Settings().model_copy(update=fresh)
            assistant = Assistant(settings)
            paths = args.docs or [settings.seeds_path()]
            ingested = assistant.ingest(paths)
            print(f"eval store: {ingested.summary()} from {', '.join(str(p) for p in paths)}", file=sys.stderr)
            report = evaluate(assistant, gold)
            assistant.close()
    totals = report.totals()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for r in report.results:
            mark = "ok  " if r.correct else "FAIL"
            print(
                f"{mark} {r.id:>4} {r.latency_ms:7.1f} ms  {r.mode:<10} {r.question}"
                + (f"  — {r.why}" if r.why else "")
            )
        print()
        for kind, groups in report.by_category().items():
            print(f"by {kind}: " + ", ".join(f"{k} {v['correct']}/{v['questions']}" for k, v in groups.items()))
        print()
        for k, v in totals.items():
            print(f"{k:<20} {v}")
    if args.min is not None and (totals["answer_accuracy"] or 0.0) < args.min:
        print(f"error: answer accuracy {totals['answer_accuracy']} is under --min {args.min}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    serve(host=args.host, port=args.port, assistant=_assistant(args))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from rag import Watcher
    from ui.server import stop_on_sigterm

    assistant = _assistant(args)
    watcher = Watcher(assistant, args.dirs, debounce=args.debounce, polling=args.polling)
    stop_on_sigterm()
    print(
        f"watching {', '.join(map(str, watcher.dirs))} · data {assistant.settings.data_dir} · Ctrl-C stops",
        flush=True,
    )
    watcher.start()
    try:
        watcher.join()
    except KeyboardInterrupt:  # the way to stop watching, not an error
        watcher.stop()
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def cmd_feeds(args: argparse.Namespace) -> int:
    import logging

    from rag import Feeds

    feeds = Feeds(_assistant(args))
    # the report below says it all once: every feed's line and every item's, failures with their reason
    # (rag.sources.feeds logs an item that failed by surprise as a WARNING, for a server's background polls)
    quiet = logging.getLogger("rag").getEffectiveLevel() >= logging.INFO
    feed_log, level = logging.getLogger("rag.sources.feeds"), logging.getLogger("rag.sources.feeds").level
    feed_log.setLevel(logging.ERROR if quiet else level)
    try:
        return _feeds(args, feeds)
    finally:
        feed_log.setLevel(level)


def _feeds(args: argparse.Namespace, feeds: Any) -> int:
    if args.action == "add":
        info = feeds.add(args.url, check=not args.no_check)
        print(f"added feed {info.url}" + (f" ({info.title})" if info.title else "") + "; `rag feeds poll` fetches it")
    elif args.action == "remove":
        feeds.remove(args.url)
        print(f"removed feed {args.url} (its articles stay; `rag remove` takes one out)")
    elif args.action == "list":
        infos = feeds.list()
        if args.json:
            print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2))
        for i in infos if not args.json else []:
            polled = time.strftime("%Y-%m-%d %H:%M", time.localtime(i.last_polled)) if i.last_polled else "never"
            print(f"{i.url}  {i.title or ''}".rstrip())
            print(
                f"    polled {polled} · {_count(i.articles, 'article')}, {_count(i.duplicates, 'duplicate')}, "
                f"{i.skipped} skipped, "
                f"{i.failing} failing" + (f" · last error: {i.last_error}" if i.last_error else "")
            )
        if not infos and not args.json:
            print("no feeds (add one with `rag feeds add URL`)")
    else:
        results = feeds.poll()
        if args.json:
            print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        for r in results if not args.json else []:
            print(r.line())
            for url in r.added:
                print(f"    added     {url}")
            for url, story in r.duplicates.items():
                print(f"    duplicate {url} (the story of {story})")
            for kind, items in (("skipped", r.skipped), ("failed", r.failed)):
                for url, why in items.items():
                    print(f"    {kind:<9} {url}: {why}")
        if not results and not args.json:
            print("no feeds (add one with `rag feeds add URL`)")
        # every feed was polled; a feed that could not be read, or an item that failed (tried again at the next
        # poll), is named on its own line and makes the exit status 1
        return 1 if any(r.error or r.failed for r in results) else 0
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from ui.server import run_api

    run_api(host=args.host, port=args.port, assistant=_assistant(args))
    return 0


class _Formatter(argparse.HelpFormatter):
    """Every option's help ends with its default: "off" for a flag, else the value (unless the help says it)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not action.option_strings or action.default is argparse.SUPPRESS or "default" in text:
            return text
        return f"{text} (default: {'off' if action.nargs == 0 else '%(default)s'})"


def _data_dir_help() -> str:
    from rag import Settings

    fallback = Settings.model_fields["data_dir"].get_default(call_default_factory=True)
    return f"the data directory for this run, in place of RAG_DATA_DIR (default: RAG_DATA_DIR, else {fallback})"


def _version() -> str:
    import rag

    return f"rag {rag.__version__}"


GOLD_HELP = (
    "a JSONL file, one question a line: "
    '{"question": text, "expect": [texts the answer must contain; a list in it is any-of], '
    '"forbid": [texts it must not contain], "sources": [file names it must cite], "not_found": true when it must '
    'refuse}; or {"id", "q", "found": bool, "expect": [[any-of texts]], "cite": [file-name prefixes to cite], '
    '"cite_any": [one of these], "forbid"}, which compares ignoring case and diacritics'
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Cited answers about Vietnamese news articles.", formatter_class=_Formatter
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help=_data_dir_help())
    # after the command name too (`rag ask --data-dir DIR ...`); SUPPRESS keeps a value given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=_data_dir_help())
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], formatter_class=_Formatter, **kwargs)

    p = command("ingest", help="add or update articles (files or folders, recursive)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="article files, or folders to search recursively")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="list unchanged files too")
    p.set_defaults(fn=cmd_ingest)

    p = command("ask", help="answer a question with cited sources")
    p.add_argument("question", help="in Vietnamese (with or without diacritics) or English")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    p.add_argument(
        "--stream",
        action="store_true",
        help="with an LLM (RAG_LLM), print its text as it comes; citations are verified at the end",
    )
    p.set_defaults(fn=cmd_ask)

    p = command(
        "chat",
        help="ask questions one after another; follow-ups use the conversation",
        description="One question a line at the > prompt; each answer comes with its numbered sources. A follow-up "
        "such as 'Còn ở Đắk Lắk thì sao?' is read with the conversation (the question answered is shown in "
        "brackets). /reset forgets the conversation; exit, quit, :q, Ctrl-D or Ctrl-C leave.",
    )
    p.set_defaults(fn=cmd_chat)

    p = command("retrieve", help="show the passages retrieval finds for a question")
    p.add_argument("question", help="in Vietnamese (with or without diacritics) or English")
    p.add_argument("-k", type=int, default=5, help="how many passages to show")
    p.add_argument("--json", action="store_true", help="print the passages (text, offsets, scores) as JSON")
    p.set_defaults(fn=cmd_retrieve)

    p = command("remove", help="remove articles by path (file or folder) or document id")
    p.add_argument(
        "targets", nargs="+", metavar="PATH|DOC_ID", help="an ingested file, a folder, or an id (see rag stats --docs)"
    )
    p.set_defaults(fn=cmd_remove)

    p = command("reindex", help="re-chunk and re-embed every article (after changing RAG_EMBEDDER)")
    p.set_defaults(fn=cmd_reindex)

    p = command(
        "check",
        help="check the index: catalog file, catalog against vectors, embedder",
        description="SQLite's page check of the catalog, every chunk against the vector index (missing and orphan "
        "vectors) and the embedder that built it. Prints what is wrong and what to run; exit status 1 then.",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(fn=cmd_check)

    p = command(
        "repair",
        help="re-embed missing vectors from the stored text, delete orphan vectors",
        description="Re-embeds every chunk whose vector is missing (from the catalog's text, with the current "
        "embedder) and deletes vectors that belong to no chunk. A damaged catalog file needs its backup.",
    )
    p.set_defaults(fn=cmd_repair)

    p = command(
        "backup",
        help="copy the catalog (every article's text, chunks, facts) to FILE, safely while the page runs",
        description="A consistent copy of the catalog, taken with SQLite's online backup while readers and writers "
        "go on. Vectors are not copied: after restoring the copy (stop writers, copy it to RAG_DATA_DIR/"
        "catalog.sqlite3), `rag repair` re-embeds what they miss. With RAG_DATABASE_URL the copy is pg_dump's "
        "(custom format; restore it with pg_restore).",
    )
    p.add_argument("file", help="a new file (an existing one is never overwritten)")
    p.set_defaults(fn=cmd_backup)

    p = command("stats", help="what the index holds")
    p.add_argument("--docs", action="store_true", help="list the documents")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(fn=cmd_stats)

    p = command("facts", help="export the inspection records (team, people, units, date, legal basis)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="every record with every field and its source span")
    out.add_argument("--csv", action="store_true", help="one row per record")
    p.set_defaults(fn=cmd_facts)

    p = command(
        "eval",
        help="score answers against a gold file (accuracy, citations, refusals, latency)",
        description="Ask every question of a gold file and score the answers, in total and by category. "
        "By default a fresh temporary store is built from --docs (the bundled seeds when none are "
        "given), so the articles you have ingested do not change the score; --store uses your store.",
    )
    p.add_argument("gold", help=GOLD_HELP)
    p.add_argument(
        "--docs",
        nargs="+",
        metavar="PATH",
        help="files or folders to build the evaluation store from (default: the bundled seeds)",
    )
    p.add_argument(
        "--store", action="store_true", help="evaluate on your own store (--data-dir or RAG_DATA_DIR) instead"
    )
    p.add_argument(
        "--min",
        type=float,
        metavar="ACCURACY",
        help="exit with status 1 when answer accuracy is lower (default: no minimum)",
    )
    p.add_argument("--json", action="store_true", help="print the report (totals, by category, results) as JSON")
    p.set_defaults(fn=cmd_eval)

    p = command("serve", help="open the chat page (and the HTTP API under /api and /v1)")
    p.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on; 0.0.0.0 opens the page to the network"
    )
    p.add_argument("--port", type=int, default=7860, help="the port to listen on")
    p.set_defaults(fn=cmd_serve)

    p = command(
        "watch",
        help="keep the index in step with folders: ingest new and changed files, remove deleted ones",
        description="Ingests what the folders hold now and removes the documents whose file is gone, then follows "
        "every change (native file events, else polling): a file is ingested once it has been quiet for --debounce "
        "seconds, a deleted one removed; one log line per file on stderr. RAG_WATCH makes rag serve and rag api do "
        "the same. Ctrl-C stops.",
    )
    p.add_argument("dirs", nargs="+", metavar="DIR", help="folders to watch (recursively)")
    p.add_argument("--debounce", type=float, default=1.0, help="seconds a file must be quiet before it is ingested")
    p.add_argument("--polling", action="store_true", help="poll the folders every second instead of file events")
    p.set_defaults(fn=cmd_watch)

    p = command(
        "feeds",
        help="news feeds (RSS, Atom): add, list, remove, poll",
        description="A poll fetches every feed (conditional GET: an unchanged feed costs one request), then the page "
        "of each new item, reads its article text and ingests it with its URL, title and date. The same story from "
        "several outlets is kept once, with all its URLs. One feed's failure never stops the others; poll exits 1 "
        "when a feed could not be read or an item failed (each is named on its own line). rag serve and rag api "
        "poll every RAG_FEED_INTERVAL seconds.",
    )
    actions = p.add_subparsers(dest="action", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, parents=[common], help=help, formatter_class=_Formatter)

    a = action("add", "add a feed (checked: it must be RSS or Atom)")
    a.add_argument("url", help="the feed's http(s) address")
    a.add_argument("--no-check", action="store_true", help="add it without fetching it first")
    a = action("remove", "stop polling a feed (its articles stay)")
    a.add_argument("url", help="the feed's address, as `rag feeds list` shows it")
    a = action("list", "the feeds, when they were polled and what came of them")
    a.add_argument("--json", action="store_true", help="print as JSON")
    a = action("poll", "poll every feed once and ingest what is new")
    a.add_argument("--json", action="store_true", help="print each feed's result as JSON")
    p.set_defaults(fn=cmd_feeds)

    p = command(
        "api",
        help="serve the HTTP API alone (rag serve serves it next to the page)",
        description="REST under /api (ask, retrieve, facts, documents, health), OpenAI-compatible chat completions "
        "under /v1, the schema at /api/docs. RAG_API_TOKEN requires `Authorization: Bearer <token>`; RAG_UI_AUTH "
        "also accepts its user and password (HTTP Basic). RAG_WATCH and the feeds work in the background, as in "
        "rag serve.",
    )
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on; 0.0.0.0 opens it to the network")
    p.add_argument("--port", type=int, default=8000, help="the port to listen on")
    p.set_defaults(fn=cmd_api)
    return parser


def _log_to_stderr(args: argparse.Namespace) -> None:
    """The product's own loggers (`rag`, `vectorstore`, `ui`) at RAG_LOG_LEVEL on stderr, one line each; other
    libraries' at WARNING (httpx alone would log every request)."""
    import logging

    if logging.getLogger().handlers:  # a host program (or pytest) configured logging already
        return
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    level = _settings(args).log_level
    for name in ("rag", "vectorstore", "ui"):
        logging.getLogger(name).setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _log_to_stderr(args)
        return int(args.fn(args))
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
    except ValidationError as e:
        err = e.errors()[0]
        print(f"error: invalid setting RAG_{str(err['loc'][0]).upper()}: {err['msg']}", file=sys.stderr)
    except BrokenPipeError:  # `rag ask ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 1
