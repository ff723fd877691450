"""The tests' throwaway PostgreSQL (tests/postgres.py): it answers, gives each test its own database, stays local."""

from pathlib import Path

import psycopg


def test_each_database_url_is_its_own_database_and_answers(database_url, pg_cluster):
    other = pg_cluster.new_database()
    assert other != database_url
    with psycopg.connect(database_url) as a, psycopg.connect(other) as b:
        assert a.execute("select 1").fetchone() == (1,)
        a.execute("create table only_here (x int)")
        a.commit()
        assert b.execute("select to_regclass('only_here')").fetchone() == (None,)
        assert a.execute("select current_database()").fetchone() != b.execute("select current_database()").fetchone()


def test_the_server_listens_on_127_0_0_1_only(database_url, pg_cluster):
    with psycopg.connect(database_url) as conn:
        assert conn.execute("show listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("select host(inet_server_addr())").fetchone() == ("127.0.0.1",)
    # the kernel's own list of listening TCP sockets (state 0A) on the cluster's port: 127.0.0.1 and nothing else
    tables = [Path(t) for t in ("/proc/net/tcp", "/proc/net/tcp6") if Path(t).exists()]
    listening = [
        row[1].split(":")[0]
        for table in tables
        for row in (line.split() for line in table.read_text().splitlines()[1:])
        if row[3] == "0A" and int(row[1].split(":")[1], 16) == pg_cluster.port
    ]
    assert listening == (["0100007F"] if tables else [])  # no /proc/net: not Linux, nothing to read


def test_a_restart_keeps_the_data(database_url, pg_cluster):
    with psycopg.connect(database_url) as conn:
        conn.execute("create table kept (x int)")
        conn.execute("insert into kept values (7)")
    pg_cluster.restart()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select x from kept").fetchone() == (7,)
