"""News feeds: RSS and Atom feeds polled for new articles. Each new item's page is fetched, its article text read
(trafilatura) and ingested with its URL, title and date. The same story syndicated by several outlets (near-duplicate
text) is kept once, with all its URLs.

State, under `<data_dir>/feeds/`: `feeds.sqlite3` (one of the store's side files: WAL, several processes may use it
at once) holds the feeds, the items seen, the stories kept and their text signatures; `articles/*.md` holds one
Markdown file per story (YAML front matter: title, url, date, feed, urls), which is what is ingested; `poll.lock` (a
side lock) lets one poll run at a time. With `RAG_DATABASE_URL`, the tables live in that database and the lock is its
advisory lock, so replicas share the feeds and one of them polls at a time; the story files stay with the replica that
fetched them (the catalog holds their text).

Outcomes are catalog messages (`wording/messages/sources.toml`): a FeedResult's error and its items' reasons are
`Message`s, FeedError is keyed. A feed's last error is stored as its English line (what older versions read) and
beside it as key and fields (JSON), so `FeedInfo.last_error` can be shown in Vietnamese too.

Limits: every wait on a server is at most `feed_timeout` seconds, a whole download at most 5 times that; feeds and
pages past `feed_max_page_mb` are not read further; connection failures, time-outs, HTTP 429 and 5xx are tried
3 times with exponential backoff (Retry-After honoured up to 30 s). A page with fewer than 40 words of article text
is not an article. Feed entries' own summaries or content are never ingested in place of the page.

Only public addresses are fetched (a hostile feed must not make the server read its own or its network's services
and show what they answer in the library): every connection, the feed's, an item's or a redirect's, resolves its
host once, is refused when any address is loopback, private, link-local, multicast or otherwise not public (IPv4,
IPv6, IPv4 inside IPv6) unless `feed_allow_networks` holds it, and connects to the very address it checked, so a
second answer of the resolver (DNS rebinding) is never used. Proxy variables are not used: a proxy would resolve
names where they cannot be checked.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import ipaddress
import json
import logging
import os
import re
import socket
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from wording import Message

from ..errors import FeedError, RagError, StoreLockedError
from ..facts import extract_facts
from ..indexing.ingest import Progress
from ..vn.text import syllables

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = ["Feeds", "FeedInfo", "FeedResult", "NEAR_DUPLICATE"]

log = logging.getLogger("rag.sources.feeds")
# trafilatura and htmldate log a page without article text as an ERROR ("empty HTML tree"); the item's own line
# says why it was skipped
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

NEAR_DUPLICATE = 0.8  # share of the shorter text's shingles found in a kept story that makes it the same story
_SHINGLE = 5  # syllables per shingle: long enough that common phrases alone never make two stories alike
_MIN_WORDS = 40  # syllables: fewer is a notice or an error page, not an article (trafilatura keeps any text)
_MAX_WAIT = 30.0  # the longest Retry-After obeyed
_WHOLE = 5  # a download may take this many times feed_timeout in all (a server dripping bytes)
_SEEN = ("added", "duplicate", "skipped")  # item states never fetched again; "failed" ones are retried

# {id}: SQLite's rowid alias or PostgreSQL's serial; DOUBLE PRECISION is SQLite's REAL (PostgreSQL's REAL is 4 bytes)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds(url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT,
    added_at DOUBLE PRECISION NOT NULL, last_polled DOUBLE PRECISION, last_error TEXT, last_error_message TEXT);
CREATE TABLE IF NOT EXISTS items(feed TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT, story BIGINT, at DOUBLE PRECISION NOT NULL, PRIMARY KEY(feed, key));
CREATE TABLE IF NOT EXISTS stories(id {id}, url TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
    doc_id TEXT, shingles INTEGER NOT NULL, added_at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS story_urls(url TEXT PRIMARY KEY, story BIGINT NOT NULL, added_at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS shingles(hash BIGINT NOT NULL, story BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS shingles_hash ON shingles(hash);
CREATE INDEX IF NOT EXISTS story_urls_story ON story_urls(story)
"""
_ITEM = (  # an item's row, replaced (SQL both backends speak)
    "INSERT INTO items(feed, key, url, status, reason, story, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(feed, key) "
    "DO UPDATE SET url = excluded.url, status = excluded.status, reason = excluded.reason, story = excluded.story, "
    "at = excluded.at"
)
_STORY_URL = (
    "INSERT INTO story_urls(url, story, added_at) VALUES (?, ?, ?) "
    "ON CONFLICT(url) DO UPDATE SET story = excluded.story, added_at = excluded.added_at"
)


@dataclass
class FeedInfo:
    url: str
    title: str | None
    added_at: float  # seconds since the epoch, as all times here
    last_polled: float | None
    last_error: (
        str | None
    )  # why the last poll could not read the feed (a Message, or older English text); None: it could
    articles: int  # items ingested as new stories
    duplicates: int  # items that joined a story already kept
    skipped: int  # items given up for good, with their reason
    failing: int  # items that failed for now; tried again at the next poll

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FeedResult:
    """What one poll did with one feed."""

    url: str
    error: str | None = None  # a Message: why the feed itself could not be read (nothing else was done)
    not_modified: bool = False  # the server answered 304: nothing new
    added: list[str] = field(default_factory=list)  # URLs of the new stories ingested
    duplicates: dict[str, str] = field(default_factory=dict)  # URL -> URL of the story it joined
    skipped: dict[str, str] = field(default_factory=dict)  # URL -> reason (a Message); never tried again
    # URL -> reason (a Message, or a library's own words); tried again at the next poll
    failed: dict[str, str] = field(default_factory=dict)
    seen: int = 0  # items handled by earlier polls

    def line(self) -> Message:
        if self.error:
            return Message("sources.feed_error", url=self.url, error=self.error)
        if self.not_modified:
            return Message("sources.not_modified", url=self.url)
        return Message(
            "sources.feed_done",
            url=self.url,
            added=len(self.added),
            duplicates=len(self.duplicates),
            skipped=len(self.skipped),
            failed=len(self.failed),
            seen=self.seen,
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.line()}


class _FetchError(Exception):
    """A feed or page that could not be fetched; `transient` ones are worth trying again later. Raised and caught in
    this module only: its `reason` is what the user reads (in a FeedResult, or in a FeedError)."""

    def __init__(self, reason: str, transient: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.transient, self.retry_after = reason, transient, retry_after


@dataclass
class _Page:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes


# --- what may be connected to ---------------------------------------------------------------------------------
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses reached through a NAT64 gateway


def _not_public(ip: _IP) -> str | None:
    """What `ip` is when it is not a public address ("loopback", "link-local", "private", "multicast", ...), else
    None. An IPv4 address inside an IPv6 one (mapped, 6to4, NAT64, Teredo) is judged as itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo or (None, None))[1]
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return _not_public(inner)
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "special-purpose"  # shared (100.64/10), benchmarking (198.18/15), ...


class _CheckedBackend(httpcore.SyncBackend):
    """httpcore's sockets, opened only to checked addresses. Each new connection resolves its host once; when any
    address is not public and outside `allowed`, it raises _FetchError before any connection; else it connects to
    those addresses themselves, never to the name (which a rebinding resolver would answer differently)."""

    def __init__(self, allowed: tuple[_Network, ...]):
        self.allowed = allowed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        try:  # [(family, type, proto, canonname, (address, port, ...))]; an IP literal resolves to itself
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as e:
            raise httpcore.ConnectError(str(e)) from None
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        for address in addresses:
            ip = ipaddress.ip_address(address)
            kind = _not_public(ip)
            if kind and not any(ip in net for net in self.allowed):
                where = address if address == host.strip("[]") else f"{host} ({address})"
                raise _FetchError(Message("sources.refused", where=where, kind=kind), False)
        for address in addresses[
            :-1
        ]:  # the next address when one does not answer, as create_connection does for a name
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue
        return super().connect_tcp(addresses[-1], port, timeout, local_address, socket_options)


def _one_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _unexpected(e: Exception) -> str:
    """What an exception that no rule expected says: a product error as its message (shown in either language), any
    other as its first line (a library's own words)."""
    return e.message if isinstance(e, RagError) else _one_line(e)


def _stored(message: str | None) -> str | None:
    """A message's key and fields as JSON, so that it can be worded again in either language; None for other text."""
    return json.dumps(message.as_data(), ensure_ascii=False) if isinstance(message, Message) else None


def _restored(english: str | None, stored: str | None) -> str | None:
    """The message `_stored` kept, or the English line as it is: stored by a version before keys, or worded by keys
    or fields the catalog no longer has."""
    try:
        return Message.from_data(json.loads(stored)) if stored else english
    except (ValueError, LookupError, TypeError, RagError):  # unreadable JSON, a key or a field gone: as stored
        return english


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _entry_date(entry: Any) -> str | None:
    """The entry's publication day as written: feedparser's parsed times are UTC, which moves an article published
    at 06:00 in Vietnam (+07:00) to the day before."""
    get = dict.get  # not the entry's own get(), which maps a missing `published` to `updated` with a warning
    for raw in (get(entry, "published"), get(entry, "updated")):
        if not raw:
            continue
        try:
            return parsedate_to_datetime(raw).date().isoformat()  # RSS: RFC 822
        except (TypeError, ValueError):
            pass
        if m := re.match(r"\d{4}-\d{2}-\d{2}", raw.strip()):  # Atom: RFC 3339
            return m.group(0)
    parsed = get(entry, "published_parsed") or get(entry, "updated_parsed")
    return date(*parsed[:3]).isoformat() if parsed else None


def _signature(text: str) -> set[int]:
    """The text's shingles (runs of folded syllables), hashed to 63 bits (an SQLite integer)."""
    syl = syllables(text)
    runs = (" ".join(syl[i : i + _SHINGLE]) for i in range(max(1, len(syl) - _SHINGLE + 1)))
    return {int.from_bytes(hashlib.blake2b(r.encode(), digest_size=8).digest(), "big") >> 1 for r in runs}


_NUMBER = re.compile(r"\d+")


def _specifics(text: str) -> dict[str, frozenset[str]]:
    """What sets one report apart from another written on the same pattern: its inspection events' teams,
    provinces and people (the product's own fact extraction), and the numbers it states."""
    events = extract_facts(text, "", "").events
    return {
        "teams": frozenset(str(e.team) for e in events if e.team is not None),
        "provinces": frozenset(e.province for e in events if e.province),
        "people": frozenset(p.name for e in events for p in e.people),
        "numbers": frozenset(str(int(n)) for n in _NUMBER.findall(text)),
    }


def _conflict(a: str, b: str) -> str | None:
    """Why two texts that share most of their wording are still two stories, or None. The same story from another
    outlet may say less (a sentence dropped) or more (an intro, a byline, a dateline): one side's teams, provinces,
    people and numbers then hold the other's. Two reports on one template (another team, leader, province or
    figure) each state something the other does not."""
    sa, sb = _specifics(a), _specifics(b)
    for kind in sa:
        if sa[kind] and sb[kind] and not (sa[kind] <= sb[kind] or sb[kind] <= sa[kind]):
            only = sorted(sa[kind] - sb[kind])[:3], sorted(sb[kind] - sa[kind])[:3]
            return f"{kind} {', '.join(only[0])} against {', '.join(only[1])}"
    return None


def _body(markdown: str) -> str:
    """A kept story's text: its file without the front matter."""
    import frontmatter

    return str(frontmatter.loads(markdown).content)


def _article_path(folder: Path, url: str) -> Path:
    host = re.sub(r"[^a-z0-9.-]+", "-", (urlsplit(url).hostname or "page").lower())
    return folder / f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:12]}.md"


def _write_article(path: Path, meta: dict[str, str | None], text: str) -> None:
    """The Markdown file that is ingested: written aside, then renamed, so a folder watcher never reads half."""
    import yaml

    head = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True, sort_keys=False, width=10**6)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"---\n{head}---\n{text}\n", encoding="utf-8")
    os.replace(tmp, path)


class Feeds:
    """The news feeds of one Assistant's data directory. Safe to use from several threads and processes (one poll
    at a time per data directory; the others wait up to `lock_timeout`)."""

    def __init__(self, assistant: Assistant, *, tries: int = 3, backoff: float = 1.0):
        """`tries`: attempts per request on transient failures, `backoff`: seconds before the second (doubling)."""
        from .. import __version__

        self.assistant, self.settings = assistant, assistant.settings
        self.tries, self.backoff = max(1, tries), backoff
        self.user_agent = f"rag-vn-news/{__version__} (+feeds)"
        side = assistant.side_files  # not the store itself: a damaged one still lists its feeds
        self.dir = side.data_dir / "feeds"
        self.articles_dir = self.dir / "articles"
        self.articles_dir.mkdir(parents=True, exist_ok=True)
        self._lock = side.lock("feeds/poll")  # one object: the threads of this process take turns on it
        self._postgres = side.postgres  # the feeds' tables in the catalog's database, shared by replicas
        schema = _SCHEMA.format(id="BIGSERIAL PRIMARY KEY" if self._postgres else "INTEGER PRIMARY KEY")
        with self._db() as db:
            for statement in schema.split(";\n"):
                db.execute(statement)
            if self._postgres:
                return
            if "last_error_message" not in {r["name"] for r in db.execute("PRAGMA table_info(feeds)")}:
                try:  # a data dir made before messages had keys
                    db.execute("ALTER TABLE feeds ADD COLUMN last_error_message TEXT")
                except sqlite3.OperationalError as e:  # another process added it meanwhile
                    if "duplicate column" not in str(e):
                        raise

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection of its own for each use (threads never share one), committed at the end."""
        return self.assistant.side_files.db("feeds/feeds")

    # --- the list of feeds --------------------------------------------------------------------------------------
    def add(self, url: str, check: bool = True) -> FeedInfo:
        """Add a feed (an http(s) address). With `check`, it is fetched first and must be an RSS or Atom feed (its
        title is kept); nothing is ingested until a poll. Raises FeedError for another scheme, a feed already
        added, or (with `check`) one that cannot be read."""
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedError("sources.not_http", url=url)
        if self._info(url):
            raise FeedError("sources.already_feed", url=url)
        title = None
        if check:
            with self._client() as client:
                try:
                    title = self._parse(self._fetch(client, url)).feed.get("title")
                except _FetchError as e:
                    raise FeedError("sources.cannot_add", url=url, reason=e.reason) from None
        with self._db() as db:
            db.execute(
                "INSERT INTO feeds(url, title, added_at) VALUES (?, ?, ?) ON CONFLICT(url) DO NOTHING",
                (url, title, time.time()),
            )
        info = self._info(url)
        assert info is not None
        return info

    def remove(self, url: str) -> None:
        """Stop polling a feed and forget its items. The articles already ingested from it stay in the library (as
        `rag remove` would take any document out). Raises FeedError for a feed that was not added."""
        with self._db() as db:
            if not db.execute("DELETE FROM feeds WHERE url = ?", (url.strip(),)).rowcount:
                raise FeedError("sources.not_a_feed", url=url)
            db.execute("DELETE FROM items WHERE feed = ?", (url.strip(),))

    def list(self) -> list[FeedInfo]:
        """The feeds in the order they were added, with what their items became."""
        with self._db() as db:
            urls = [r[0] for r in db.execute("SELECT url FROM feeds ORDER BY added_at, url")]
        return [info for url in urls if (info := self._info(url))]

    def _info(self, url: str) -> FeedInfo | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
            counts = dict(db.execute("SELECT status, count(*) FROM items WHERE feed = ? GROUP BY status", (url,)))
        if row is None:
            return None
        n = {k: counts.get(k, 0) for k in ("added", "duplicate", "skipped", "failed")}
        error = _restored(row["last_error"], row["last_error_message"])
        return FeedInfo(url, row["title"], row["added_at"], row["last_polled"], error, *n.values())

    # --- polling ------------------------------------------------------------------------------------------------
    def poll(self, progress: Progress | None = None, stop: threading.Event | None = None) -> builtins.list[FeedResult]:
        """Poll every feed once: one result per feed, in order. One feed failing never stops the others, one item
        failing never stops its feed. With `stop` set, the poll ends after the item in hand (what is left stays new
        for the next poll). Raises FeedError when another poll of this data directory runs past `lock_timeout`."""
        urls = [f.url for f in self.list()]
        try:
            self._lock.acquire()
        except StoreLockedError as e:
            raise FeedError("sources.poll_running", error=e) from None
        try:
            results = []
            with self._client() as client:
                for i, url in enumerate(urls):
                    if stop is not None and stop.is_set():
                        break
                    if progress:
                        progress(i, len(urls), url)
                    results.append(self._poll_feed(client, url, stop))
            if progress:
                progress(len(results), len(urls), "")
            return results
        finally:
            self._lock.release()

    def poll_forever(self, interval: float, stop: threading.Event) -> None:
        """Poll now and then every `interval` seconds until `stop` is set (for a background thread of `rag serve`):
        each feed's result is logged; nothing it meets ends the loop. Replicas sharing the feeds (RAG_DATABASE_URL)
        share the round too: one that finds a poll running, or the feeds polled by another within the interval,
        skips its turn, so the feeds are polled once an interval whatever the number of replicas."""
        while not stop.is_set():
            try:
                if self._lock.busy():
                    log.info("feeds: another process is polling; this round is skipped")
                elif self._polled_within(interval):
                    log.info("feeds: polled by another process within %g s; this round is skipped", interval)
                else:
                    for result in self.poll(stop=stop):
                        (log.warning if result.error else log.info)("feed %s", result.line())
            except Exception as e:  # one line; the traceback at DEBUG
                log.error("feeds: the poll failed: %s", _one_line(e))
                log.debug("feeds: the poll failed", exc_info=True)
            stop.wait(interval)

    def _polled_within(self, interval: float) -> bool:
        """Whether every feed was polled less than `interval` seconds ago (by whichever process; 10% slack)."""
        with self._db() as db:
            row = db.execute("SELECT min(coalesce(last_polled, 0)), count(*) FROM feeds").fetchone()
        return bool(row[1]) and time.time() - row[0] < 0.9 * interval

    def _poll_feed(self, client: httpx.Client, url: str, stop: threading.Event | None) -> FeedResult:
        result = FeedResult(url)
        with self._db() as db:
            row = db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        if row is None:  # removed meanwhile
            return result
        condition = {"If-None-Match": row["etag"], "If-Modified-Since": row["last_modified"]}
        etag = last_modified = title = None
        try:
            page = self._fetch(client, url, {k: v for k, v in condition.items() if v})
            if page.status == 304:
                result.not_modified = True
                etag, last_modified = row["etag"], row["last_modified"]
            else:
                parsed = self._parse(page)
                title = parsed.feed.get("title")
                complete = True
                for entry in parsed.entries:
                    if stop is not None and stop.is_set():
                        complete = False
                        break
                    self._item(client, url, page.url, entry, result)
                # a conditional GET would hide the items to try again: only a complete poll keeps the validators
                if complete and not result.failed:
                    etag, last_modified = page.headers.get("etag"), page.headers.get("last-modified")
        except _FetchError as e:
            result.error = e.reason
        except Exception as e:  # a bug or a library's surprise: reported on this feed, the others go on
            result.error = Message("sources.unexpected", error=_unexpected(e))  # the caller reports it in one line
            log.debug("feed %s: %s", url, result.error, exc_info=True)  # the traceback at DEBUG only
        with self._db() as db:
            db.execute(
                "UPDATE feeds SET last_polled = ?, last_error = ?, last_error_message = ?, title = coalesce(?, title), "
                "etag = ?, last_modified = ? WHERE url = ?",
                (time.time(), result.error, _stored(result.error), title, etag, last_modified, url),
            )
        return result

    def _parse(self, page: _Page) -> Any:
        import feedparser

        headers = {"content-location": page.url, "content-type": page.headers.get("content-type", "")}
        # a stream: feedparser opens bytes that name a file (a feed answering "/etc/passwd") as that file
        parsed = feedparser.parse(io.BytesIO(page.body), response_headers=headers)
        if not parsed.entries and (not parsed.get("version") or parsed.get("bozo")):  # none, or cut short
            why = parsed.get("bozo_exception")
            reason = Message("sources.not_feed_because", why=_one_line(why)) if why else Message("sources.not_feed")
            raise _FetchError(reason, False)
        return parsed

    # --- items --------------------------------------------------------------------------------------------------
    def _item(self, client: httpx.Client, feed: str, base: str, entry: Any, result: FeedResult) -> None:
        link = urljoin(base, raw) if (raw := (entry.get("link") or "").strip()) else ""
        key = entry.get("id") or link or entry.get("title") or ""
        with self._db() as db:
            seen = db.execute("SELECT status FROM items WHERE feed = ? AND key = ?", (feed, key)).fetchone()
            known = db.execute(
                "SELECT s.url, s.id FROM story_urls u JOIN stories s ON s.id = u.story WHERE u.url = ?", (link,)
            ).fetchone()
        if seen and seen[0] in _SEEN:
            result.seen += 1
            return
        status, reason, story, surprise = "failed", "", None, False  # reason: a Message, a URL, or a library's words
        try:
            if urlsplit(link).scheme not in ("http", "https"):
                status, reason = "skipped", Message("sources.no_link")
            elif known:  # the same page in another feed, or one that joined a story from another outlet
                status, reason, story = "duplicate", known[0], known[1]
            else:
                status, reason, story = self._article(client, feed, key, link, entry)
        except _FetchError as e:
            status, reason = ("failed" if e.transient else "skipped"), e.reason
        except Exception as e:  # the store (locked, unreachable) or a library: tried again at the next poll
            reason, surprise = _unexpected(e), True
            if not isinstance(e, RagError):  # a bug or a library's surprise: its traceback at DEBUG only
                log.debug("feed %s: %s", feed, link, exc_info=True)
        if status == "added":
            result.added.append(link)
        else:
            {"duplicate": result.duplicates, "skipped": result.skipped, "failed": result.failed}[status][link] = reason
        # one line per item, with its reason; a surprise is a warning (a background poll logs nothing else of it)
        level = logging.WARNING if surprise else logging.INFO
        log.log(level, "feed %s: %s %s%s", feed, status, link, f" ({reason})" if reason else "")
        with self._db() as db:
            db.execute(_ITEM, (feed, key, link, status, reason or None, story, time.time()))

    def _article(self, client: httpx.Client, feed: str, key: str, url: str, entry: Any) -> tuple[str, str, int | None]:
        """Fetch, read and ingest one item's page: (status, reason or the joined story's URL, story id). A poll killed
        after the ingest and before the story is recorded ingests the same file again at the next ("unchanged")."""
        page = self._fetch(client, url)
        kind = page.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind and not (kind in ("text/plain", "application/xml", "text/xml") or "html" in kind):
            raise _FetchError(Message("sources.not_web_page", kind=kind), False)
        title, text, day = self._extract(page, entry)
        words = len(syllables(text))
        if words < _MIN_WORDS:
            raise _FetchError(Message("sources.no_article_text", words=words), False)
        signature = _signature(text)
        match = self._near_duplicate(signature, text)
        if match:
            return self._join(match, url)
        path = _article_path(self.articles_dir, url)
        meta = {"title": title, "url": url, "date": day, "feed": feed, "urls": url}
        _write_article(path, meta, text)
        try:
            done = self.assistant.ingest([path]).results[0]
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if done.status == "rejected":
            path.unlink(missing_ok=True)
            return "skipped", done.reason or Message("sources.rejected"), None
        with self._db() as db:
            story = db.execute(
                "INSERT INTO stories(url, path, doc_id, shingles, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET doc_id = excluded.doc_id, shingles = excluded.shingles RETURNING id",
                (url, str(path), done.doc_id, len(signature), time.time()),
            ).fetchone()[0]
            db.execute("DELETE FROM shingles WHERE story = ?", (story,))
            db.executemany("INSERT INTO shingles(hash, story) VALUES (?, ?)", ((h, story) for h in signature))
            db.execute(_STORY_URL, (url, story, time.time()))
            # the item with its story, in one transaction: a poll killed in between would find the story's URL at
            # the next poll and call this item a duplicate of itself
            db.execute(_ITEM, (feed, key, url, "added", None, story, time.time()))
        return "added", "", story

    def _extract(self, page: _Page, entry: Any) -> tuple[str, str, str | None]:
        """(title, text, ISO day) of the page's article; the feed entry's title and date where the page has none."""
        import trafilatura

        charset = page.headers.get("content-type", "").partition("charset=")[2].strip("\"' ")
        try:
            html: str | bytes = page.body.decode(charset, errors="replace") if charset else page.body
        except LookupError:
            html = page.body
        doc = trafilatura.bare_extraction(
            html,
            url=page.url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        fields = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else dict(doc or {})
        lines = (" ".join(line.split()) for line in (fields.get("text") or "").splitlines())
        text = "\n\n".join(line for line in lines if line)
        title = " ".join(str(fields.get("title") or entry.get("title") or "").split())
        day = fields.get("date") or _entry_date(entry)
        return title, text, day

    def _near_duplicate(self, signature: set[int], text: str) -> tuple[int, str, str] | None:
        """The kept story this text is a version of, (id, first URL, file), or None: the one holding the largest share
        of the shorter text's shingles, at least NEAR_DUPLICATE, that states nothing else (`_conflict`)."""
        hashes = sorted(signature)  # (one parameter: an article has thousands)
        among = "= ANY(?)" if self._postgres else "IN (SELECT value FROM json_each(?))"
        with self._db() as db:
            rows = db.execute(
                "SELECT s.id, s.url, s.path, s.shingles, count(*) AS common FROM shingles h "
                f"JOIN stories s ON s.id = h.story WHERE h.hash {among} GROUP BY s.id, s.url, s.path, s.shingles",
                (hashes if self._postgres else json.dumps(hashes),),
            ).fetchall()
        scored = [(r["common"] / max(1, min(len(signature), r["shingles"])), r) for r in rows]
        for share, row in sorted(scored, key=lambda x: -x[0]):
            if share < NEAR_DUPLICATE:
                break
            path = Path(row["path"])
            kept = _body(path.read_text(encoding="utf-8")) if path.exists() else ""
            why = _conflict(text, kept) if kept else None
            if why is None:
                return row["id"], row["url"], row["path"]
            log.info("not the same story as %s although %.0f%% alike: %s", row["url"], 100 * share, why)
        return None

    def _join(self, match: tuple[int, str, str], url: str) -> tuple[str, str, int]:
        """Add `url` to a kept story: its file's `urls` and the stored document follow (re-ingested)."""
        import frontmatter

        story, first, file = match
        with self._db() as db:
            urls = [
                r[0] for r in db.execute("SELECT url FROM story_urls WHERE story = ? ORDER BY added_at, url", (story,))
            ]
        path = Path(file)
        if path.exists():  # else the user deleted it: the URL is still recorded
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
            meta = {k: str(v) for k, v in post.metadata.items()}
            _write_article(path, {**meta, "urls": " ".join(dict.fromkeys([*urls, url]))}, post.content)
            done = self.assistant.ingest([path]).results[0]
            if done.status == "rejected":
                raise _FetchError(done.reason or Message("sources.rejected"), False)
        with self._db() as db:
            db.execute(_STORY_URL, (url, story, time.time()))
        return "duplicate", first, story

    # --- HTTP ---------------------------------------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        """Every connection through _CheckedBackend (httpx has no public hook for it: its transport's pool is
        replaced); no proxy from the environment (it would resolve the names unchecked) nor .netrc."""
        transport = httpx.HTTPTransport()
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_CheckedBackend(self.settings.feed_allowed_networks()),
        )
        return httpx.Client(
            transport=transport,
            trust_env=False,
            timeout=self.settings.feed_timeout,
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": self.user_agent},
        )

    def _fetch(self, client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> _Page:
        """GET `url` (2xx or 304), trying transient failures again after `backoff`, doubling, or the server's
        Retry-After (at most 30 s). Raises _FetchError with a one-line reason."""
        for attempt in range(1, self.tries + 1):
            try:
                return self._get(client, url, headers)
            except _FetchError as e:
                if not e.transient or attempt == self.tries:
                    if attempt == 1:
                        raise
                    again = Message("sources.after_tries", reason=e.reason, tries=attempt)
                    raise _FetchError(again, e.transient) from None
                wait = min(_MAX_WAIT, e.retry_after if e.retry_after is not None else self.backoff * 2 ** (attempt - 1))
                log.debug("%s: %s; trying again in %.1f s", url, e.reason, wait)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _get(self, client: httpx.Client, url: str, headers: dict[str, str] | None) -> _Page:
        limit = int(self.settings.feed_max_page_mb * 1_000_000)
        too_large = Message("sources.too_large", limit=self.settings.feed_max_page_mb)
        timeout = self.settings.feed_timeout
        deadline = time.monotonic() + _WHOLE * timeout
        try:
            with client.stream("GET", url, headers=headers) as r:
                if r.status_code >= 400:
                    status = Message("sources.http_status", status=r.status_code, phrase=r.reason_phrase)
                    if r.status_code == 429 or r.status_code >= 500:
                        raise _FetchError(status, True, _retry_after(r.headers.get("retry-after")))
                    raise _FetchError(status, False)
                if int(r.headers.get("content-length") or 0) > limit:
                    raise _FetchError(too_large, False)
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > limit:  # stop reading: the rest is never downloaded
                        raise _FetchError(too_large, False)
                    if time.monotonic() > deadline:
                        raise _FetchError(Message("sources.too_slow", seconds=_WHOLE * timeout), True)
                return _Page(str(r.url), r.status_code, r.headers, bytes(body))
        except httpx.TimeoutException:
            raise _FetchError(Message("sources.timed_out", seconds=timeout), True) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise _FetchError(Message("sources.connection_failed", error=_one_line(e)), True) from None
        except httpx.HTTPError as e:  # too many redirects, a redirect to another scheme, a malformed URL
            raise _FetchError(Message("sources.cannot_fetch", error=_one_line(e)), False) from None
