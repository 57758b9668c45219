"""``--dirty``: the defects real SICANTIK offices have, each one recorded.

Every injected defect gets a ``zz_sim_defect(table_name, row_id, defect,
detail)`` row so sync tests can compare their quarantine with the ground truth.
``row_id`` is the id of the damaged row in ``table_name`` (for file defects:
the ``tmpermohonan`` id; the path is in ``detail``).

Defect codes
------------
``zero_date``        a DATE/DATETIME column holds ``0000-00-00`` (detail:
                     ``column=<name>``)
``mojibake``         UTF-8 text stored double-encoded (latin1/cp1252), detail
                     ``column=<name>;intended=<clean text>``
``extra_whitespace`` company name with doubled/trailing spaces (these reach the
                     PDF folder names too)
``empty_required``   ``pendaftaran_id``/``n_pemohon`` empty or ``no_referensi``
                     NULL (detail: ``column=<name>``)
``invalid_nik``      KTP number of wrong length, with letters or separators
``reversed_interval`` closed tracking row whose ``d_entry`` < ``d_entry_awal``
``duplicate_join``   an older join row for the same permit; the vendor reads the
                     newest id, so ``row_id`` is the *superseded* row and the detail
                     names the winner
``orphan_join``      join row pointing to an id that does not exist
``missing_pdf``, ``zero_byte_pdf``, ``not_pdf``, ``filename_spaces``  files

Roughly 3 % of applicants, companies and applications are hit, 0.5-1.5 % of the
big join and tracking tables.  A separate random stream is used, so a dirty
database is the clean one of the same seed plus exactly these defects.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from . import pdfs, words
from .columns import TP

ORPHAN_BASE = 900_000_000
ORPHAN_TARGET_BASE = 800_000_000
ORPHAN_KELURAHAN_BASE = 99_000
RATE_ENTITY = 0.03
RATE_JOIN = 0.01
RATE_ORPHAN = 0.003
RATE_TRACKING = 0.005
RATE_FILES = 0.03


def mojibake(text: str) -> str:
    """UTF-8 bytes decoded as cp1252 (what MySQL calls latin1)."""
    return text.encode("utf-8").decode("cp1252")


def unmojibake(text: str) -> str:
    return text.encode("cp1252").decode("utf-8")


def _pick(rng: Random, n: int, rate: float, minimum: int) -> list[int]:
    k = min(n, max(minimum, round(n * rate)))
    return sorted(rng.sample(range(n), k)) if k else []


class _Recorder:
    def __init__(self, ds):
        self.rows = ds.tables["zz_sim_defect"].rows

    def add(self, table: str, row_id: int, defect: str, detail: str) -> None:
        self.rows.append((table, row_id, defect, detail[:500]))


def _bad_nik(rng: Random, nik: str) -> tuple[str, str]:
    kind = rng.randrange(5)
    if kind == 0:
        return nik[:-1], "short"
    if kind == 1:
        return nik + str(rng.randrange(10)), "long"
    if kind == 2:
        pos = rng.randrange(6, 16)
        return nik[:pos] + rng.choice("OIlB") + nik[pos + 1 :], "letter"
    if kind == 3:
        return f"{nik[:4]}.{nik[4:8]}.{nik[8:12]}.{nik[12:]}", "dotted"
    return f"{nik[:6]} {nik[6:12]} {nik[12:]}", "spaces"


def _set(row: tuple, idx: int, value) -> tuple:
    return row[:idx] + (value,) + row[idx + 1 :]


def inject(ds) -> None:
    """Damage the in-memory dataset (before loading) and record every defect."""
    rng = Random(f"sicantik:{ds.seed}:dirty")
    rec = _Recorder(ds)
    ds.dirty = True
    for step in (
        _applicants,
        _applicant_regions,
        _companies,
        _applications,
        _sks,
        _tracking,
        _joins,
    ):
        step(rng, rec, ds.tables)


def _applicants(rng: Random, rec: _Recorder, t: dict) -> None:
    """tmpemohon: names, addresses, identity numbers."""
    tp = TP["tmpemohon"]
    rows = t["tmpemohon"].rows
    kinds = (
        "mojibake_name",
        "mojibake_address",
        "empty_name",
        "null_ref",
        "invalid_nik",
    )
    for n, i in enumerate(_pick(rng, len(rows), RATE_ENTITY, len(kinds))):
        row = rows[i]
        kind = kinds[n % len(kinds)]
        if kind == "invalid_nik" and row[tp["source"]] != "KTP":
            kind = "mojibake_address"
        if kind == "mojibake_name":
            uni = rng.choice(words.MOJIBAKE_NAMES)[1]
            intended = uni + " " + row[tp["n_pemohon"]].split(" ", 1)[-1]
            row = _set(row, tp["n_pemohon"], mojibake(intended))
            rec.add(
                "tmpemohon", row[0], "mojibake", f"column=n_pemohon;intended={intended}"
            )
        elif kind == "mojibake_address":
            intended = (
                row[tp["a_pemohon"]].replace("NO.", "N\u00ba", 1) + " \u2013 KARO"
            )
            row = _set(row, tp["a_pemohon"], mojibake(intended))
            rec.add(
                "tmpemohon", row[0], "mojibake", f"column=a_pemohon;intended={intended}"
            )
        elif kind == "empty_name":
            row = _set(row, tp["n_pemohon"], "")
            rec.add("tmpemohon", row[0], "empty_required", "column=n_pemohon")
        elif kind == "null_ref":
            row = _set(row, tp["no_referensi"], None)
            rec.add("tmpemohon", row[0], "empty_required", "column=no_referensi")
        else:
            bad, how = _bad_nik(rng, row[tp["no_referensi"]])
            row = _set(row, tp["no_referensi"], bad)
            rec.add("tmpemohon", row[0], "invalid_nik", f"variant={how}")
        rows[i] = row


def _applicant_regions(rng: Random, rec: _Recorder, t: dict) -> None:
    """tmpemohon_trkelurahan: link to a kelurahan that does not exist."""
    links = t["tmpemohon_trkelurahan"].rows
    for n, i in enumerate(_pick(rng, len(links), RATE_ORPHAN, 1)):
        bad = ORPHAN_KELURAHAN_BASE + n + 1
        links[i] = (links[i][0], bad)
        rec.add(
            "tmpemohon_trkelurahan",
            i + 1,
            "orphan_join",
            f"trkelurahan_id={bad} does not exist",
        )


def _companies(rng: Random, rec: _Recorder, t: dict) -> None:
    tp = TP["tmperusahaan"]
    rows = t["tmperusahaan"].rows
    kinds = ("mojibake_name", "mojibake_address", "zero_date", "extra_whitespace")
    for n, i in enumerate(_pick(rng, len(rows), RATE_ENTITY, len(kinds))):
        row = rows[i]
        kind = kinds[n % len(kinds)]
        if kind == "mojibake_name":
            intended = row[tp["n_perusahaan"]] + " CAF\u00c9"
            row = _set(row, tp["n_perusahaan"], mojibake(intended))
            rec.add(
                "tmperusahaan",
                row[0],
                "mojibake",
                f"column=n_perusahaan;intended={intended}",
            )
        elif kind == "mojibake_address":
            intended = row[tp["a_perusahaan"]].replace("NO.", "N\u00ba", 1)
            if intended == row[tp["a_perusahaan"]]:
                intended += " \u2013 KARO"
            row = _set(row, tp["a_perusahaan"], mojibake(intended))
            rec.add(
                "tmperusahaan",
                row[0],
                "mojibake",
                f"column=a_perusahaan;intended={intended}",
            )
        elif kind == "zero_date":
            row = _set(row, tp["d_tgl_berdiri"], "0000-00-00")
            rec.add("tmperusahaan", row[0], "zero_date", "column=d_tgl_berdiri")
        else:
            row = _pad_company(rec, row, tp)
        rows[i] = row


def _applications(rng: Random, rec: _Recorder, t: dict) -> None:
    """tmpermohonan (and the tracking copies of a blanked number)."""
    tp = TP["tmpermohonan"]
    rows = t["tmpermohonan"].rows
    kinds = (
        "d_survey",
        "d_berlaku_izin",
        "d_terima_berkas",
        "d_selesai_proses",
        "pendaftaran_id",
    )
    blank: set[int] = set()
    for n, i in enumerate(_pick(rng, len(rows), RATE_ENTITY, len(kinds))):
        row = rows[i]
        col = kinds[n % len(kinds)]
        if row[tp[col]] is None:
            col = "d_terima_berkas"
        if col == "pendaftaran_id":
            row = _set(row, tp[col], "")
            blank.add(row[0])
            rec.add(
                "tmpermohonan",
                row[0],
                "empty_required",
                "column=pendaftaran_id;tracking copies blanked too",
            )
        else:
            row = _set(row, tp[col], "0000-00-00")
            rec.add("tmpermohonan", row[0], "zero_date", f"column={col}")
        rows[i] = row
    if blank:
        track_rows = t["tmtrackingperizinan"].rows
        for pid, tid in t["tmpermohonan_tmtrackingperizinan"].rows:
            if pid in blank:
                track_rows[tid - 1] = _set(track_rows[tid - 1], 1, "")


def _sks(rng: Random, rec: _Recorder, t: dict) -> None:
    """tmsk: zero tgl_surat on real SKs."""
    tp = TP["tmsk"]
    rows = t["tmsk"].rows
    real = [i for i, r in enumerate(rows) if r[tp["no_surat"]] != "Ditolak"]
    for i in _pick(rng, len(real), RATE_TRACKING, 1):
        idx = real[i]
        rows[idx] = _set(rows[idx], tp["tgl_surat"], "0000-00-00")
        rec.add("tmsk", rows[idx][0], "zero_date", "column=tgl_surat")


def _tracking(rng: Random, rec: _Recorder, t: dict) -> None:
    """tmtrackingperizinan: clock skew and zero dates on closed rows."""
    rows = t["tmtrackingperizinan"].rows
    closed = [i for i, r in enumerate(rows) if r[2] == "Update"]
    for n, i in enumerate(_pick(rng, len(closed), RATE_TRACKING, 2)):
        idx = closed[i]
        row = rows[idx]
        if n % 2 == 0:
            start = datetime.strptime(row[3], "%Y-%m-%d %H:%M:%S")
            end = start - timedelta(minutes=rng.randint(5, 600))
            rows[idx] = _set(row, 4, end.strftime("%Y-%m-%d %H:%M:%S"))
            rec.add(
                "tmtrackingperizinan",
                row[0],
                "reversed_interval",
                f"d_entry={rows[idx][4]} < d_entry_awal={row[3]}",
            )
        else:
            rows[idx] = _set(row, 4, "0000-00-00 00:00:00")
            rec.add("tmtrackingperizinan", row[0], "zero_date", "column=d_entry")


def _joins(rng: Random, rec: _Recorder, t: dict) -> None:
    """Join tables: duplicates (older row superseded) and orphans."""
    _rewrite_join(
        rng,
        rec,
        t["tmpermohonan_trstspermohonan"],
        stale=lambda r: (r[0], 2 if r[1] != 2 else 1),
    )
    _rewrite_join(
        rng,
        rec,
        t["tmpemohon_tmpermohonan"],
        key_index=1,
        orphan=lambda k: (1 + k % max(1, len(t["tmpemohon"].rows)), ORPHAN_BASE + k),
        orphan_text="tmpermohonan_id={b} does not exist",
    )
    _rewrite_join(rng, rec, t["tmpermohonan_tmperusahaan"])
    _rewrite_join(
        rng,
        rec,
        t["tmpermohonan_trperizinan"],
        orphan=lambda k: (ORPHAN_BASE + k, 1 + k % 17),
        orphan_text="tmpermohonan_id={a} does not exist",
    )
    _rewrite_join(
        rng,
        rec,
        t["tmpermohonan_tmsk"],
        duplicates=False,
        orphan=lambda k: (ORPHAN_BASE + k, ORPHAN_TARGET_BASE + k),
        orphan_text="tmpermohonan_id={a} and tmsk_id={b} do not exist",
    )
    _rewrite_join(
        rng,
        rec,
        t["tmpermohonan_tmtrackingperizinan"],
        duplicates=False,
        orphan=lambda k: (ORPHAN_BASE + k, ORPHAN_TARGET_BASE + k),
        orphan_text=("tmpermohonan_id={a} and tmtrackingperizinan_id={b} do not exist"),
    )


def _pad_company(rec: _Recorder, row: tuple, tp: dict) -> tuple:
    name = row[tp["n_perusahaan"]]
    padded = name.replace(" ", "  ", 1) + " "
    rec.add(
        "tmperusahaan",
        row[0],
        "extra_whitespace",
        f"column=n_perusahaan;intended={name}",
    )
    return _set(row, tp["n_perusahaan"], padded)


def _rewrite_join(
    rng: Random,
    rec: _Recorder,
    table,
    key_index: int = 0,
    stale=None,
    duplicates: bool = True,
    orphan=None,
    orphan_text: str = "",
) -> None:
    """Add duplicate and orphan rows to an auto-id join table in one pass.

    One pass, because each inserted row shifts the ids of every later row: the
    ids written to zz_sim_defect must be the final ones.  A duplicate is placed
    immediately before the row it duplicates, i.e. with a smaller id, so the
    vendor's "newest join row wins" keeps the intended value.
    """
    rows = table.rows
    dups = set(_pick(rng, len(rows), RATE_JOIN, 1)) if duplicates else set()
    count = max(1, round(len(rows) * RATE_ORPHAN)) if orphan else 0
    orphan_at = sorted(rng.randrange(len(rows) + 1) for _ in range(count))
    out: list = []
    k = 0

    def put_orphan() -> None:
        nonlocal k
        k += 1
        row = orphan(k)
        out.append(row)
        rec.add(
            table.name, len(out), "orphan_join", orphan_text.format(a=row[0], b=row[1])
        )

    oi = 0
    for i, row in enumerate(rows):
        while oi < count and orphan_at[oi] == i:
            put_orphan()
            oi += 1
        if i in dups:
            extra = stale(row) if stale else row
            out.append(extra)
            loser = len(out)
            out.append(row)
            if stale:
                detail = (
                    f"tmpermohonan_id={row[key_index]};stale value {extra[1]} "
                    f"superseded by row {loser + 1}"
                )
            else:
                detail = (
                    f"tmpermohonan_id={row[key_index]};same pair again in row "
                    f"{loser + 1}"
                )
            rec.add(table.name, loser, "duplicate_join", detail)
        else:
            out.append(row)
    while oi < count:
        put_orphan()
        oi += 1
    table.rows = out


def inject_file_defects(ds) -> None:
    """Break ~3 % of the planned files and flag paths with odd spacing."""
    rng = Random(f"sicantik:{ds.seed}:dirty-files")
    rec = _Recorder(ds)
    files = ds.files
    if not files:
        return
    companies = ds.tables["tmperusahaan"].rows
    tp = TP["tmperusahaan"]
    if not any("  " in f.relative_path or " /" in f.relative_path for f in files):
        # Guarantee the spacing case: pad one company that has a syarat-layout file.
        first = next((f for f in files if f.layout == pdfs.LAYOUT_SYARAT), None)
        if first is not None:
            cid = first.info["company_id"]
            companies[cid - 1] = _pad_company(rec, companies[cid - 1], tp)
            name = companies[cid - 1][tp["n_perusahaan"]]
            for f in files:
                if f.layout == pdfs.LAYOUT_SYARAT and f.info["company_id"] == cid:
                    f.info["n_perusahaan"] = name
                    f.relative_path = pdfs.relative_path(
                        f.layout,
                        f.info["pendaftaran_id"],
                        f.info["n_perizinan"],
                        cid,
                        name,
                    )
    kinds = (
        ("missing", "missing_pdf"),
        ("zero", "zero_byte_pdf"),
        ("notpdf", "not_pdf"),
    )
    for n, i in enumerate(_pick(rng, len(files), RATE_FILES, len(kinds))):
        kind, code = kinds[n % len(kinds)]
        files[i].kind = kind
        rec.add("tmpermohonan", files[i].tmpermohonan_id, code, files[i].relative_path)
    for f in files:
        if f.kind != "missing" and ("  " in f.relative_path or " /" in f.relative_path):
            rec.add(
                "tmpermohonan", f.tmpermohonan_id, "filename_spaces", f.relative_path
            )
