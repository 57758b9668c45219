"""The upload-folder scanner on a real temporary tree with every bad case."""

import hashlib
import os

import pytest
from sicantik_documents_lib import scanner

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"

PERMITS = [
    {
        "key": "A",
        "tmpermohonan_id": 1,
        "pendaftaran_id": "0000100101112026",
        "id_perusahaan": None,
        "n_perizinan": "Izin Reklame",
    },
    {
        "key": "B",
        "tmpermohonan_id": 2,
        "pendaftaran_id": "0000200201012025",
        "id_perusahaan": 12,
        "n_perusahaan": "PT Maju  Jaya",
        "n_perizinan": "Izin Usaha Perdagangan",
    },
    {"key": "C", "tmpermohonan_id": 3, "pendaftaran_id": "0000300101112026"},
    {"key": "D", "tmpermohonan_id": 4, "pendaftaran_id": "0000400101112026"},
    {"key": "E1", "tmpermohonan_id": 5, "pendaftaran_id": "0000500101112026"},
    {"key": "E2", "tmpermohonan_id": 6, "pendaftaran_id": "0000500101112026"},
]


def write(root, rel, data):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture()
def tree(tmp_path):
    root = tmp_path / "uploads"
    izin = "assets/upload/izin"
    syarat = "assets/upload/syarat"
    write(root, f"{izin}/0000100101112026.pdf", PDF)
    write(
        root,
        f"{syarat}/12 PT Maju Jaya/0000200201012025 Izin Usaha Perdagangan.pdf",
        PDF + b"B" * 100,
    )
    write(root, f"{syarat}/13 PT Lain/0000200201012025 Izin Usaha Perdagangan.pdf", PDF)
    write(root, f"{izin}/0000300101112026.pdf", b"")
    write(root, f"{izin}/0000400101112026.pdf", b"<html>404 Not Found</html>")
    write(root, f"{izin}/0000500101112026.pdf", PDF)
    write(root, f"{izin}/9999999999999999.pdf", PDF)
    write(root, f"{izin}/big.pdf", PDF + b"x" * 5000)
    write(root, f"{izin}/catatan.txt", b"notes")
    write(root, f"{syarat}/12 PT Maju Jaya/KTP pemohon.jpg", b"\xff\xd8\xff")
    write(root, "assets/upload/ttd/ignored.png", b"\x89PNG")  # outside templates
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(PDF + b"secret")
    (tmp_path / "outside_dir").mkdir()
    os.symlink(outside, root / izin / "0000100101112099.pdf")
    os.symlink(tmp_path / "outside_dir", root / izin / "escape_dir")
    os.symlink("0000100101112026.pdf", root / izin / "0000100101112027.pdf")
    os.mkfifo(root / izin / "0000600101112026.pdf")
    return root


def by_path(results):
    return {r.relative_path.rsplit("/", 1)[-1]: r for r in results}


def test_scan_reports_each_bad_case_with_a_reason(tree):
    before = {p: os.lstat(p) for p in tree.rglob("*")}
    scan = scanner.Scanner(
        tree, max_size=1000, match=scanner.PermitIndex(PERMITS).match
    )
    results = by_path(scan.scan())
    ok = results["0000100101112026.pdf"]
    assert ok.ok and ok.permit == "A" and ok.template == "izin_flat"
    assert ok.sha256 == hashlib.sha256(PDF).hexdigest() and ok.size == len(PDF)
    spaced = results["0000200201012025 Izin Usaha Perdagangan.pdf"]
    # two files carry that name: one in the right company folder, one not
    folders = {
        r.relative_path.split("/")[3]: r
        for r in scan.scan()
        if r.relative_path.endswith("Perdagangan.pdf")
    }
    assert folders["12 PT Maju Jaya"].ok and folders["12 PT Maju Jaya"].permit == "B"
    assert folders["12 PT Maju Jaya"].fields["n_perusahaan"] == "PT Maju Jaya"
    assert folders["13 PT Lain"].reason == "mismatch"
    assert "id_perusahaan" in folders["13 PT Lain"].detail
    assert spaced.relative_path.count(" ") >= 3
    expected = {
        "0000300101112026.pdf": "empty",
        "0000400101112026.pdf": "not_pdf",
        "0000500101112026.pdf": "ambiguous",
        "9999999999999999.pdf": "no_permit",
        "big.pdf": "too_large",
        "catatan.txt": "no_template",
        "KTP pemohon.jpg": "no_template",
        "0000100101112099.pdf": "path_escape",
        "escape_dir": "path_escape",
        "0000600101112026.pdf": "not_regular",
    }
    for name, reason in expected.items():
        assert results[name].reason == reason, (name, results[name])
        assert results[name].detail, "every refusal is explained"
    assert results["0000400101112026.pdf"].detail.startswith("starts with b'<html>")
    # a link that stays inside the root is followed (and matched by its own name)
    inside = results["0000100101112027.pdf"]
    assert inside.reason == "no_permit" and inside.sha256 == ok.sha256
    assert "ignored.png" not in results, "only template folders are walked"
    after = {p: os.lstat(p) for p in tree.rglob("*")}
    assert {p: (s.st_mtime_ns, s.st_size) for p, s in before.items()} == {
        p: (s.st_mtime_ns, s.st_size) for p, s in after.items()
    }, "the scan never writes to the upload folder"


def test_walk_is_ordered_and_resumes_after_a_cursor(tree):
    scan = scanner.Scanner(tree)
    paths = list(scan.walk())
    assert paths == sorted(paths, key=lambda p: p.split("/"))
    assert len(paths) == len(set(paths)) == 14
    for cut in (0, 3, 7, 13):
        assert list(scan.walk(start_after=paths[cut])) == paths[cut + 1 :]
    batches, cursor = [], None
    while batch := scan.scan(start_after=cursor, limit=4):
        batches.append(batch)
        cursor = batch[-1].relative_path
    assert [r.relative_path for b in batches for r in b] == paths
    assert [len(b) for b in batches] == [4, 4, 4, 2]


def test_known_unchanged_file_is_not_rehashed(tree):
    scan = scanner.Scanner(tree)
    rel = "assets/upload/izin/0000100101112026.pdf"
    first = scan.check(rel)
    again = scan.check(rel, known=(first.size, first.mtime, "cached"))
    assert again.sha256 == "cached"
    assert scan.check(rel, known=(first.size + 1, first.mtime, "cached")).sha256 == (
        first.sha256
    )


def test_paths_escaping_the_root_are_refused(tree):
    scan = scanner.Scanner(tree)
    for rel in ("../secret.pdf", "assets/../../secret.pdf", "/etc/passwd", "a//b"):
        res = scan.check(rel)
        assert res.reason == "path_escape", rel
    with pytest.raises(scanner.UnsafePath):
        scan.resolve("assets/upload/izin/0000100101112099.pdf")


def test_templates_render_parse_and_refuse_unsafe_values():
    (flat,) = scanner.parse_templates("flat=assets/upload/izin/{pendaftaran_id}.pdf")
    assert flat.base == "assets/upload/izin"
    assert flat.render({"pendaftaran_id": "0001"}) == "assets/upload/izin/0001.pdf"
    assert flat.parse("assets/upload/izin/0001.pdf") == {"pendaftaran_id": "0001"}
    assert flat.parse("assets/upload/izin/sub/0001.pdf") is None
    variant = scanner.parse_templates(None)[0]
    for bad in ("..", "../../etc", "a/b", ".", " ", "x\0y", "a\\b"):
        with pytest.raises(scanner.UnsafePath):
            variant.render(
                {
                    "id_perusahaan": 1,
                    "n_perusahaan": bad,
                    "pendaftaran_id": "0001",
                    "n_perizinan": "Izin",
                }
            )
    with pytest.raises(ValueError, match="unknown field"):
        scanner.PathTemplate("x", "a/{nik}.pdf")
    with pytest.raises(ValueError, match="identify"):
        scanner.PathTemplate("x", "a/{n_perusahaan}.pdf")
    with pytest.raises(ValueError):
        scanner.PathTemplate("x", "a/../{pendaftaran_id}.pdf")


def test_custom_template_by_tmpermohonan_id(tmp_path):
    write(tmp_path, "sk/2026/77.pdf", PDF)
    templates = scanner.parse_templates(
        "by_id=sk/{d}/{tmpermohonan_id}.pdf".replace("{d}", "2026")
    )
    index = scanner.PermitIndex([{"key": "X", "tmpermohonan_id": 77}])
    (res,) = scanner.Scanner(tmp_path, templates, match=index.match).scan()
    assert res.ok and res.permit == "X"
