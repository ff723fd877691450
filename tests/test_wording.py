"""The message catalog (wording/messages/*.toml): every message in both languages with the same fields, every raise
site and every `Message(...)` naming a key that exists with exactly the fields it needs, and no key left unused."""

import ast
import importlib
import inspect
import pkgutil
import string
from pathlib import Path

import pytest

import rag
import vectorstore
import wording
from wording import LANGUAGES, Message, PromptError, RagError, catalog, localized, render

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["wording", "vectorstore", "rag", "ui"]
# calls whose message is not a key of their own: LoadError(source, reason) words "{source}: {reason}" with a
# `Message` reason (checked where it is made)
NOT_KEYED = {"LoadError"}
KEY_ARG = {"ApiError": 1}  # ApiError(status, key, kind, **fields)
NOT_FIELDS = {"ApiError": {"kind"}}


def _fields(template):
    return {f.split(".")[0].split("[")[0].split("!")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


def _error_classes():
    """The names of every RagError subclass the product defines (its raise sites name them)."""
    names = set()
    for package in PACKAGES:
        root = importlib.import_module(package)
        modules = [root] + [
            importlib.import_module(i.name)
            for i in pkgutil.walk_packages(root.__path__, package + ".")
            if not i.name.endswith("__main__")
        ]
        for module in modules:
            names |= {n for n, c in vars(module).items() if inspect.isclass(c) and issubclass(c, RagError)}
    return names


def _sources():
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _calls():
    """(where, callee, the key's node, the keyword names or None when **fields are passed) for every call that
    words a message by key."""
    keyed = (_error_classes() - NOT_KEYED) | {"Message", "ApiError"}
    out = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in keyed:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            args = node.args
            i = KEY_ARG.get(name, 0)
            key = args[i] if len(args) > i else None
            names = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
            out.append((where, name, key, names))
    return out


def _keys(node):
    """The literal keys a key argument can be ("a" if c else "b" counts both); [] for a key passed on (a parameter
    named `key`, a message's `.key` or a stored `["key"]`: wording again what was keyed where it was made); None for
    anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if (
        isinstance(node, ast.Name)
        and node.id == "key"
        or isinstance(node, ast.Attribute)
        and node.attr == "key"
        or isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == "key"
    ):
        return []
    if isinstance(node, ast.IfExp):
        body, orelse = _keys(node.body), _keys(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def test_every_message_has_both_languages_with_the_same_fields():
    messages = catalog()
    assert len(messages) >= 150
    for key, entry in messages.items():
        assert set(entry) == set(LANGUAGES), key
        assert _fields(entry["vi"]) == _fields(entry["en"]), key
        assert bool(entry["vi"].strip()) == bool(entry["en"].strip()), key
        assert "RAG_" not in entry["vi"] or "RAG_" in entry["en"], key  # no setting's name made up in Vietnamese


def test_every_raise_site_names_a_key_that_exists_with_the_fields_it_needs():
    calls = _calls()
    assert len(calls) >= 150
    computed, unknown, wrong_fields = [], [], []
    for where, name, node, names in calls:
        keys = _keys(node) if node is not None else None
        if keys is None:
            computed.append(f"{where} {name}")
            continue
        for key in keys:
            if key not in catalog():
                unknown.append(f"{where} {name}({key!r})")
            elif names is not None:
                needed = _fields(catalog()[key]["en"])
                if names - NOT_FIELDS.get(name, set()) != needed:
                    wrong_fields.append(f"{where} {key}: gives {sorted(names)}, needs {sorted(needed)}")
    assert unknown == [] and wrong_fields == [] and computed == []


def test_every_key_is_used_somewhere():
    text = "\n".join(p.read_text(encoding="utf-8") for p in _sources())
    unused = [k for k in catalog() if f'"{k}"' not in text and f"'{k}'" not in text]
    assert unused == []


def test_a_message_is_its_english_line_and_renders_in_vietnamese():
    inner = Message("store.another_process")
    error = rag.StoreLockedError("store.locked", who=inner, path="/d", seconds=2.0)
    assert str(error) == "another process is writing to /d (waited 2 s; RAG_LOCK_TIMEOUT sets how long to wait)"
    assert error.render("vi") == "một tiến trình khác đang ghi vào /d (đã chờ 2 giây)"  # the inner one too
    assert localized(error, "vi") == error.render("vi") and localized("plain text", "vi") == "plain text"
    assert isinstance(inner, str) and inner == "another process" and inner.render("vi") == "một tiến trình khác"
    # what varies is a field, carried over as it is: a file named like a message is not translated
    same = Message("indexing.same_content", source="/up/the question is empty.txt")
    assert same.render("vi") == "cùng nội dung với /up/the question is empty.txt"


def test_messages_and_errors_survive_pickling_and_copying():
    import copy
    import pickle

    error = rag.QueryError("query.empty")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is rag.QueryError and again.key == "query.empty" and again.render("vi") == "câu hỏi trống"
    message = Message("store.n_vectors", n=3)
    assert copy.deepcopy(message).render("vi") == "3 vector" and pickle.loads(pickle.dumps(message)) == message


def test_a_missing_key_or_field_fails_loudly():
    with pytest.raises(KeyError, match="no message 'store.nope'"):
        Message("store.nope")
    with pytest.raises(PromptError, match="needs the variable.s. n"):
        Message("store.n_vectors")
    with pytest.raises(PromptError, match="entity"):
        render("not_found_entity_en")


def test_the_wording_package_lists_its_public_names():
    assert set(wording.__all__) <= set(dir(wording))
