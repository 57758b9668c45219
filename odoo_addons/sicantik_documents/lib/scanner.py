"""Find permit PDFs in SICANTIK's upload folder and decide which are importable.

SICANTIK keeps no column pointing at a permit PDF: where a region added an
upload step, the file name is *derived* from ids and names, e.g.
``assets/upload/syarat/<id_perusahaan> <n_perusahaan>/<pendaftaran_id>
<n_perizinan>.pdf`` or ``assets/upload/izin/<pendaftaran_id>.pdf``
(``docs/reference/sicantik.md#files-on-disk``).  So the
scanner works backwards: configurable path templates over SICANTIK fields are
compiled to regular expressions, the values parsed out of a path identify the
permit, and the file itself is checked before anything trusts it.

Why so defensive: the folder is written by a 2010-era PHP application and by
people.  It holds zero-byte files from failed uploads, HTML error pages saved
as ``.pdf``, names with spaces and mojibake, and possibly symlinks.  The
companion mounts it read-only and must never make it worse, so:

* files are only ever opened ``O_RDONLY`` (and ``O_NONBLOCK``, so a FIFO planted
  in the tree cannot hang a worker; non-regular files are refused);
* every path is resolved and must stay under the resolved root: a symlink
  pointing outside (``/etc/passwd`` behind ``izin/x.pdf``) is refused, and so is
  a template value such as ``..`` when a path is rendered;
* content is checked by magic bytes (``%PDF-``), not by extension, and hashed
  in chunks (never whole in memory);
* each refusal carries a reason code (:data:`REASONS`) and a readable detail,
  which the Odoo side stores in its quarantine.

The walk is deterministic (entries sorted by name, depth first) and can resume
after a cursor (``start_after``), which is what lets the import cron work in
bounded batches across calls.
"""

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field

PDF_MAGIC = b"%PDF-"
CHUNK_SIZE = 1024 * 1024
DEFAULT_MAX_SIZE = 50 * 1024 * 1024

#: The two default layouts (docs/reference/sicantik.md#files-on-disk): the
#: portal variant's folder per company, and a flat folder per registration
#: number.
DEFAULT_TEMPLATES = (
    (
        "variant_syarat",
        "assets/upload/syarat/{id_perusahaan} {n_perusahaan}/"
        "{pendaftaran_id} {n_perizinan}.pdf",
    ),
    ("izin_flat", "assets/upload/izin/{pendaftaran_id}.pdf"),
)

#: What each placeholder may match inside one path segment.
FIELD_PATTERNS = {
    "tmpermohonan_id": r"\d+",
    "id_perusahaan": r"\d+",
    "pendaftaran_id": r"[^/]+?",
    "no_surat": r"[^/]+?",
    "n_perizinan": r"[^/]+?",
    "n_perusahaan": r"[^/]+?",
}
#: Fields that identify a permit on their own, strongest first.
KEY_FIELDS = ("tmpermohonan_id", "pendaftaran_id", "no_surat")

#: Reason codes of refused files, with an English explanation (the Odoo side
#: translates these through its selection field).
REASONS = {
    "path_escape": "The path leads outside the upload folder (.. or a symlink).",
    "unsafe_value": "A permit value would change the folder structure.",
    "not_regular": "Not a regular file (directory, FIFO, device or broken link).",
    "unreadable": "The file cannot be read (permissions or I/O error).",
    "empty": "The file is empty (0 bytes).",
    "too_large": "The file is larger than the configured limit.",
    "not_pdf": "The content is not a PDF (no %PDF- header).",
    "unstable": "The file changed while it was being read.",
    "no_template": "The name matches none of the configured path templates.",
    "no_permit": "No synchronised permit matches the values in the path.",
    "ambiguous": "Several permits match the values in the path.",
    "mismatch": "The permit found by its number disagrees with other values "
    "in the path.",
}


def content_problem(head, size, max_size):
    """The content check shared by the folder scan and manual uploads.

    ``head`` is the file's first bytes (at least 5).  Returns ``None`` or
    ``(reason, detail)`` with a reason code of :data:`REASONS`.
    """
    if size == 0:
        return "empty", REASONS["empty"]
    if max_size and size > max_size:
        return "too_large", f"{size} bytes, limit {max_size} bytes"
    if head[: len(PDF_MAGIC)] != PDF_MAGIC:
        return "not_pdf", f"starts with {head[:16]!r}, not %PDF-"
    return None


class UnsafePath(ValueError):
    """A rendered or given path would leave the upload root."""


def normalize(value):
    """Compare names the way a person would: case, spacing and accents aside.

    Folder names were typed or derived from padded, sometimes mojibake'd
    database values; exact comparison would refuse files a person would
    recognise at once.
    """
    text = unicodedata.normalize("NFKC", str(value or ""))
    return " ".join(text.casefold().split())


class PathTemplate:
    """One layout: ``name`` and a pattern with ``{field}`` placeholders."""

    def __init__(self, name, pattern):
        pattern = pattern.strip().strip("/")
        if not pattern:
            raise ValueError("empty path template")
        self.name = name
        self.pattern = pattern
        self.fields = tuple(re.findall(r"{(\w+)}", pattern))
        unknown = set(self.fields) - set(FIELD_PATTERNS)
        if unknown:
            raise ValueError(
                f"template {name!r}: unknown field(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(FIELD_PATTERNS)}"
            )
        if not set(self.fields) & set(KEY_FIELDS):
            raise ValueError(
                f"template {name!r} needs one of {', '.join(KEY_FIELDS)} "
                "to identify the permit"
            )
        if any(seg in ("", ".", "..") for seg in pattern.split("/")):
            raise ValueError(f"template {name!r} has an empty, . or .. segment")
        regex, seen = [], set()
        for literal, fname in re.findall(r"([^{]*)(?:{(\w+)})?", pattern):
            regex.append(re.escape(literal))
            if fname:
                if fname in seen:
                    regex.append(f"(?P={fname})")
                else:
                    regex.append(f"(?P<{fname}>{FIELD_PATTERNS[fname]})")
                    seen.add(fname)
        self.regex = re.compile("".join(regex) + r"\Z")
        static = pattern.split("{", 1)[0]
        self.base = static.rsplit("/", 1)[0] if "/" in static else ""

    def __repr__(self):
        return f"PathTemplate({self.name!r}, {self.pattern!r})"

    def parse(self, relative_path):
        """Return the field values of a matching path, else ``None``."""
        match = self.regex.match(relative_path)
        return {k: v.strip() for k, v in match.groupdict().items()} if match else None

    def render(self, values):
        """Build the relative path for ``values``; refuse values that escape.

        A company called ``..`` or ``../../etc`` must not turn the template into
        a path outside the root, so separators, NUL and dot-only values are
        refused (:class:`UnsafePath`, reason ``unsafe_value``).
        """
        out = self.pattern
        for fname in self.fields:
            value = str(values.get(fname) if values.get(fname) is not None else "")
            if (
                not value.strip()
                or "/" in value
                or "\\" in value
                or "\0" in value
                or value.strip(". ") == ""
            ):
                raise UnsafePath(f"unsafe value {value!r} for {{{fname}}}")
            out = out.replace("{" + fname + "}", value)
        return out


def parse_templates(text):
    """Templates from a setting: ``name=pattern`` items separated by ``;``.

    An empty setting means the two :data:`DEFAULT_TEMPLATES`.
    """
    if not text or not str(text).strip():
        return [PathTemplate(n, p) for n, p in DEFAULT_TEMPLATES]
    templates = []
    for i, item in enumerate(str(text).split(";"), start=1):
        item = item.strip()
        if not item:
            continue
        name, sep, pattern = item.partition("=")
        if not sep:
            name, pattern = f"template_{i}", item
        templates.append(PathTemplate(name.strip(), pattern))
    return templates


@dataclass
class ScannedFile:
    """The verdict on one path: importable (``reason`` is None) or refused."""

    relative_path: str
    size: int | None = None
    mtime: float | None = None
    template: str | None = None
    fields: dict = field(default_factory=dict)
    sha256: str | None = None
    permit: object = None
    reason: str | None = None
    detail: str = ""

    @property
    def ok(self):
        return self.reason is None

    def refuse(self, reason, detail=""):
        self.reason = reason
        self.detail = detail or REASONS[reason]
        return self


class PermitIndex:
    """Match parsed path values to permits.

    ``permits`` are dicts holding ``key`` (what the caller wants back, e.g. the
    Odoo id) and any of the template fields.  A permit is found by its strongest
    identifying field; every other value parsed from the path must then agree
    with it (normalised), otherwise the file is refused as ``mismatch``: a PDF
    under the wrong company's folder is exactly the mistake to catch.
    """

    def __init__(self, permits):
        self._by = {name: {} for name in KEY_FIELDS}
        for permit in permits:
            for name in KEY_FIELDS:
                value = permit.get(name)
                if value not in (None, "", False):
                    self._by[name].setdefault(normalize(value), []).append(permit)

    def match(self, fields):
        """Return ``(key, None)`` or ``(None, (reason, detail))``."""
        for name in KEY_FIELDS:
            if name not in fields:
                continue
            found = self._by[name].get(normalize(fields[name]), [])
            others = {k: v for k, v in fields.items() if k != name}
            agreeing = [p for p in found if _agrees(p, others)]
            if len(agreeing) == 1:
                return agreeing[0]["key"], None
            if len(agreeing) > 1:
                return None, (
                    "ambiguous",
                    f"{len(agreeing)} permits have {name} {fields[name]!r}",
                )
            if found:
                first = found[0]
                diff = ", ".join(
                    f"{k}: path {v!r} / permit {first.get(k)!r}"
                    for k, v in others.items()
                    if normalize(first.get(k)) != normalize(v)
                )
                return None, ("mismatch", f"{name} {fields[name]!r} found, but {diff}")
            return None, ("no_permit", f"no permit with {name} {fields[name]!r}")
        return None, ("no_permit", "the path holds no identifying value")


def _agrees(permit, fields):
    return all(normalize(permit.get(k)) == normalize(v) for k, v in fields.items())


def _components(relative_path):
    return tuple(relative_path.split("/"))


class Scanner:
    """Walk and check the upload root (see module docstring).

    ``match`` is a callable ``fields -> (key, None) | (None, (reason, detail))``
    such as :meth:`PermitIndex.match`; without it files are checked but not
    matched (``permit`` stays ``None``).
    """

    def __init__(self, root, templates=None, max_size=DEFAULT_MAX_SIZE, match=None):
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise FileNotFoundError(f"upload root {root!r} is not a directory")
        self.templates = list(templates or parse_templates(None))
        self.max_size = max_size
        self.match = match
        bases = sorted({t.base for t in self.templates}, key=_components)
        # walk each folder once: drop bases nested in another base
        self.bases = [
            b
            for b in bases
            if not any(o != b and (o == "" or b.startswith(o + "/")) for o in bases)
        ]

    # ---------------------------------------------------------------- walk
    def walk(self, start_after=None):
        """Yield relative paths of files below the template bases, in order.

        Order is by path components, so ``start_after`` (a path yielded
        before) resumes exactly after it, and whole subtrees before the cursor
        are skipped without being listed.
        """
        cursor = _components(start_after) if start_after else None
        for base in self.bases:
            top = os.path.join(self.root, *base.split("/")) if base else self.root
            prefix = tuple(base.split("/")) if base else ()
            if cursor and prefix and prefix < cursor[: len(prefix)]:
                continue
            if not os.path.isdir(top) or os.path.islink(top):
                continue
            yield from self._walk_dir(top, prefix, cursor)

    def _walk_dir(self, folder, prefix, cursor):
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            parts = prefix + (entry.name,)
            if cursor and parts < cursor[: len(parts)]:
                continue  # whole entry/subtree lies before the cursor
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                yield from self._walk_dir(entry.path, parts, cursor)
            elif cursor is None or parts > cursor:
                # files, and symlinks of any kind (checked in :meth:`check`)
                yield "/".join(parts)

    # --------------------------------------------------------------- check
    def resolve(self, relative_path):
        """Absolute real path of ``relative_path``; :class:`UnsafePath` if outside."""
        parts = relative_path.split("/")
        if any(p in ("", ".", "..") for p in parts) or "\0" in relative_path:
            raise UnsafePath(f"{relative_path!r} is not a plain relative path")
        real = os.path.realpath(os.path.join(self.root, *parts))
        if os.path.commonpath([real, self.root]) != self.root:
            raise UnsafePath(f"{relative_path!r} resolves outside the upload root")
        return real

    def identify(self, relative_path):
        """Template name and parsed values, or ``(None, {})``."""
        for template in self.templates:
            values = template.parse(relative_path)
            if values is not None:
                return template.name, values
        return None, {}

    def check(self, relative_path, known=None):
        """Full verdict on one file: path, content, size, hash, permit.

        ``known`` may be ``(size, mtime, sha256)`` from a previous import: when
        size and mtime are unchanged the file is not read again, which keeps a
        rescan of a large, stable tree cheap.
        """
        res = ScannedFile(relative_path)
        try:
            real = self.resolve(relative_path)
        except UnsafePath as exc:
            return res.refuse("path_escape", str(exc))
        res.template, res.fields = self.identify(relative_path)
        if res.template is None:
            return res.refuse("no_template")
        try:
            fd = os.open(
                real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            )
        except FileNotFoundError:
            return res.refuse("not_regular", "broken link or file removed")
        except OSError as exc:
            return res.refuse("unreadable", exc.strerror or str(exc))
        with os.fdopen(fd, "rb", buffering=0) as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return res.refuse("not_regular")
            res.size, res.mtime = st.st_size, st.st_mtime
            try:
                head = fh.read(16)  # enough to show what a non-PDF really is
                problem = content_problem(head, res.size, self.max_size)
                if problem:
                    return res.refuse(*problem)
                if known and known[0] == res.size and known[1] == res.mtime:
                    res.sha256 = known[2]
                else:
                    res.sha256, size = _hash_rest(fh, head)
                    if size != res.size or os.fstat(fd).st_size != res.size:
                        return res.refuse("unstable")
            except OSError as exc:
                return res.refuse("unreadable", exc.strerror or str(exc))
        if self.match is not None:
            key, problem = self.match(res.fields)
            if problem:
                return res.refuse(*problem)
            res.permit = key
        return res

    def scan(self, start_after=None, limit=None, known=None):
        """Check up to ``limit`` files after ``start_after``; return the list.

        ``known`` maps relative paths to ``(size, mtime, sha256)``.
        """
        out = []
        known = known or {}
        for rel in self.walk(start_after):
            out.append(self.check(rel, known.get(rel)))
            if limit and len(out) >= limit:
                break
        return out


def _hash_rest(fh, head):
    digest = hashlib.sha256(head)
    size = len(head)
    while True:
        data = fh.read(CHUNK_SIZE)
        if not data:
            return digest.hexdigest(), size
        digest.update(data)
        size += len(data)
