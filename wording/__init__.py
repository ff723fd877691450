"""The product's wording, as data: answer templates (`prompts/<name>.txt`) and messages (`messages/<area>.toml`), in
Vietnamese and English, filled by one loader that fails on a missing variable.

A message is a key and named fields (`Message("query.too_long", length=3000, limit=2000)`); the catalog holds its
wording per language:

    # messages/query.toml
    [too_long]
    en = "the question is {length} characters long; the limit is {limit}"
    vi = "câu hỏi dài {length} ký tự; giới hạn là {limit}"

`Message` is a `str` (its English line, for logs, the CLI and code that compares text) that can be rendered in the
other language; a field that is itself a `Message` (or a `RagError`, or a list of them) is rendered in the same
language, and anything else (a path, a number, SQLite's or a parser's own words) is carried over as it is, never
translated by pattern.
`RagError`, the base of every error of the product, carries one: `str(e)` is English, `e.render("vi")` Vietnamese.
It lives here, in the lowest layer, so that the store's errors share it.

Why a keyed table rather than gettext catalogs: gettext keys a translation by its English sentence, so rewording an
English message silently drops its Vietnamese until someone re-extracts and re-translates (the fragility of the
regular-expression table this replaced), and it needs a compile step (.po -> .mo, Babel) in the install; here a
message is keyed by what it is, both languages sit side by side in one reviewed file, and `tests/test_wording.py`
checks that every key has both with the same fields and that every raise site names a key that exists."""

from __future__ import annotations

import string
import sys
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["LANGUAGES", "Message", "RagError", "PromptError", "catalog", "localized", "render"]

LANGUAGES = ("vi", "en")
_HERE = Path(__file__).resolve().parent


class RagError(Exception):
    """Base class: every error the product raises on purpose; `RagError(key, **fields)` words it from the catalog."""

    def __init__(self, key: str, /, **fields: Any):
        self.message = Message(key, **fields)
        super().__init__(str(self.message))

    @property
    def key(self) -> str:
        return self.message.key

    @property
    def fields(self) -> dict[str, Any]:
        return self.message.fields

    def render(self, lang: str) -> str:
        return self.message.render(lang)

    def __reduce__(self) -> Any:  # the default would call __init__ with the English line as the key
        return _rebuild, (type(self), self.message, dict(self.__dict__))


def _rebuild(cls: type[RagError], message: Message, state: dict[str, Any]) -> RagError:
    e = cls.__new__(cls)
    Exception.__init__(e, str(message))
    e.__dict__.update(state)
    return e


class PromptError(RagError):
    """A prompt template or a message is missing, or a variable it needs was not given."""


class Message(str):
    """A catalog message: the English line as a `str`, with its `key` and `fields` to render it in another language."""

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Message:
        self = super().__new__(cls, _message(key, "en", fields))
        self.key, self.fields = key, fields
        return self

    def render(self, lang: str) -> str:
        return _message(self.key, lang, self.fields)

    def __reduce__(self) -> Any:
        return _message_of, (self.key, self.fields)

    def as_data(self) -> dict[str, Any]:
        """{"key", "fields"} as JSON-ready data, to keep and word again later: a field that is a message (or an
        error, or a list of them) as its own data, numbers and None as they are, anything else as its text."""
        return {"key": self.key, "fields": {k: _data(v) for k, v in self.fields.items()}}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Message:
        """The message `as_data` gave; KeyError for a key the catalog no longer has, PromptError for a field gone."""

        def value(v: Any) -> Any:
            if isinstance(v, list):
                return [value(x) for x in v]
            return cls.from_data(v) if isinstance(v, dict) else v

        return cls(data["key"], **{k: value(v) for k, v in data["fields"].items()})


def _data(v: Any) -> Any:
    v = v.message if isinstance(v, RagError) else v
    if isinstance(v, Message):
        return v.as_data()
    if isinstance(v, (list, tuple)):
        return [_data(x) for x in v]
    return v if v is None or isinstance(v, (int, float)) else str(v)


def _message_of(key: str, fields: dict[str, Any]) -> Message:
    return Message(key, **fields)


def localized(text: object, lang: str) -> str:
    """`text` in language `lang` when it is a product message (a `Message` or a `RagError`); any other text as it is."""
    if isinstance(text, (Message, RagError)):
        return text.render(lang)
    return str(text)


def render(name: str, **variables: object) -> str:
    """Fill template `prompts/<name>.txt`; raises PromptError naming any placeholder that `variables` lacks."""
    path = _HERE / "prompts" / f"{name}.txt"
    template = _template(path)
    if template is None:
        raise PromptError("wording.no_template", name=name)
    return _fill(template, variables, name)


@cache
def _template(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").rstrip("\n")
    except FileNotFoundError:
        return None


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every message: {"area.name": {"vi": wording, "en": wording}}, from `messages/<area>.toml` (area = file name)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((_HERE / "messages").glob("*.toml")):
        with path.open("rb") as f:
            _flatten(tomllib.load(f), path.stem, out)
    return out


def _flatten(table: dict[str, Any], prefix: str, out: dict[str, dict[str, str]]) -> None:
    """[a.b] tables down to the ones that hold the languages: their dotted path is the key."""
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict) and value.keys() & set(LANGUAGES):
            out[key] = value
        elif isinstance(value, dict):
            _flatten(value, key, out)
        else:
            raise ValueError(f"messages/{prefix.split('.')[0]}.toml: {key} is not a message table")


def _message(key: str, lang: str, fields: dict[str, Any]) -> str:
    entry = catalog().get(key)
    if entry is None:  # a programming error: tests/test_wording.py keeps every key in the code in the catalog
        raise KeyError(f"no message {key!r} in wording/messages/")
    shown = {k: _field(v, lang) for k, v in fields.items()}
    return _fill(entry.get(lang) or entry["en"], shown, key)


def _field(value: Any, lang: str) -> Any:
    """A field as shown in `lang`: a message rendered in it, a list of them joined with "; " (a health check's
    findings), anything else as it is."""
    if isinstance(value, (list, tuple)):
        return "; ".join(localized(v, lang) for v in value)
    return localized(value, lang) if isinstance(value, (Message, RagError)) else value


def _fill(template: str, variables: dict[str, Any], name: str) -> str:
    needed = {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = sorted(needed - variables.keys())
    if missing:
        if name == "wording.missing":  # never recurse
            raise KeyError(f"{name} needs {missing}")
        raise PromptError("wording.missing", name=name, missing=", ".join(missing))
    return template.format(**variables)
