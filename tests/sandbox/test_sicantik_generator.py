"""Tests of the SICANTIK sandbox database against a real MariaDB/MySQL server.

Server: ``SICANTIK_TEST_MYSQL_URL``, else the sandbox administrator URL
(``sandbox.sicantik.admin``: ``SICANTIK_MYSQL_ADMIN_URL`` or local root).
Every database this module creates is named ``sicantik_t_<random>_*`` and is
dropped at the end, as is the read-only user.  No mocks: the generator writes real
tables and files, and the assertions read them back.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pymysql
import pytest
from PyPDF2 import PdfReader

from sandbox.sicantik import (
    REFERENCE_QUERY,
    admin,
    build_dataset,
    create_readonly_user,
    generate,
    mutate,
    refdata,
)
from sandbox.sicantik import db as sdb
from sandbox.sicantik.dirty import unmojibake

ROOT = Path(__file__).resolve().parents[2]
SERVER_URL = os.environ.get("SICANTIK_TEST_MYSQL_URL") or admin.admin_url()
PARAMS = sdb.parse_url(SERVER_URL)
TAG = f"sicantik_t_{secrets.token_hex(4)}"
N = 300
SEED = 11
PAD_KB = 8
TODAY = date(2026, 11, 27)

SECTION7_TABLES = {
    "settings",
    "tmholiday",
    "trpropinsi",
    "trkabupaten",
    "trkecamatan",
    "trkelurahan",
    "trkabupaten_trpropinsi",
    "trkabupaten_trkecamatan",
    "trkecamatan_trkelurahan",
    "trunitkerja",
    "tmpegawai",
    "tmpegawai_trunitkerja",
    "user",
    "trunitkerja_user",
    "trkelompok_perizinan",
    "trperizinan",
    "trkelompok_perizinan_trperizinan",
    "trperizinan_user",
    "trjenis_permohonan",
    "trstspermohonan",
    "trlangkah_perizinan",
    "trsyarat_perizinan",
    "trperizinan_trsyarat_perizinan",
    "tmpemohon",
    "tmpemohon_sementara",
    "tmpemohon_trkelurahan",
    "tmpemohon_sementara_trkelurahan",
    "tmperusahaan",
    "tmperusahaan_trkelurahan",
    "tmpermohonan",
    "tmpermohonan_trperizinan",
    "tmpermohonan_trjenis_permohonan",
    "tmpemohon_tmpermohonan",
    "tmpemohon_sementara_tmpermohonan",
    "tmpermohonan_tmperusahaan",
    "tmpermohonan_trstspermohonan",
    "tmpermohonan_trsyarat_perizinan",
    "tmtrackingperizinan",
    "tmpermohonan_tmtrackingperizinan",
    "tmtrackingperizinan_trstspermohonan",
    "tmbap",
    "tmbap_tmpermohonan",
    "tmsk",
    "tmpermohonan_tmsk",
    "tmpegawai_tmsk",
    "rat",
    "zz_sim_expected_file",
    "zz_sim_defect",
}


def url_for(name: str) -> str:
    return admin.db_url(name, base=SERVER_URL)


def connect(name: str | None = None):
    """Autocommit, so every read sees what other connections committed since."""
    conn = sdb.connect(PARAMS, name)
    conn.autocommit(True)
    return conn


def rows(conn, sql: str, args=()):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def scalar(conn, sql: str, args=()):
    return rows(conn, sql, args)[0][0]


def checksums(conn, name: str) -> dict[str, int]:
    tables = [
        r[0]
        for r in rows(
            conn,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            (name,),
        )
    ]
    out = {}
    for table in sorted(tables):
        out[table] = rows(conn, f"CHECKSUM TABLE `{name}`.`{table}` EXTENDED")[0][1]
    return out


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server():
    try:
        conn = connect()
    except pymysql.err.OperationalError as exc:  # pragma: no cover - env issue
        pytest.skip(f"no MySQL/MariaDB server at {SERVER_URL}: {exc}")
    created: list[str] = []
    yield conn, created
    with conn.cursor() as cur:
        for name in created:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.commit()
    conn.close()


def _make(server, suffix: str, tmp_path_factory, **kw) -> tuple[str, dict, Path]:
    _, created = server
    name = f"{TAG}_{suffix}"
    created.append(name)
    root = tmp_path_factory.mktemp(suffix) if kw.pop("files", True) else None
    summary = generate(
        url_for(name),
        kw.pop("permits", N),
        kw.pop("seed", SEED),
        reset=True,
        upload_root=str(root) if root else None,
        pdf_pad_kb=PAD_KB,
        today=TODAY,
        **kw,
    )
    return name, summary, root


@pytest.fixture(scope="module")
def clean(server, tmp_path_factory):
    name, summary, root = _make(server, "clean", tmp_path_factory)
    conn = connect(name)
    yield name, summary, root, conn
    conn.close()


@pytest.fixture(scope="module")
def clean_twin(server, tmp_path_factory):
    name, summary, root = _make(server, "twin", tmp_path_factory)
    return name, summary, root


@pytest.fixture(scope="module")
def dirty(server, tmp_path_factory):
    name, summary, root = _make(server, "dirty", tmp_path_factory, dirty=True)
    conn = connect(name)
    yield name, summary, root, conn
    conn.close()


# ------------------------------------------------------------------ schema
def test_schema_has_section7_tables_no_fks_no_updated_at(clean):
    name, _, _, conn = clean
    tables = {
        r[0]
        for r in rows(
            conn,
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            (name,),
        )
    }
    assert SECTION7_TABLES <= tables
    assert (
        scalar(
            conn,
            "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE "
            "WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IS NOT NULL",
            (name,),
        )
        == 0
    )
    assert (
        scalar(
            conn,
            "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS"
            " WHERE CONSTRAINT_SCHEMA = %s",
            (name,),
        )
        == 0
    )
    assert (
        rows(
            conn,
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = %s AND (COLUMN_NAME LIKE '%%updated%%' OR "
            "COLUMN_NAME LIKE '%%modified%%')",
            (name,),
        )
        == ()
    )
    # DataMapper join tables carry their own auto-increment id.
    for table in tables:
        if (
            table.startswith(("tm", "tr"))
            and table.count("_")
            and table
            not in (
                "tmpemohon_sementara",
                "trjenis_permohonan",
                "trkelompok_perizinan",
                "trlangkah_perizinan",
                "trsyarat_perizinan",
            )
        ):
            extra = scalar(
                conn,
                "SELECT EXTRA FROM information_schema.COLUMNS WHERE "
                "TABLE_SCHEMA = %s AND TABLE_NAME = %s AND "
                "COLUMN_NAME = 'id' AND COLUMN_KEY = 'PRI'",
                (name, table),
            )
            assert "auto_increment" in extra, table


def test_schema_file_names_no_database():
    text = (ROOT / "sandbox/sicantik/schema.sql").read_text()
    statements = sdb.split_sql(text)
    assert statements and all(re.match(r"CREATE TABLE \S+ ", s) for s in statements)
    code = "\n".join(statements).upper()
    assert "FOREIGN KEY" not in code and "REFERENCES" not in code
    assert "UPDATED_AT" not in code


def test_summary_counts_match_database(clean):
    _, summary, _, conn = clean
    for table, count in summary["counts"].items():
        assert scalar(conn, f"SELECT COUNT(*) FROM `{table}`") == count, table
    assert summary["counts"]["tmpermohonan"] == N


# ------------------------------------------------------------- determinism
def test_same_seed_gives_identical_tables_and_files(server, clean, clean_twin):
    conn, _ = server
    a, b = clean[0], clean_twin[0]
    sums_a, sums_b = checksums(conn, a), checksums(conn, b)
    assert sums_a == sums_b
    assert sums_a["tmtrackingperizinan"] and sums_a["tmpemohon"]
    assert len(sums_a) >= len(SECTION7_TABLES)
    files_a = sorted(p.relative_to(clean[2]) for p in clean[2].rglob("*.pdf"))
    files_b = sorted(p.relative_to(clean_twin[2]) for p in clean_twin[2].rglob("*.pdf"))
    assert files_a == files_b and files_a
    for rel in files_a[:40]:
        assert (clean[2] / rel).read_bytes() == (clean_twin[2] / rel).read_bytes()


def test_other_seed_or_today_changes_data():
    base = build_dataset(120, SEED, TODAY)
    other_seed = build_dataset(120, SEED + 1, TODAY)
    other_day = build_dataset(120, SEED, TODAY + timedelta(days=7))
    assert base.tables["tmpemohon"].rows != other_seed.tables["tmpemohon"].rows
    assert base.tables["tmpermohonan"].rows != other_day.tables["tmpermohonan"].rows
    again = build_dataset(120, SEED, TODAY)
    assert again.tables["tmtrackingperizinan"].rows == (
        base.tables["tmtrackingperizinan"].rows
    )


# ------------------------------------------- issued permits (REFERENCE_QUERY)
def test_reference_query_agrees_with_ground_truth(clean):
    _, _, _, conn = clean
    result = rows(conn, REFERENCE_QUERY)
    ids = [r[0] for r in result]
    assert len(ids) == len(set(ids)), "clean data must not duplicate rows"
    truth = {
        r[0]
        for r in rows(
            conn,
            "SELECT tmpermohonan_id FROM zz_sim_permit WHERE in_reference_query = 1",
        )
    }
    assert set(ids) == truth and truth
    # Independent of zz_sim_permit: what the vendor flags say.
    rejected = {
        r[0] for r in rows(conn, "SELECT id FROM tmpermohonan WHERE c_penetapan = 2")
    }
    revoked = {
        r[0] for r in rows(conn, "SELECT id FROM tmpermohonan WHERE c_izin_dicabut = 1")
    }
    in_process = {
        r[0]
        for r in rows(
            conn,
            "SELECT tmpermohonan_id FROM zz_sim_permit "
            "WHERE outcome IN ('in_process','stalled')",
        )
    }
    assert rejected and revoked and in_process
    assert not set(ids) & (rejected | revoked | in_process)
    for r in rows(
        conn,
        "SELECT p.id, s.no_surat, st.trstspermohonan_id FROM "
        "tmpermohonan p JOIN tmpermohonan_tmsk ps ON "
        "ps.tmpermohonan_id = p.id JOIN tmsk s ON s.id = ps.tmsk_id "
        "JOIN tmpermohonan_trstspermohonan st ON "
        "st.tmpermohonan_id = p.id WHERE p.c_penetapan = 2",
    ):
        assert r[1] == "Ditolak" and r[2] == refdata.ST_DITOLAK
    statuses = Counter(r[15] for r in result)
    assert set(statuses) <= {"Penyerahan Izin", "Arsip"}
    ready = {r[0] for r in result if r[15] == "Penyerahan Izin"}
    assert ready and all(r[14] == 0 and r[13] is None for r in result if r[0] in ready)


# ------------------------------------------------------------------ tracking
def _tracking(conn):
    out = defaultdict(list)
    for pid, tid, pend, status, start, end, st in rows(
        conn,
        "SELECT pt.tmpermohonan_id, t.id, t.pendaftaran_id, t.status, "
        "t.d_entry_awal, t.d_entry, ts.trstspermohonan_id "
        "FROM tmtrackingperizinan t "
        "JOIN tmpermohonan_tmtrackingperizinan pt "
        "ON pt.tmtrackingperizinan_id = t.id "
        "JOIN tmtrackingperizinan_trstspermohonan ts "
        "ON ts.tmtrackingperizinan_id = t.id ORDER BY t.id",
    ):
        out[pid].append((tid, pend, status, start, end, st))
    return out


def _workflow_of(conn) -> dict[int, list[int]]:
    flows = defaultdict(list)
    for g, st in rows(
        conn,
        "SELECT trkelompok_perizinan_id, trstspermohonan_id FROM "
        "trlangkah_perizinan ORDER BY trkelompok_perizinan_id, urut",
    ):
        flows[g].append(st)
    group = dict(
        rows(
            conn,
            "SELECT trperizinan_id, trkelompok_perizinan_id FROM "
            "trkelompok_perizinan_trperizinan",
        )
    )
    return {
        pid: flows[group[t]]
        for pid, t in rows(
            conn, "SELECT tmpermohonan_id, trperizinan_id FROM tmpermohonan_trperizinan"
        )
    }


def test_tracking_invariants(clean):
    _, _, _, conn = clean
    track = _tracking(conn)
    current = dict(
        rows(
            conn,
            "SELECT tmpermohonan_id, trstspermohonan_id FROM "
            "tmpermohonan_trstspermohonan",
        )
    )
    pend = dict(rows(conn, "SELECT id, pendaftaran_id FROM tmpermohonan"))
    flows = _workflow_of(conn)
    assert set(track) == set(pend)
    for pid, history in track.items():
        open_rows = [h for h in history if h[2] == "Insert"]
        assert len(open_rows) == 1, pid
        assert open_rows[0] == history[-1]
        assert open_rows[0][5] == current[pid]
        assert open_rows[0][3] == open_rows[0][4]
        for h in history:
            assert h[1] == pend[pid]
            assert h[4] >= h[3], (pid, h)
        for prev, nxt in pairwise(history):
            assert nxt[3] == prev[4], "a step opens when the previous one closes"
        seq = [h[5] for h in history]
        flow = flows[pid]
        if seq[-1] == refdata.ST_DITOLAK:
            assert seq[-2] == refdata.ST_PENETAPAN
            seq = seq[:-1]
        assert seq == flow[: len(seq)], (pid, seq, flow)
    in_process = [p for p, s in current.items() if s not in refdata.TERMINAL_STATUSES]
    assert in_process
    # Ids follow event time across all applications (vendor auto-increment).
    starts = [
        r[0]
        for r in rows(conn, "SELECT d_entry_awal FROM tmtrackingperizinan ORDER BY id")
    ]
    assert starts == sorted(starts)


def test_step_times_are_office_hours_on_working_days(clean):
    _, _, _, conn = clean
    hol = {r[0] for r in rows(conn, "SELECT date FROM tmholiday")}
    for (start,) in rows(conn, "SELECT d_entry_awal FROM tmtrackingperizinan"):
        assert start.weekday() < 5 and start.date() not in hol
        assert 8 <= start.hour < 16


# ----------------------------------------------------------------- numbering
def test_pendaftaran_id_format(clean):
    _, _, _, conn = clean
    data = rows(
        conn,
        "SELECT p.id, p.pendaftaran_id, p.i_urut, p.d_tahun, "
        "p.d_terima_berkas, z.trperizinan_id, j.trjenis_permohonan_id "
        "FROM tmpermohonan p "
        "JOIN tmpermohonan_trperizinan z ON z.tmpermohonan_id = p.id "
        "JOIN tmpermohonan_trjenis_permohonan j "
        "ON j.tmpermohonan_id = p.id",
    )
    assert len(data) == N
    seen = set()
    for _pid, pend, urut, year, received, type_id, jenis in data:
        assert re.fullmatch(r"\d{16}", pend), pend
        assert pend[:5] == urut and int(pend[5:8]) == type_id
        assert int(pend[8:10]) == jenis and jenis in refdata.JENIS_PERMOHONAN
        assert pend[10:12] == f"{received.month:02d}" and pend[12:] == year
        assert str(received.year) == year
        seen.add(pend)
    assert len(seen) == N
    # The running number restarts each year and has no gaps.
    by_year = defaultdict(list)
    for _, _pend, urut, year, *_ in data:
        by_year[year].append(int(urut))
    for numbers in by_year.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert len(by_year) >= 7  # 2019 .. 2026


def test_identity_numbers_on_clean_data(clean):
    _, _, _, conn = clean
    sources = Counter()
    nik_prefixes = {f"1206{i:02d}" for i in range(1, 18)} | {"127101", "127102"}
    for ref, source, name, tel, mail in rows(
        conn,
        "SELECT no_referensi, source, n_pemohon, telp_pemohon, email_pemohon "
        "FROM tmpemohon",
    ):
        sources[source] += 1
        assert name and tel and re.fullmatch(r"08\d{8,11}", tel)
        if mail:
            assert mail.rsplit("@", 1)[1] in (
                "example.com",
                "example.net",
                "example.org",
                "mail.example",
            )
        if source == "KTP":
            assert re.fullmatch(r"\d{16}", ref), ref
            assert ref[:6] in nik_prefixes
            day, month = int(ref[6:8]), int(ref[8:10])
            assert 1 <= day <= 31 or 41 <= day <= 71
            assert 1 <= month <= 12
        else:
            assert source in ("SIM", "PASSPORT") and ref
    assert sources["KTP"] > 0.8 * sum(sources.values())
    npwp = [r[0] for r in rows(conn, "SELECT npwp FROM tmperusahaan")]
    assert any(re.fullmatch(r"\d\d\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}", v) for v in npwp)
    assert any(re.fullmatch(r"\d{16}", v) for v in npwp)
    names = [r[0] for r in rows(conn, "SELECT n_perusahaan FROM tmperusahaan")]
    assert {n.split(" ")[0] for n in names} >= {"CV.", "PT.", "UD."}


def test_regions_hierarchy(clean):
    _, _, _, conn = clean
    kec = {
        r[0]
        for r in rows(
            conn,
            "SELECT k.n_kecamatan FROM trkecamatan k JOIN trkabupaten_trkecamatan j "
            "ON j.trkecamatan_id = k.id JOIN trkabupaten b ON b.id = j.trkabupaten_id "
            "WHERE b.n_kabupaten = 'KABUPATEN KARO'",
        )
    }
    assert {
        "KABANJAHE",
        "BERASTAGI",
        "TIGAPANAH",
        "SIMPANG EMPAT",
        "NAMAN TERAN",
        "DOLAT RAYAT",
        "LAUBALENG",
    } <= kec and len(kec) == 17
    orphans = scalar(
        conn,
        "SELECT COUNT(*) FROM tmpemohon_trkelurahan j LEFT JOIN "
        "trkelurahan k ON k.id = j.trkelurahan_id WHERE k.id IS NULL",
    )
    assert orphans == 0


# ------------------------------------------------------ SLA, validity, SKs
def test_sla_due_dates_and_validity_follow_vendor_formulas(clean):
    _, _, _, conn = clean
    holidays = sorted(
        r[0].toordinal() for r in rows(conn, "SELECT date FROM tmholiday")
    )
    types = {
        r[0]: r
        for r in rows(
            conn,
            "SELECT id, v_hari, v_berlaku_tahun, v_berlaku_satuan FROM trperizinan",
        )
    }
    units = set()
    data = rows(
        conn,
        "SELECT p.id, p.d_terima_berkas, p.d_selesai_proses, "
        "p.d_berlaku_izin, z.trperizinan_id, s.tgl_surat, s.no_surat "
        "FROM tmpermohonan p JOIN tmpermohonan_trperizinan z "
        "ON z.tmpermohonan_id = p.id LEFT JOIN tmpermohonan_tmsk ps "
        "ON ps.tmpermohonan_id = p.id LEFT JOIN tmsk s ON s.id = ps.tmsk_id",
    )
    for pid, received, due, expiry, type_id, tgl, no in data:
        _, v_hari, amount, unit = types[type_id]
        lo, hi = received.toordinal(), received.toordinal() + v_hari
        extra = sum(1 for h in holidays if lo <= h <= hi)
        assert due == received + timedelta(days=v_hari + extra), pid
        if tgl is not None and no != "Ditolak" and amount:
            assert expiry == refdata.php_mod_date(tgl, amount, unit), pid
            units.add(unit)
        elif no is None or no == "Ditolak" or not amount:
            assert expiry is None, pid
    assert units >= {"tahun", "bulan"}
    assert any(
        due > received + timedelta(days=types[t][1])
        for _, received, due, _, t, *_ in data
    ), "some SLA window must contain a holiday"
    # Reminder buckets relative to the reference day.
    expiries = [r[3] for r in data if r[3]]
    assert any(e < TODAY for e in expiries)
    for days in (30, 60, 90):
        assert any(TODAY <= e <= TODAY + timedelta(days=days) for e in expiries), days


def test_sk_numbers_signers_and_rejections(clean):
    _, _, _, conn = clean
    sks = rows(
        conn,
        "SELECT s.id, s.no_surat, s.tgl_surat, s.base64, p.nip_ttd, "
        "g.nip, g.status FROM tmsk s JOIN tmpermohonan_tmsk ps "
        "ON ps.tmsk_id = s.id JOIN tmpermohonan p ON p.id = ps.tmpermohonan_id "
        "LEFT JOIN tmpegawai_tmsk gs ON gs.tmsk_id = s.id "
        "LEFT JOIN tmpegawai g ON g.id = gs.tmpegawai_id",
    )
    styles = Counter()
    for _sk_id, no, tgl, b64, nip_ttd, nip, status in sks:
        if no == "Ditolak":
            assert b64 is None and nip is None
            continue
        if re.fullmatch(r"\d{4}/DP/\d{3}/[IVX]+/\d{4}", no):
            styles["dp"] += 1
        else:
            assert re.fullmatch(r"503/\d{4}/[A-Z]+/DPM-PTSP/\d{4}", no), no
            styles["karo"] += 1
        assert no.endswith(str(tgl.year))
        assert base64.b64decode(b64).decode() == no
        assert status == 1 and nip == nip_ttd and len(nip) == 18
    assert styles["dp"] and styles["karo"]
    assert scalar(conn, "SELECT COUNT(*) FROM tmsk WHERE no_surat = 'Ditolak'") > 0
    assert scalar(conn, "SELECT COUNT(*) FROM tmpegawai WHERE status = 0") > 0


def test_clean_mode_has_no_defects(clean):
    _, _, _, conn = clean
    assert scalar(conn, "SELECT COUNT(*) FROM zz_sim_defect") == 0
    zero = (
        "SELECT COUNT(*) FROM tmpermohonan WHERE CAST(d_terima_berkas AS CHAR) = "
        "'0000-00-00' OR CAST(d_survey AS CHAR) = '0000-00-00' OR "
        "CAST(d_berlaku_izin AS CHAR) = '0000-00-00'"
    )
    assert scalar(conn, zero) == 0
    assert (
        scalar(
            conn,
            "SELECT COUNT(*) FROM tmpemohon WHERE n_pemohon = '' OR "
            "no_referensi IS NULL OR n_pemohon REGEXP '[^ -~]' OR "
            "a_pemohon REGEXP '[^ -~]'",
        )
        == 0
    )
    for table, col in (
        ("tmpemohon_tmpermohonan", "tmpermohonan_id"),
        ("tmpermohonan_tmsk", "tmpermohonan_id"),
        ("tmpermohonan_trstspermohonan", "tmpermohonan_id"),
    ):
        assert (
            scalar(
                conn,
                f"SELECT COUNT(*) FROM {table} j LEFT JOIN tmpermohonan p "
                f"ON p.id = j.{col} WHERE p.id IS NULL",
            )
            == 0
        )
        assert (
            scalar(conn, f"SELECT COUNT(*) - COUNT(DISTINCT {col}) FROM {table}") == 0
        )


# --------------------------------------------------------------------- PDFs
def test_pdfs_in_both_layouts_are_valid(clean):
    _, summary, root, conn = clean
    expected = rows(
        conn, "SELECT tmpermohonan_id, relative_path, layout FROM zz_sim_expected_file"
    )
    assert {r[2] for r in expected} == {"variant_syarat", "izin_flat"}
    on_disk = {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert on_disk == {r[1] for r in expected}
    companies = dict(rows(conn, "SELECT id, n_perusahaan FROM tmperusahaan"))
    for pid, rel, layout in expected:
        pend, n_izin, cid = rows(
            conn,
            "SELECT p.pendaftaran_id, z.n_perizinan, "
            "c.tmperusahaan_id FROM tmpermohonan p "
            "JOIN tmpermohonan_trperizinan pz "
            "ON pz.tmpermohonan_id = p.id "
            "JOIN trperizinan z ON z.id = pz.trperizinan_id "
            "LEFT JOIN tmpermohonan_tmperusahaan c "
            "ON c.tmpermohonan_id = p.id WHERE p.id = %s",
            (pid,),
        )[0]
        if layout == "izin_flat":
            assert rel == f"assets/upload/izin/{pend}.pdf"
        else:
            assert rel == (
                f"assets/upload/syarat/{cid} {companies[cid]}/{pend} {n_izin}.pdf"
            )
    for _pid, rel, _ in expected[:25]:
        data = (root / rel).read_bytes()
        assert data.startswith(b"%PDF-") and len(data) >= PAD_KB * 1024
        reader = PdfReader(str(root / rel))
        assert len(reader.pages) == 1
        assert rel.split("/")[-1].split(" ")[0].split(".")[0] in (
            reader.pages[0].extract_text()
        )
    issued = scalar(
        conn,
        "SELECT COUNT(*) FROM zz_sim_permit WHERE outcome IN "
        "('ready','archived','revoked')",
    )
    assert 0 < len(expected) < issued, "some issued permits have no PDF"
    assert summary["files"]["pdf"] == len(expected)


def test_pdf_limit_and_padding(server, tmp_path_factory):
    _, summary, root = _make(
        server, "limit", tmp_path_factory, permits=150, pdf_limit=7
    )
    files = [p for p in root.rglob("*.pdf")]
    assert len(files) == 7 == summary["files"]["pdf"]
    assert all(PAD_KB * 1024 <= p.stat().st_size <= (PAD_KB + 8) * 1024 for p in files)


# -------------------------------------------------------------------- dirty
def _table_rows(conn, table: str) -> dict[int, tuple]:
    return {r[0]: r for r in rows(conn, f"SELECT * FROM `{table}`")}


def test_dirty_defects_are_really_present(dirty):
    _, summary, root, conn = dirty
    defects = rows(conn, "SELECT table_name, row_id, defect, detail FROM zz_sim_defect")
    assert len(defects) == summary["defects"] > 0
    kinds = Counter(d[2] for d in defects)
    assert set(kinds) >= {
        "zero_date",
        "mojibake",
        "duplicate_join",
        "orphan_join",
        "empty_required",
        "invalid_nik",
        "missing_pdf",
        "zero_byte_pdf",
        "not_pdf",
        "filename_spaces",
        "reversed_interval",
        "extra_whitespace",
    }
    for table, row_id, defect, detail in defects:
        if defect in ("missing_pdf", "zero_byte_pdf", "not_pdf", "filename_spaces"):
            path = root / detail
            if defect == "missing_pdf":
                assert not path.exists()
            elif defect == "zero_byte_pdf":
                assert path.stat().st_size == 0
            elif defect == "not_pdf":
                assert path.stat().st_size > 0
                assert not path.read_bytes().startswith(b"%PDF")
            else:
                assert path.exists() and ("  " in detail or " /" in detail)
            assert (
                scalar(
                    conn, "SELECT COUNT(*) FROM tmpermohonan WHERE id = %s", (row_id,)
                )
                == 1
            )
            continue
        fields = dict(kv.split("=", 1) for kv in detail.split(";") if "=" in kv)
        if defect == "zero_date":
            value = scalar(
                conn,
                f"SELECT CAST(`{fields['column']}` AS CHAR) FROM "
                f"`{table}` WHERE id = %s",
                (row_id,),
            )
            assert value.startswith("0000-00-00"), (table, row_id, value)
        elif defect == "mojibake":
            value = scalar(
                conn,
                f"SELECT `{fields['column']}` FROM `{table}` WHERE id = %s",
                (row_id,),
            )
            assert (
                "\u00c3" in value or "\u00e2\u20ac" in value or "\u00c2" in value
            ), value
            assert unmojibake(value) == fields["intended"]
        elif defect == "empty_required":
            value = scalar(
                conn,
                f"SELECT `{fields['column']}` FROM `{table}` WHERE id = %s",
                (row_id,),
            )
            assert value in ("", None)
            if fields["column"] == "pendaftaran_id":
                assert (
                    scalar(
                        conn,
                        "SELECT COUNT(*) FROM tmtrackingperizinan t JOIN "
                        "tmpermohonan_tmtrackingperizinan j ON "
                        "j.tmtrackingperizinan_id = t.id WHERE "
                        "j.tmpermohonan_id = %s AND t.pendaftaran_id <> ''",
                        (row_id,),
                    )
                    == 0
                )
        elif defect == "invalid_nik":
            ref, source = rows(
                conn,
                "SELECT no_referensi, source FROM tmpemohon WHERE id = %s",
                (row_id,),
            )[0]
            assert source == "KTP" and not re.fullmatch(r"\d{16}", ref)
        elif defect == "extra_whitespace":
            value = scalar(
                conn, "SELECT n_perusahaan FROM tmperusahaan WHERE id = %s", (row_id,)
            )
            assert "  " in value and value.endswith(" ")
            assert " ".join(value.split()) == fields["intended"]
        elif defect == "reversed_interval":
            start, end = rows(
                conn,
                "SELECT d_entry_awal, d_entry FROM tmtrackingperizinan WHERE id = %s",
                (row_id,),
            )[0]
            assert end < start
        elif defect == "duplicate_join":
            col = "tmpermohonan_id"
            pid = int(fields[col])
            ids = [
                r[0]
                for r in rows(
                    conn,
                    f"SELECT id FROM `{table}` WHERE {col} = %s ORDER BY id",
                    (pid,),
                )
            ]
            assert len(ids) == 2 and ids[0] == row_id
        elif defect == "orphan_join":
            a, b = rows(conn, f"SELECT * FROM `{table}` WHERE id = %s", (row_id,))[0][
                1:3
            ]
            cols = [
                r[0]
                for r in rows(
                    conn,
                    "SELECT COLUMN_NAME FROM "
                    "information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME "
                    "= %s ORDER BY ORDINAL_POSITION",
                    (table,),
                )
            ][1:3]
            missing = 0
            for col, value in zip(cols, (a, b), strict=True):
                target = col[:-3]
                missing += (
                    scalar(
                        conn, f"SELECT COUNT(*) FROM `{target}` WHERE id = %s", (value,)
                    )
                    == 0
                )
            assert missing >= 1, (table, row_id)
        else:  # pragma: no cover - a new defect code needs a check here
            raise AssertionError(f"unchecked defect {defect}")


def test_dirty_rates_and_vendor_semantics(dirty):
    _, _, _, conn = dirty
    n_pem = scalar(conn, "SELECT COUNT(*) FROM tmpemohon")
    hit = scalar(
        conn,
        "SELECT COUNT(DISTINCT row_id) FROM zz_sim_defect "
        "WHERE table_name = 'tmpemohon'",
    )
    assert 0.02 <= hit / n_pem <= 0.05
    hit = scalar(
        conn,
        "SELECT COUNT(DISTINCT row_id) FROM zz_sim_defect "
        "WHERE table_name = 'tmpermohonan' AND defect IN "
        "('zero_date', 'empty_required')",
    )
    assert 0.02 <= hit / N <= 0.05
    # Newest join row wins: the surviving (max id) status row matches the open
    # tracking row, the superseded one does not need to.
    for (pid,) in rows(
        conn,
        "SELECT CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(detail, ';', "
        "1), '=', -1) AS UNSIGNED) FROM zz_sim_defect WHERE "
        "table_name = 'tmpermohonan_trstspermohonan'",
    ):
        newest = scalar(
            conn,
            "SELECT trstspermohonan_id FROM "
            "tmpermohonan_trstspermohonan WHERE tmpermohonan_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (pid,),
        )
        assert newest == scalar(
            conn,
            "SELECT trstspermohonan_id FROM zz_sim_permit WHERE tmpermohonan_id = %s",
            (pid,),
        )


def test_dirty_is_clean_plus_recorded_defects(clean, dirty):
    cconn, dconn = clean[3], dirty[3]
    for table in ("tmpemohon", "tmperusahaan", "tmpermohonan", "tmsk"):
        a, b = _table_rows(cconn, table), _table_rows(dconn, table)
        changed = {k for k in a if a[k] != b.get(k)}
        recorded = {
            r[0]
            for r in rows(
                dconn,
                "SELECT row_id FROM zz_sim_defect WHERE table_name = %s AND defect "
                "NOT LIKE '%%pdf' AND defect <> 'filename_spaces'",
                (table,),
            )
        }
        assert changed and changed == recorded, table


def test_mutate_copes_with_dirty_data(server, tmp_path_factory):
    """Duplicates, orphans and zero dates must not derail the office day."""
    name, _, root = _make(
        server, "mut_dirty", tmp_path_factory, permits=120, dirty=True
    )
    s = mutate(
        url_for(name), 9, new=3, steps=15, issue=2, edits=4, upload_root=str(root)
    )
    assert len(s["new_ids"]) == 3 and s["tracking_closed"] >= 2
    conn = connect(name)
    try:
        opens = rows(
            conn,
            "SELECT j.tmpermohonan_id, COUNT(*) FROM tmtrackingperizinan t "
            "JOIN tmpermohonan_tmtrackingperizinan j "
            "ON j.tmtrackingperizinan_id = t.id "
            "WHERE t.status = 'Insert' AND j.tmpermohonan_id IN %s "
            "GROUP BY j.tmpermohonan_id",
            (tuple(s["stepped_ids"] + s["new_ids"]),),
        )
        assert opens and all(count == 1 for _, count in opens)
    finally:
        conn.close()


def test_upload_root_is_replaced_only_when_sandbox_made(server, tmp_path):
    _, created = server
    name = f"{TAG}_roots"
    created.append(name)
    stale = tmp_path / "assets/upload/izin/stale.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.4 old")
    (tmp_path / "assets/upload/ttd").mkdir()  # looks like a real office mount
    with pytest.raises(RuntimeError, match="not made by the sandbox"):
        generate(url_for(name), 20, 1, reset=True, upload_root=str(tmp_path))
    assert stale.exists()
    (tmp_path / "assets/upload/ttd").rmdir()  # now only the sandbox layout
    with pytest.raises(RuntimeError, match="--reset"):
        generate(url_for(name), 20, 1, upload_root=str(tmp_path))
    generate(url_for(name), 40, 1, reset=True, upload_root=str(tmp_path))
    assert not stale.exists()
    assert list((tmp_path / "assets/upload").rglob("*.pdf"))


# ------------------------------------------------------------------- mutate
@pytest.fixture(scope="module")
def mutated(server, tmp_path_factory):
    """Two identical databases; the same mutate call is applied to both."""
    out = []
    for suffix in ("mut_a", "mut_b"):
        name, _, root = _make(server, suffix, tmp_path_factory, seed=5)
        conn = connect(name)
        before = {
            t: _table_rows(conn, t)
            for t in (
                "tmpermohonan",
                "tmpemohon",
                "tmperusahaan",
                "tmtrackingperizinan",
                "tmpermohonan_trstspermohonan",
            )
        }
        conn.commit()
        now = datetime(2026, 11, 30, 16, 0, 0)
        summary = mutate(
            url_for(name),
            5,
            new=4,
            steps=10,
            issue=3,
            edits=6,
            upload_root=str(root),
            now=now,
        )
        conn.commit()
        out.append((name, root, conn, before, summary, now))
    yield out
    for item in out:
        item[2].close()


def test_mutate_is_deterministic(server, mutated):
    conn, _ = server
    (a, _, _, _, sa, _), (b, _, _, _, sb, _) = mutated
    drop = {"database", "seconds"}
    assert {k: v for k, v in sa.items() if k not in drop} == {
        k: v for k, v in sb.items() if k not in drop
    }
    assert checksums(conn, a) == checksums(conn, b)


def test_mutate_new_applications(mutated):
    _, _, conn, before, s, now = mutated[0]
    assert len(s["new_ids"]) == 4
    assert min(s["new_ids"]) > max(before["tmpermohonan"])
    for pid in s["new_ids"]:
        pend, d_entry = rows(
            conn,
            "SELECT pendaftaran_id, d_entry FROM tmpermohonan WHERE id = %s",
            (pid,),
        )[0]
        assert re.fullmatch(r"\d{16}", pend) and pend.endswith("112026")
        assert now - timedelta(hours=8) <= d_entry <= now
        track = _tracking(conn)[pid]
        assert [(h[2], h[5]) for h in track] == [("Insert", refdata.ST_PENDAFTARAN)]
        assert min(h[0] for h in track) > max(before["tmtrackingperizinan"])
        assert (
            scalar(
                conn,
                "SELECT COUNT(*) FROM rat WHERE tmpermohonan = %s AND code = 1",
                (pid,),
            )
            == 1
        )


def test_mutate_steps_close_and_open_tracking(mutated):
    _, _, conn, before, s, now = mutated[0]
    stepped = set(s["stepped_ids"]) - set(s["new_ids"])
    assert len(stepped) >= 5
    track = _tracking(conn)
    old_open = {}
    for tid, row in before["tmtrackingperizinan"].items():
        if row[2] == "Insert":
            old_open[tid] = row
    flows = _workflow_of(conn)
    for pid in stepped:
        history = track[pid]
        opens = [h for h in history if h[2] == "Insert"]
        assert len(opens) == 1
        prev_open = [h for h in history if h[0] in old_open]
        assert len(prev_open) == 1
        closed = prev_open[0]
        assert closed[2] == "Update" and now - timedelta(hours=8) <= closed[4] <= now
        assert closed[3] == old_open[closed[0]][3], "d_entry_awal must not move"
        new_rows = [h for h in history if h[0] > closed[0]]
        for prev, nxt in zip([closed, *new_rows], new_rows, strict=False):
            assert nxt[3] == prev[4]
            flow = flows[pid]
            assert (
                nxt[5] == refdata.ST_DITOLAK or nxt[5] == flow[flow.index(prev[5]) + 1]
            )
        current = scalar(
            conn,
            "SELECT trstspermohonan_id FROM "
            "tmpermohonan_trstspermohonan WHERE tmpermohonan_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (pid,),
        )
        assert current == opens[0][5]
    # The has_one status row is updated in place: no new join ids for old permits.
    after_ids = {
        r[0]
        for r in rows(
            conn,
            "SELECT id FROM tmpermohonan_trstspermohonan WHERE tmpermohonan_id <= %s",
            (max(before["tmpermohonan"]),),
        )
    }
    assert after_ids == set(before["tmpermohonan_trstspermohonan"])
    assert s["tracking_closed"] >= len(stepped)


def test_mutate_issues_sks(mutated):
    _, root, conn, _, s, now = mutated[0]
    assert len(s["issued_ids"]) == 3
    for pid in s["issued_ids"]:
        no, tgl, signer = rows(
            conn,
            "SELECT s.no_surat, s.tgl_surat, g.tmpegawai_id "
            "FROM tmpermohonan_tmsk ps JOIN tmsk s ON "
            "s.id = ps.tmsk_id LEFT JOIN tmpegawai_tmsk g ON "
            "g.tmsk_id = s.id WHERE ps.tmpermohonan_id = %s "
            "ORDER BY s.id DESC LIMIT 1",
            (pid,),
        )[0]
        assert no != "Ditolak" and tgl == now.date() and signer == 3
        assert re.fullmatch(r"503/\d{4}/[A-Z]+/DPM-PTSP/2026", no)
        status, outcome, in_ref = rows(
            conn,
            "SELECT trstspermohonan_id, outcome, "
            "in_reference_query FROM zz_sim_permit "
            "WHERE tmpermohonan_id = %s",
            (pid,),
        )[0]
        assert (status, outcome, in_ref) == (refdata.ST_PENYERAHAN, "ready", 1)
    got = {r[0] for r in rows(conn, REFERENCE_QUERY)}
    truth = {
        r[0]
        for r in rows(
            conn,
            "SELECT tmpermohonan_id FROM zz_sim_permit WHERE in_reference_query = 1",
        )
    }
    assert got == truth and set(s["issued_ids"]) <= got
    for _pid, rel in rows(
        conn,
        "SELECT tmpermohonan_id, relative_path FROM "
        "zz_sim_expected_file WHERE tmpermohonan_id IN %s",
        (tuple(s["issued_ids"]),),
    ):
        assert (root / rel).read_bytes().startswith(b"%PDF")


def test_mutate_edits_leave_no_timestamp(mutated):
    _, _, conn, before, s, _ = mutated[0]
    for table, key in (
        ("tmpemohon", "edited_tmpemohon_ids"),
        ("tmperusahaan", "edited_tmperusahaan_ids"),
    ):
        after = _table_rows(conn, table)
        edited = set(s[key])
        assert edited
        d_entry = {"tmpemohon": 9, "tmperusahaan": 12}[table]
        for rid, row in before[table].items():
            if rid in edited:
                assert row != after[rid]
                assert row[d_entry] == after[rid][d_entry], "no timestamp may change"
            else:
                assert row == after[rid], (table, rid)
    # Untouched applications are byte-for-byte unchanged.
    after = _table_rows(conn, "tmpermohonan")
    changed = {k for k, v in before["tmpermohonan"].items() if after[k] != v}
    assert changed <= set(s["touched_ids"])
    assert set(s["edit_linked_ids"]) <= set(s["touched_ids"])


def test_mutate_default_now_is_next_working_day(server, tmp_path_factory):
    name, _, _ = _make(server, "mut_now", tmp_path_factory, permits=60, files=False)
    s = mutate(url_for(name), 1, new=1, steps=0, issue=0, edits=0)
    assert s["now"] == "2026-11-30 16:00:00"  # TODAY is a Friday
    s2 = mutate(url_for(name), 1, new=1, steps=0, issue=0, edits=0)
    assert s2["now"] == "2026-12-01 16:00:00"


# ------------------------------------------------------------ read-only user
@pytest.fixture(scope="module")
def ro_users(server):
    names: list[str] = []
    yield names
    conn, _ = server
    with conn.cursor() as cur:
        for user in names:
            for host in ("%", "localhost"):
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
    conn.commit()


def _ro_connect(user: str, password: str, database: str):
    return admin.connect(
        admin.db_url(database, user, password, base=SERVER_URL), autocommit=False
    )


def _assert_read_only(user: str, password: str, database: str) -> None:
    ro = _ro_connect(user, password, database)
    try:
        assert scalar(ro, "SELECT COUNT(*) FROM tmpermohonan") > 0
        for sql in (
            "INSERT INTO settings (name, value) VALUES ('x', 'y')",
            "UPDATE tmpemohon SET n_pemohon = 'X' WHERE id = 1",
            "DELETE FROM tmsk WHERE id = 1",
            "CREATE TABLE zz_ro_probe (id INT)",
            "DROP TABLE settings",
            "SELECT COUNT(*) FROM mysql.user",
        ):
            with pytest.raises(pymysql.err.MySQLError):
                rows(ro, sql)
    finally:
        ro.close()


def test_readonly_user_python(clean, ro_users):
    name = clean[0]
    user = f"{TAG}_ro"[:32]
    ro_users.append(user)
    password = "s3cr'et\\pw&|"
    grants = create_readonly_user(SERVER_URL, name, user, password)
    assert any("GRANT SELECT ON" in g and name in g for g in grants)
    assert not any(
        re.search(r"INSERT|UPDATE|DELETE|CREATE|ALL PRIVILEGES", g) for g in grants
    )
    _assert_read_only(user, password, name)
    # Re-running resets the password instead of failing.
    create_readonly_user(SERVER_URL, name, user, "other")
    _assert_read_only(user, "other", name)


@pytest.mark.skipif(shutil.which("mysql") is None, reason="mysql client missing")
def test_readonly_user_shell_script(clean, ro_users):
    name = clean[0]
    user = f"{TAG}_rosh"[:32]
    ro_users.append(user)
    env = dict(
        os.environ,
        SICANTIK_DB=name,
        SICANTIK_RO_USER=user,
        SICANTIK_RO_PASSWORD="p'w\\d$x&y|z",
        MYSQL_HOST=PARAMS.host,
        MYSQL_PORT=str(PARAMS.port),
        MYSQL_ADMIN_USER=PARAMS.user,
        MYSQL_ROOT_PASSWORD=PARAMS.password,
    )
    subprocess.run(
        ["sh", str(ROOT / "sandbox/sicantik/create-readonly-user.sh")],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    _assert_read_only(user, "p'w\\d$x&y|z", name)


# ----------------------------------------------------------------------- CLI
def test_cli_generate_and_insert_fallback(server):
    conn, created = server
    a, b = f"{TAG}_cli_a", f"{TAG}_cli_b"
    created.extend([a, b])
    outs = []
    for name, extra in ((a, []), (b, ["--no-local-infile"])):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox.sicantik",
                "generate",
                "--url",
                url_for(name),
                "--permits",
                "80",
                "--seed",
                "3",
                "--reset",
                "--dirty",
                "--today",
                "2025-06-30",
                *extra,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 1
        outs.append(json.loads(lines[0]))
    assert outs[0]["counts"] == outs[1]["counts"] and outs[0]["today"] == "2025-06-30"
    assert checksums(conn, a) == checksums(conn, b)
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox.sicantik", "drop", "--url", url_for(b)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout)["dropped"] == b
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox.sicantik",
            "generate",
            "--url",
            url_for(a),
            "--permits",
            "10",
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "--reset" in proc.stderr
