"""The `rag` command: readable output, --json, one-line errors with a non-zero exit."""

import argparse
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS, write

from ui.cli import build_parser, main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAG_SEEDS_DIR", str(SEEDS))
    import rag

    rag._assistants.clear()
    yield tmp_path
    rag._assistants.clear()


def test_ingest_ask_stats_remove(env, capsys):
    bad = write(env / "bad.txt", b"\x00\x00")
    assert main(["ingest", str(SEEDS), str(bad)]) == 0
    out = capsys.readouterr().out
    assert (
        "added" in out
        and f"rejected  {bad.resolve()}: binary" in out
        and out.strip().endswith("2 added, 0 updated, 0 unchanged, 1 rejected")
    )

    assert main(["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"]) == 0
    out = capsys.readouterr().out
    assert "Nguyễn Quang Dương" in out and "[1]" in out and "000_b584f524cb46930b.txt" in out

    assert main(["ask", "--json", "who led the inspection team in tra vinh"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["found"] and d["citations"][0]["source"].endswith("000_b584f524cb46930b.txt")

    assert main(["facts", "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("team,body,leader") and len(rows) == 3
    assert main(["facts", "--json"]) == 0
    assert {r["team"] for r in json.loads(capsys.readouterr().out)} == {4, 5}

    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 2
    assert main(["remove", str(SEEDS / "000_b584f524cb46930b.txt")]) == 0
    assert "removed" in capsys.readouterr().out


def test_errors_are_one_line_and_exit_non_zero(env, capsys, monkeypatch):
    assert main(["remove", "/no/such/file.txt"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nothing to remove") and err.count("\n") == 1
    assert main(["ask", "  "]) == 1
    assert capsys.readouterr().err == "error: the question is empty\n"
    assert main(["retrieve", "Trà Vinh", "-k", "0"]) == 1
    assert capsys.readouterr().err == "error: k must be between 1 and 50 (got 0)\n"
    monkeypatch.setenv("RAG_EMBEDDER", "word2vec")
    assert main(["stats"]) == 1
    assert capsys.readouterr().err.startswith("error: invalid setting RAG_EMBEDDER")


def test_python_dash_m_rag_runs_without_traceback(env):
    res = subprocess.run(
        [sys.executable, "-m", "ui", "remove", "nothing"], capture_output=True, text=True, cwd=ROOT, env={**os.environ}
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr and res.stderr.startswith("error:")


def test_eval_reports_per_question_and_totals(env, capsys, tmp_path):
    gold = write(
        tmp_path / "gold.jsonl",
        "\n".join(
            [
                '{"question": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "expect": ["Nguyễn Quang Dương"], "sources": ["000_b584f524cb46930b.txt"]}',
                '{"question": "Ai là trưởng đoàn kiểm tra tại Cà Mau?", "not_found": true}',
                '{"question": "Ai là phó trưởng đoàn kiểm tra tại Đắk Lắk?", "expect": ["Nguyễn Quang Dương"]}',
                '{"question": "Ai là Bí thư Tỉnh ủy Trà Vinh?", "forbid": ["Ngô Chí Cường"]}',
            ]
        ),
    )
    assert main(["eval", "--json", str(gold)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["correct"] for r in report["results"]] == [True, True, False, False]
    assert report["results"][2]["why"] == "missing Nguyễn Quang Dương"
    assert report["results"][3]["why"] == "forbidden Ngô Chí Cường"
    t = report["totals"]
    assert (t["questions"], t["answer_accuracy"], t["refusal_accuracy"], t["false_refusals"]) == (4, 0.5, 1.0, 0)
    assert t["citation_precision"] == 1.0 and t["latency_ms_p50"] > 0
    assert main(["eval", str(gold)]) == 0
    assert "answer_accuracy      0.5" in capsys.readouterr().out
    assert main(["eval", "--min", "0.9", str(gold)]) == 1
    assert "under --min 0.9" in capsys.readouterr().err
    bad = write(tmp_path / "bad.jsonl", '{"q": 1}')
    assert main(["eval", str(bad)]) == 1
    assert "bad.jsonl:1: bad gold line" in capsys.readouterr().err


def test_eval_reads_the_dev_format_and_builds_its_store_from_docs(env, capsys, tmp_path):
    docs = write(
        tmp_path / "docs" / "kt.txt",
        "Ngày 3/6/2024, Đoàn kiểm tra số 2 của Tiểu ban Bảo vệ chính trị nội bộ Trung "
        "ương do đồng chí Hà Văn Lâm làm Trưởng đoàn đã làm việc với Ban Thường vụ Tỉnh ủy Kon Tum.",
    ).parent
    gold = write(
        tmp_path / "dev.jsonl",
        "\n".join(
            [
                '{"id": "K1", "q": "ai la truong doan o kon tum", "found": true, "expect": [["Hà Văn Lâm"]], "cite": ["kt"], '
                '"cite_any": [], "forbid": []}',
                '{"id": "K2", "q": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "found": false, "expect": [], "cite": [], '
                '"cite_any": [], "forbid": []}',
            ]
        ),
    )
    assert main(["eval", str(gold), "--json", "--min", "1.0", "--docs", str(docs)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["correct"]) for r in report["results"]] == [("K1", True), ("K2", True)]
    assert report["by_category"]["refusal"] == {
        "must answer": {"questions": 1, "correct": 1, "accuracy": 1.0},
        "must refuse": {"questions": 1, "correct": 1, "accuracy": 1.0},
    }


def test_check_and_repair_say_what_is_wrong_and_fix_it(env, capsys):
    from chromadb.api.client import SharedSystemClient

    import rag

    assert main(["ingest", str(SEEDS)]) == 0 and main(["check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok: 2 documents")
    assert main(["stats"]) == 0
    assert "integrity  ok: 2 documents" in capsys.readouterr().out
    rag._assistants.clear()
    import shutil

    shutil.rmtree(env / "data" / "chroma")
    SharedSystemClient.clear_system_cache()  # as a new process finds it
    assert main(["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "chunks have no vector — run `rag repair`" in err
    assert main(["check"]) == 1 and "run `rag repair`" in capsys.readouterr().err
    assert main(["repair"]) == 0
    out = capsys.readouterr().out
    assert "re-embedded" in out and "deleted 0 orphan vectors" in out and "ok: 2 documents" in out
    assert main(["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"]) == 0


def test_a_data_dir_that_is_a_file_is_one_line(env, capsys, monkeypatch):
    monkeypatch.setenv("RAG_DATA_DIR", str(write(env / "afile", "x")))
    assert main(["stats"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: cannot use {env / 'afile'} as the data directory")


def test_a_damaged_catalog_is_one_line_for_readers_and_writers(env, capsys):
    import rag

    assert main(["ingest", str(SEEDS)]) == 0
    rag.get_assistant().store.close()
    rag._assistants.clear()
    path = env / "data" / "catalog.sqlite3"
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 4096] = b"\xa5" * 4096  # a page in the middle overwritten
    path.write_bytes(bytes(data))
    for argv in (["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"], ["ingest", str(SEEDS)], ["check"], ["repair"]):
        capsys.readouterr()
        assert main(argv) == 1
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and "damaged" in err and "Traceback" not in err, argv
        assert "rag backup" in err and "run `rag check`" not in err and out == "", argv


def test_a_backup_restored_over_a_damaged_catalog_answers_again_after_repair(env, capsys):
    import rag

    assert main(["ingest", str(SEEDS)]) == 0 and main(["backup", str(env / "copy.sqlite3")]) == 0
    assert main(["backup", str(env / "copy.sqlite3")]) == 1  # never overwritten
    assert "exists; name a new file" in capsys.readouterr().err
    assert main(["reindex"]) == 0  # the vectors move on to a new generation after the backup
    rag.get_assistant().store.close()
    rag._assistants.clear()
    path = env / "data" / "catalog.sqlite3"
    path.write_bytes(b"\0" * 4096)  # destroyed
    assert main(["check"]) == 1
    shutil.copyfile(env / "copy.sqlite3", path)
    for leftover in ("-wal", "-shm"):
        (env / "data" / f"catalog.sqlite3{leftover}").unlink(missing_ok=True)
    rag._assistants.clear()
    capsys.readouterr()
    assert main(["repair"]) == 0
    assert "re-embedded" in capsys.readouterr().out
    assert main(["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"]) == 0 and main(["check"]) == 0


def test_the_progress_bar_shows_files_time_left_and_tokens_per_second(monkeypatch):
    from rich.progress import Progress

    from ui import cli

    class Counting:
        tokens_embedded = 1000  # counted before this run: not in its rate

    shown = []
    monkeypatch.setattr(Progress, "update", lambda self, task, **kw: shown.append(kw))
    monkeypatch.setattr(cli.time, "monotonic", iter([100.0, 104.0]).__next__)
    with cli._progress("ingest", Counting()) as update:
        update(0, 5, "/a/first.txt")
        Counting.tokens_embedded += 6000
        update(1, 5, "/a/second.txt")
    assert [(s["completed"], s["description"], s["rate"]) for s in shown] == [
        (0, "first.txt", ""),  # no tokens yet: no rate
        (1, "second.txt", "1,500 tokens/s"),
    ]


TRA_VINH = "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"


@pytest.fixture
def hashed(env, monkeypatch):
    """`rag` commands on the hash embedding (instant): the Assistant of each data dir the CLI asks for, and the
    settings it asked with."""
    from conftest import HashEmbedding

    import rag
    from rag import Assistant

    made: dict[str, Assistant] = {}

    def get_assistant(settings=None):
        key = str(settings.data_dir)
        made.setdefault(key, Assistant(settings, embedder=HashEmbedding()))
        return made[key]

    monkeypatch.setattr(rag, "get_assistant", get_assistant)
    yield made
    for assistant in made.values():
        assistant.store.close()


def test_chat_answers_follow_ups_with_the_conversation(hashed, env, capsys, monkeypatch):
    lines = [TRA_VINH, "Còn ở Đắk Lắk thì sao?", "/reset", "Còn ở Đắk Lắk thì sao?", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines)))
    assert main(["chat"]) == 0  # ends at EOF
    out, err = capsys.readouterr()
    turns = out.split("> ")
    assert len(turns) == 6 and err == ""
    assert "Nguyễn Quang Dương" in turns[1] and "[1]" in turns[1] and "000_b584f524cb46930b.txt" in turns[1]
    assert "“" in turns[1]  # the quote of each numbered source
    # the follow-up is the Trà Vinh question asked of Đắk Lắk, and says so; that article names only a deputy head
    assert turns[2].startswith("(Ai là trưởng đoàn kiểm tra tại Đắk Lắk?)\n") and "không nêu trưởng đoàn" in turns[2]
    assert "conversation cleared" in turns[3]
    assert "(Ai là trưởng đoàn" not in turns[4]  # after /reset it is not read as a follow-up any more


@pytest.mark.parametrize("typed", ["exit", "quit", ":q", "QUIT"])
def test_chat_leaves_on_exit_words_and_ctrl_c_without_a_traceback(hashed, capsys, monkeypatch, typed):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{typed}\n{TRA_VINH}\n"))
    assert main(["chat"]) == 0
    assert "Nguyễn Quang Dương" not in capsys.readouterr().out

    class CtrlC(io.StringIO):
        def readline(self, *args):
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", CtrlC())
    assert main(["chat"]) == 0
    assert capsys.readouterr().err == ""


def test_chat_says_a_bad_question_and_goes_on(hashed, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 3000 + f"\n{TRA_VINH}\n"))
    assert main(["chat"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("error: the question is 3000 characters long") and "Nguyễn Quang Dương" in out


def test_data_dir_overrides_rag_data_dir_before_or_after_the_command(hashed, env, capsys):
    other = env / "other"
    for argv in (["--data-dir", str(other), "stats", "--json"], ["stats", "--json", "--data-dir", str(other)]):
        assert main(argv) == 0
        assert json.loads(capsys.readouterr().out)["data_dir"] == str(other)
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data_dir"] == str(env / "data")  # RAG_DATA_DIR otherwise
    assert sorted(hashed) == [str(env / "data"), str(other)]


def test_version_is_the_installed_package_version(capsys, monkeypatch):
    from importlib import metadata

    import rag

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0 and capsys.readouterr().out == f"rag {metadata.version('rag-vn-news')}\n"

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert rag._version() == "0+unknown"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_option_says_what_it_does_and_its_default():
    parser = build_parser()
    for name, p in [("rag", parser), *_subcommands(parser).items()]:
        formatter = p._get_formatter()
        for action in p._actions:
            if action.option_strings and action.dest not in ("help", "version"):
                text = formatter._expand_help(action)
                assert len(text.split("(default")[0]) > 10 and "default: " in text, (name, action.option_strings)
    assert set(_subcommands(parser)) >= {"chat", "ask", "eval", "serve"}


def test_eval_help_describes_the_gold_format_not_a_file(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    text = capsys.readouterr().out
    assert '"question"' in text and '"not_found"' in text and '"cite_any"' in text
    assert "shared" not in text and ".py" not in text and "dev corpus" not in text


def test_eval_builds_its_fresh_store_apart_from_a_deployment_s_database_and_chroma_server(env, capsys, monkeypatch):
    gold = write(env / "gold.jsonl", '{"question": "Ai là trưởng đoàn kiểm tra tại Trà Vinh?", "expect": ["Dương"]}')
    monkeypatch.setenv("RAG_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # nothing listens there
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", "1")
    assert main(["eval", str(gold)]) == 0 and "answer_accuracy      1.0" in capsys.readouterr().out


def test_backup_of_a_postgresql_catalog_is_a_pg_dump_that_restores_into_a_new_database(
    env, capsys, monkeypatch, pg_cluster
):
    import rag

    first, second = pg_cluster.new_database(), pg_cluster.new_database()
    monkeypatch.setenv("RAG_DATABASE_URL", first)
    assert main(["ingest", str(SEEDS)]) == 0 and main(["backup", str(env / "catalog.dump")]) == 0
    assert "catalog dumped to" in capsys.readouterr().out and not (env / "data" / "catalog.sqlite3").exists()
    subprocess.run(["pg_restore", "--no-owner", "-d", second, str(env / "catalog.dump")], check=True)
    rag._assistants.clear()
    monkeypatch.setenv("RAG_DATABASE_URL", second)  # the restored copy, beside the same vectors
    assert main(["check"]) == 0 and "ok: 2 documents" in capsys.readouterr().out
    assert main(["ask", "Ai là trưởng đoàn kiểm tra tại Trà Vinh?"]) == 0
    assert "Nguyễn Quang Dương" in capsys.readouterr().out
