"""The repository's documentation stands on its own.

Code, readme fragments, docs, tests and the sandboxes state the facts they rely
on, or cite them in ``docs/reference/`` (the SICANTIK tables and quirks we
read, the BSrE contract as implemented).  A citation of something that is not
in the repository ("§4.1" of a team note, a shared folder) leaves the next
reader nothing to check, so it is refused here.  And every
``docs/reference/<file>.md#<anchor>`` cited anywhere must name a heading of that
file: renaming a heading cannot silently orphan its citations.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

#: What a citation of a document outside the repository looks like.
FORBIDDEN = {
    "a section sign with a number (cite docs/reference/<file>.md#<anchor>)": (
        re.compile(r"§\s*\d")
    ),
    "a bare reference file name (not a repository path)": re.compile(
        r"(?<![\w/.-])(?:sicantik|bsre|design|style)\.md\b"
    ),
    "a shared folder outside the repository": re.compile(
        r"\.\./shared\b|\bshared/(?:reference|design)"
    ),
    "a shared or team reference": re.compile(
        r"\b(?:shared|team) reference\b", re.IGNORECASE
    ),
    "a numbered section or query of 'the reference'": re.compile(
        r"\breference (?:section |query )?\d", re.IGNORECASE
    ),
}
#: A citation of our reference docs, with or without an anchor.
CITATION = re.compile(r"docs/reference/([\w.-]+\.md)(?:#([\w-]+))?")
#: Skipped while walking when git is not available.
SKIP_DIRS = {".git", ".venv", ".local", ".odoo", "node_modules", "test-output"}


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces turned into hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    """Anchors of the headings of a Markdown file (outside code fences),
    duplicates numbered the way GitHub numbers them."""
    found, seen, fenced = set(), {}, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if not count else f"{base}-{count}")
    return found


def tracked_files():
    """The repository's files: tracked ones, or a walk outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*")
            if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
        ]
    return [n for n in names if n != THIS and (ROOT / n).is_file()]


def texts():
    for name in tracked_files():
        try:
            yield name, (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary or unreadable: no prose to check


@pytest.fixture(scope="module")
def corpus():
    files = dict(texts())
    assert len(files) > 100, "the repository's files were not found"
    return files


def test_slug_follows_github():
    assert slug("SLA and holidays") == "sla-and-holidays"
    assert slug("`tmpermohonan`") == "tmpermohonan"
    assert slug("Sign v2") == "sign-v2"
    assert slug("What we do not read") == "what-we-do-not-read"


def test_no_citation_of_documents_outside_the_repository(corpus):
    problems = []
    for name, text in corpus.items():
        for number, line in enumerate(text.splitlines(), start=1):
            for why, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    problems.append(f"{name}:{number}: {why}: {line.strip()[:100]}")
    assert not problems, "\n".join(problems)


def test_every_cited_reference_anchor_exists(corpus):
    known = {p.name: anchors(p) for p in REFERENCE.glob("*.md")}
    assert {"sicantik.md", "bsre.md"} <= set(known)
    problems, cited = [], 0
    for name, text in corpus.items():
        for number, line in enumerate(text.splitlines(), start=1):
            for doc, anchor in CITATION.findall(line):
                cited += 1
                if doc not in known:
                    problems.append(f"{name}:{number}: no docs/reference/{doc}")
                elif anchor and anchor not in known[doc]:
                    problems.append(
                        f"{name}:{number}: docs/reference/{doc} has no "
                        f"heading #{anchor}"
                    )
    assert cited > 30, f"only {cited} citations of docs/reference found"
    assert not problems, "\n".join(problems)


def test_reference_docs_link_their_own_anchors():
    problems = []
    for path in REFERENCE.glob("*.md"):
        own = anchors(path)
        for anchor in re.findall(r"\]\(#([\w-]+)\)", path.read_text("utf-8")):
            if anchor not in own:
                problems.append(f"{path.name}: link to missing #{anchor}")
    assert not problems, "\n".join(problems)


def test_readme_links_every_reference_doc(corpus):
    readme = corpus["README.md"]
    missing = [
        p.name
        for p in REFERENCE.glob("*.md")
        if f"docs/reference/{p.name}" not in readme
    ]
    assert not missing, f"README.md does not link {missing}"
