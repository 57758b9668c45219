"""Word lists for synthetic Indonesian (Kabupaten Karo) people, firms and places.

Shipped in-tree instead of using Faker so the sandbox stays dependency-free and,
above all, deterministic: the same seed must give byte-identical databases on any
machine and any library version.  Names are combinations of common given names and
Karo *merga* (clan names) / other Sumatran family names; no entry is a real person.
Everything is upper case because SICANTIK operators type it that way.
"""

# Hand-laid word lists: keep the formatter from turning them into one word a line.
# fmt: off
MALE_GIVEN = (
    "ROBERT", "JOSUA", "HENDRA", "ANTONIUS", "BENNY", "DARWIN", "RIKSON",
    "ANDREAS", "DANIEL", "EFENDI", "FERRY", "GABRIEL", "HERI", "IMANUEL",
    "JEFRI", "KRISTIAN", "MARTIN", "NELSON", "PETRUS", "RAMLI", "SAMUEL",
    "TOMMY", "YOHANES", "ZULKIFLI", "MUHAMMAD RIZKY", "AHMAD", "FAJAR", "BUDI",
    "AGUS", "SUPRIADI", "ARIF", "DEDI", "ANDI", "RUDI", "MAHADI", "BASTANTA",
    "SADARTA", "TERANG", "PERDANA", "RAHMAT", "IRWAN", "JUNAIDI", "LEONARDO",
    "MARULI", "NIKSON", "OSKAR", "PAULUS", "RICKY", "SURYA", "WILLIAM",
)

FEMALE_GIVEN = (
    "MARIA", "SRI ULINA", "RUTH", "DEWI", "NOVITA", "ROSMAWATI", "LINDA",
    "MELATI", "NURHAYATI", "SITI", "RINA", "YUNITA", "ELISABETH", "FEBRIANTI",
    "HANA", "INDAH", "JULIANA", "KARTIKA", "LESTARI", "MEGAWATI", "NATALIA",
    "OKTAVIA", "PUTRI", "RAHEL", "SARAH", "TIOMINAR", "VERONIKA", "WINDA",
    "YOHANA", "ERNA", "ESTER", "SELVI", "NURLELA", "FITRI", "ANITA", "DAMERIA",
    "EVALINA", "GRACE", "IKA", "MASTA",
)

# Karo merga and sub-merga; women are written "<given> BR <merga>" (beru).
KARO_MERGA = (
    "GINTING", "SEMBIRING", "TARIGAN", "KARO-KARO", "PERANGIN-ANGIN", "SITEPU",
    "BARUS", "SINULINGGA", "PURBA", "KABAN", "SURBAKTI", "BANGUN", "MILALA",
    "PELAWI", "MELIALA", "SEBAYANG", "KETAREN", "SINUKABAN", "MUNTHE",
    "GURUSINGA", "SINUHAJI", "TAMBUN", "BRAHMANA", "SEMBIRING MELIALA",
    "GINTING MANIK", "TARIGAN SIBERO",
)

OTHER_SURNAMES = (
    "SIREGAR", "NASUTION", "LUBIS", "HARAHAP", "SIMANJUNTAK", "HUTAGALUNG",
    "MANURUNG", "SINAGA", "SIMATUPANG", "PANJAITAN", "SARAGIH", "DAMANIK",
    "SIAHAAN", "PASARIBU", "SITUMORANG",
)

# Single-word Javanese names (no family name).
JAVANESE = (
    "SUTRISNO", "WAHYUDI", "SUPARMAN", "SUGIARTO", "SRI WAHYUNI", "SUMARNI",
    "SUKARDI", "PURWANTO", "SETIAWAN", "HARTONO", "SUPRAPTO", "WIDODO",
)

SUFFIX_TITLES = (
    ", S.E.", ", S.H.", ", S.Pd.", ", S.T.", ", S.Kom", ", M.Si", ", A.Md.",
    ", S.Sos", ", S.P.",
)
PREFIX_TITLES = ("Drs. ", "Ir. ", "H. ")

# Given names carrying an apostrophe or accent: the clean data spells them in
# ASCII, the --dirty mode stores their UTF-8 form double-encoded (mojibake).
MOJIBAKE_NAMES = (
    ("MA'RUF", "MA\u2019RUF"),
    ("SYAFI'I", "SYAFI\u2019I"),
    ("NU'MAN", "NU\u2019MAN"),
    ("ANDRE", "ANDR\u00c9"),
    ("RENE", "REN\u00c9"),
    ("JOSE", "JOS\u00c9"),
)

COMPANY_FORMS = ("CV.", "CV.", "CV.", "PT.", "PT.", "UD.", "UD.", "KOPERASI", "TB.")

COMPANY_WORDS_A = (
    "SINAR", "MAJU", "BERKAT", "MEKAR", "CAHAYA", "KARYA", "BINTANG", "PUTRA",
    "RESTU", "SUMBER", "MITRA", "ANUGERAH", "HARAPAN", "TUNAS", "GEMILANG",
    "BUKIT", "DELENG", "LAU", "MEJUAH-JUAH", "SIBAYAK", "SINABUNG", "KARO",
    "BERASTAGI", "TANAH KARO", "SIMALEM", "GUNDALING",
)
COMPANY_WORDS_B = (
    "JAYA", "MAKMUR", "SEJAHTERA", "ABADI", "LESTARI", "MANDIRI", "SENTOSA",
    "UTAMA", "PERKASA", "AGRO", "TANI", "NIAGA", "KONSTRUKSI", "TRANS",
    "FARMA", "MEDIKA", "BANGUNAN", "ELEKTRONIK", "KOPI", "HORTIKULTURA",
    "WISATA", "DAGANG", "TEKNIK", "RAYA",
)
COMPANY_WORDS_C = ("", "", "", "", "LESTARI", "BERSAMA", "INDONESIA", "NUSANTARA")

STREETS_KARO = (
    "JL. JAMIN GINTING", "JL. VETERAN", "JL. KOTA CANE", "JL. PAHLAWAN",
    "JL. UDARA", "JL. GUNDALING", "JL. SUDIRMAN", "JL. DIPONEGORO",
    "JL. KAPT. PALA BANGUN", "JL. MARIAM GINTING", "JL. SAMURA", "JL. PERWIRA",
    "JL. IRIAN", "JL. NGGARA SIMANTA", "JL. KAPT. SELAMAT KETAREN",
    "JL. MERDEKA", "JL. LETNAN RATA PERANGIN-ANGIN", "JL. BANGSI SEMBIRING",
    "JL. SIBAYAK", "JL. SINABUNG", "JL. RAKUTTA SEMBIRING", "JL. SUDARSONO",
    "JL. KUTACANE", "JL. ARIH ERSADA", "JL. TALIMBARU",
)
STREETS_MEDAN = (
    "JL. SETIA BUDI", "JL. GATOT SUBROTO", "JL. SISINGAMANGARAJA",
    "JL. IMAM BONJOL", "JL. DR. MANSYUR", "JL. JAMIN GINTING",
)

NOTARIES = (
    "ROSMAWATI BR GINTING, S.H., M.Kn.", "DARMAN TARIGAN, S.H.",
    "ELLY BR SEMBIRING, S.H., M.Kn.", "HOTMAN SIREGAR, S.H., Sp.N.",
)

REJECTION_REASONS = (
    "Lokasi tidak sesuai RTRW", "Persyaratan tidak lengkap",
    "Hasil tinjauan lapangan tidak memenuhi syarat",
    "Rekomendasi teknis tidak diterbitkan", "Pemohon tidak melengkapi berkas",
)

REVOCATION_REASONS = (
    "Usaha tidak lagi beroperasi", "Melanggar ketentuan izin",
    "Permohonan pencabutan oleh pemegang izin", "Bangunan tidak sesuai izin",
)

KETERANGAN = (
    None, None, None, None, None, None, "Berkas lengkap", "Berkas diterima di loket",
    "Mohon segera diproses", "Pemohon akan melengkapi berkas asli",
)

MOBILE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0851",
    "0817", "0818", "0819", "0859", "0877", "0878", "0838", "0831", "0895",
    "0896", "0881", "0882",
)

# Reserved example domains only: the sandbox must never be able to e-mail anyone.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
# fmt: on
