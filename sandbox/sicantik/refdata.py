"""Reference (``tr*``) data of the simulated office: DPMPTSP Kabupaten Karo.

Status ids and workflow groups follow docs/reference/sicantik.md#status-ids
and docs/reference/sicantik.md#workflows.  Values that no public source fixes
(group names, workflow order, permit-type list, holiday dates) are plausible
choices, kept here as plain data so that tests, the generator and the mutator
read one truth.
"""

from datetime import date, timedelta

# ------------------------------------------------------------------------ statuses
STATUSES = {
    1: "Pendaftaran Sementara",
    2: "Menerima dan Memeriksa Berkas",
    3: "Entry Data",
    4: "Penjadwalan Tinjauan",
    5: "Rekomendasi",
    6: "Pembuatan BAP",
    7: "Penetapan Izin",
    8: "Penyusunan Naskah Izin",
    9: "Izin Ditolak",
    10: "Pembuatan SKRD",
    11: "Verifikasi Kepala Bidang",
    12: "Izin Selesai Dicetak",
    13: "Kasir",
    14: "Penyerahan Izin",
    15: "Arsip",
    16: "Pencabutan Izin",
    17: "Pembuatan Izin",
    18: "Pengajuan Salinan",
    19: "Entry Hasil Tinjauan",
}
ST_PENDAFTARAN = 1
ST_BERKAS = 2
ST_TINJAUAN = 4
ST_BAP = 6
ST_PENETAPAN = 7
ST_DITOLAK = 9
ST_KASIR = 13
ST_PENYERAHAN = 14
ST_ARSIP = 15
ST_PEMBUATAN_IZIN = 17
TERMINAL_STATUSES = (ST_DITOLAK, ST_ARSIP)

JENIS_PERMOHONAN = {
    1: "Izin Baru",
    2: "Perubahan Izin",
    3: "Perpanjangan Izin",
    4: "Daftar Ulang",
}

# ------------------------------------------------------------ groups and workflows
GROUPS = {
    1: "Izin Langsung (tanpa tinjauan)",
    2: "Izin dengan Tinjauan Lapangan",
    3: "Izin dengan BAP",
    4: "Izin dengan Retribusi",
    5: "Izin dengan Rekomendasi",
}
WORKFLOWS = {
    1: (1, 2, 3, 7, 17, 14, 15),
    2: (1, 2, 3, 4, 19, 7, 17, 14, 15),
    3: (1, 2, 3, 4, 19, 6, 7, 17, 14, 15),
    4: (1, 2, 3, 4, 19, 6, 7, 10, 13, 17, 14, 15),
    5: (1, 2, 3, 5, 7, 17, 14, 15),
}

# Working seconds (08:00-16:00 office day = 28800 s) a step stays open: (min, max).
STEP_DURATION = {
    1: (300, 5400),
    2: (600, 28800),
    3: (600, 28800),
    4: (28800, 4 * 28800),
    19: (14400, 3 * 28800),
    5: (28800, 6 * 28800),
    6: (14400, 2 * 28800),
    7: (7200, 2 * 28800),
    10: (3600, 28800),
    13: (600, 5 * 28800),
    17: (3600, 28800),
    14: (600, 10 * 28800),
}

# -------------------------------------------------------------- permit types
# fmt: off
# (id, n_perizinan, c_perizinan, v_hari, v_berlaku_tahun, v_berlaku_satuan, group,
#  weight, company share, trunitkerja_id, c_foto, jenis allowed, syarat ids)
PERMIT_TYPES = (
    (1, "IZIN GANGGUAN USAHA (HO)", "HO", 7, 5, "tahun", 2, 10, 0.9, 1, 0,
     (1, 2, 3, 4), (1, 2, 4, 11, 9)),
    (2, "IZIN MENDIRIKAN BANGUNAN (IMB)", "IMB", 14, None, None, 4, 12, 0.35, 1, 0,
     (1, 2), (1, 5, 6, 11)),
    (3, "SURAT IZIN USAHA PERDAGANGAN (SIUP)", "SIUP", 3, 5, "tahun", 1, 18, 1.0, 1,
     0, (1, 2, 3), (1, 2, 3, 4, 9)),
    (4, "TANDA DAFTAR PERUSAHAAN (TDP)", "TDP", 3, 5, "tahun", 1, 10, 1.0, 1, 0,
     (1, 2, 4), (1, 2, 3, 9)),
    (5, "IZIN PRAKTEK DOKTER UMUM", "SIPD", 5, 5, "tahun", 5, 5, 0.0, 2, 1,
     (1, 3), (1, 7, 8, 10, 9)),
    (6, "IZIN PENYELENGGARAAN REKLAME", "REK", 5, 1, "tahun", 4, 8, 0.7, 1, 0,
     (1, 3), (1, 12, 11, 9)),
    (7, "SURAT IZIN PRAKTIK BIDAN (SIPB)", "SIPB", 5, 5, "tahun", 5, 4, 0.0, 2, 1,
     (1, 3), (1, 7, 8, 10, 9)),
    (8, "IZIN USAHA JASA KONSTRUKSI (IUJK)", "IUJK", 7, 3, "tahun", 3, 4, 1.0, 1, 0,
     (1, 2, 3), (1, 2, 3, 4, 9)),
    (9, "SURAT IZIN PENGAMBILAN AIR TANAH (SIPA)", "SIPA", 10, 3, "tahun", 3, 3, 0.8,
     1, 0, (1, 3), (1, 2, 5, 11, 9)),
    (10, "IZIN TOKO OBAT", "SITO", 7, 5, "tahun", 5, 2, 0.6, 2, 0,
     (1, 2, 3), (1, 2, 4, 10, 9)),
    (11, "SURAT IZIN PRAKTIK PERAWAT (SIPP)", "SIPP", 5, 5, "tahun", 5, 4, 0.0, 2, 1,
     (1, 3), (1, 7, 8, 10, 9)),
    (12, "TANDA DAFTAR USAHA PARIWISATA (TDUP)", "TDUP", 7, 5, "tahun", 2, 3, 1.0, 1,
     0, (1, 2, 4), (1, 2, 3, 4, 9)),
    (13, "IZIN REKLAME INSIDENTIL", "RKI", 2, 2, "minggu", 1, 4, 0.5, 1, 0,
     (1,), (1, 12)),
    (14, "SURAT IZIN PENELITIAN", "SIPN", 2, 6, "bulan", 1, 6, 0.0, 1, 0,
     (1,), (1, 13)),
    (15, "IZIN PENGGUNAAN GEDUNG / LAPANGAN", "IPG", 2, 3, "hari", 1, 3, 0.2, 1, 0,
     (1,), (1, 13)),
    (16, "IZIN TRAYEK ANGKUTAN", "ITR", 7, 5, "tahun", 1, 2, 0.8, 1, 0,
     (1, 2, 3), (1, 2, 9)),
    (17, "SURAT IZIN APOTEK (SIA)", "SIA", 7, 5, "tahun", 5, 2, 0.5, 2, 1,
     (1, 2, 3), (1, 2, 7, 10, 9)),
)

# fmt: on
SYARAT = (
    (1, "Fotokopi KTP pemohon"),
    (2, "Fotokopi NPWP"),
    (3, "Akta pendirian perusahaan"),
    (4, "Surat keterangan domisili usaha"),
    (5, "Fotokopi sertifikat tanah / alas hak"),
    (6, "Gambar rencana bangunan"),
    (7, "Surat Tanda Registrasi (STR) yang masih berlaku"),
    (8, "Pas foto 3x4 (2 lembar)"),
    (9, "Asli izin lama"),
    (10, "Rekomendasi organisasi profesi"),
    (11, "Surat persetujuan tetangga"),
    (12, "Desain dan ukuran reklame"),
    (13, "Surat pengantar / proposal kegiatan"),
)
# c_show_type bitmask: 8 daftar ulang | 4 baru | 2 perpanjangan | 1 perubahan
SYARAT_SHOW_TYPE = {9: 8 | 2 | 1}
SYARAT_DEFAULT_SHOW = 15
JENIS_BIT = {1: 4, 2: 1, 3: 2, 4: 8}

# ---------------------------------------------------------------- regions
PROVINCES = ((1, "SUMATERA UTARA", "12"),)
# (id, name, ibukota, province id, NIK code)
REGENCIES = (
    (1, "KABUPATEN KARO", "Kabanjahe", 1, "06"),
    (2, "KOTA MEDAN", "Medan", 1, "71"),
)
# fmt: off
# kecamatan: (name, regency id, kelurahan/desa names)
DISTRICTS = (
    ("KABANJAHE", 1, ("GUNG NEGERI", "PADANG MAS", "GUNG LETO", "KAMPUNG DALAM",
                      "LAU CIMBA", "KETAREN", "SUMBER MUFAKAT")),
    ("BERASTAGI", 1, ("GUNDALING I", "GUNDALING II", "TAMBAK LAU MULGAP I",
                      "TAMBAK LAU MULGAP II", "SEMPA JAYA", "RUMAH BERASTAGI")),
    ("TIGAPANAH", 1, ("TIGAPANAH", "SEBERAYA", "KACINAMBUN", "LEPAR SAMURA")),
    ("SIMPANG EMPAT", 1, ("SURBAKTI", "BEGANDING", "JERAYA", "TIGA PANCUR")),
    ("MEREK", 1, ("MEREK", "SITUNGGALING", "PENGAMBATEN", "GARINGGING")),
    ("MUNTE", 1, ("MUNTE", "KUTA GERAT", "GUNUNG SARIBU", "SARIMUNTE")),
    ("JUHAR", 1, ("JUHAR GINTING", "JUHAR TARIGAN", "KUTA GUGUNG")),
    ("PAYUNG", 1, ("PAYUNG", "CIMBANG", "BATUKARANG", "RIMO KAYU")),
    ("BARUSJAHE", 1, ("BARUSJAHE", "SERDANG", "SUKANALU", "TANGKIDIK")),
    ("TIGANDERKET", 1, ("TIGANDERKET", "TEMBURUN", "KUTAGALUH", "PENAMPEN")),
    ("KUTABULUH", 1, ("KUTABULUH", "KUTABULUH SIMOLE", "UJUNG DELENG")),
    ("MARDINGDING", 1, ("MARDINGDING", "LAU PAKPAK", "TANJUNG PAMAH")),
    ("LAUBALENG", 1, ("LAUBALENG", "KUTAPANJANG", "PERBULAN")),
    ("TIGABINANGA", 1, ("TIGABINANGA", "PERBESI", "BUNGA BARU", "KUTAGERAT")),
    ("DOLAT RAYAT", 1, ("DOLAT RAYAT", "BUKIT", "SAMPUN", "DAULU")),
    ("MERDEKA", 1, ("MERDEKA", "GONGSOL", "JARANGUDA", "SEMANGAT GUNUNG")),
    ("NAMAN TERAN", 1, ("NAMAN", "GURUKINAYAN", "KUTA TONGGAL", "SIGARANG-GARANG")),
    ("MEDAN BARU", 2, ("PADANG BULAN", "DARAT", "TITI RANTAI")),
    ("MEDAN SELAYANG", 2, ("TANJUNG SARI", "PADANG BULAN SELAYANG I")),
)

# fmt: on
# ------------------------------------------------------------- organisation
UNITS = (
    (1, "DPMPTSP KABUPATEN KARO"),
    (2, "BIDANG PERIZINAN KESEHATAN DPMPTSP KABUPATEN KARO"),
    (3, "TIM TEKNIS DPMPTSP KABUPATEN KARO"),
)

# fmt: off
# (id, n_pegawai, nip, n_jabatan, status, unit, in office from, until)
# status = 1 marks the signing officials; their tenures do not overlap so the
# signer of an SK follows from its date.
OFFICIALS = (
    (1, "Drs. ANTONIUS GINTING, M.Si", "197105121998031004",
     "KEPALA DINAS PENANAMAN MODAL DAN PTSP", 1, 1, date(2010, 1, 1),
     date(2021, 6, 30)),
    (2, "Ir. DARWIN SEMBIRING, M.M.", "196908171995031002",
     "KEPALA DINAS PENANAMAN MODAL DAN PTSP", 1, 1, date(2021, 7, 1),
     date(2024, 2, 29)),
    (3, "NOVITA BR TARIGAN, S.H., M.H.", "197611232002122001",
     "KEPALA DINAS PENANAMAN MODAL DAN PTSP", 1, 1, date(2024, 3, 1),
     date(2099, 12, 31)),
    (4, "JONI PERANGIN-ANGIN, S.Sos", "197803052006041003",
     "SEKRETARIS DINAS", 0, 1, None, None),
    (5, "RUTH BR SEMBIRING, S.Kom", "198802142011012003",
     "ANALIS PERIZINAN", 0, 1, None, None),
    (6, "BENNY TARIGAN, ST", "198506302010011002", "TIM TEKNIS", 0, 3, None, None),
    (7, "dr. MAGDALENA BR GINTING", "198101102009032005",
     "KEPALA BIDANG PERIZINAN KESEHATAN", 0, 2, None, None),
    (8, "RIKSON SITEPU, S.E.", "199001202015031001", "BENDAHARA PENERIMAAN", 0, 1,
     None, None),
    (9, "DEWI BR KABAN, A.Md.", "199204112019032008", "PENGELOLA DATA", 0, 1, None,
     None),
)

# fmt: on
# (id, username, realname, unit, role) - role: fo front office, bo back office,
# kasir, admin.  i_entry on tmpermohonan/tmpemohon is the operator's realname.
USERS = (
    (1, "fo_ruth", "RUTH BR SEMBIRING", 1, "fo"),
    (2, "bo_benny", "BENNY TARIGAN", 3, "bo"),
    (3, "fo_dewi", "DEWI BR KABAN", 1, "fo"),
    (4, "kasir_rikson", "RIKSON SITEPU", 1, "kasir"),
    (5, "bo_magdalena", "MAGDALENA BR GINTING", 2, "bo"),
    (6, "administrator", "ADMINISTRATOR", 1, "admin"),
)
FRONT_OFFICE_USERS = (1, 3)
BACK_OFFICE_USERS = (2, 5)

SETTINGS = (
    ("app_name", "SICANTIK - Sistem Informasi Perizinan Kabupaten Karo", 1),
    ("app_folder", "Karo", 1),
    ("app_city", "1", 1),
    ("app_kantor", "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU", 1),
    ("app_right", "DPMPTSP Kabupaten Karo", 1),
    ("app_web_service", "1", 1),
    ("app_alamat", "JL. PAHLAWAN NO. 1 KABANJAHE", 1),
)

# ------------------------------------------------------------------- holidays
# National holidays and cuti bersama as decreed (moving feasts approximate where
# the decree was not at hand); years outside the table get the fixed-date ones.
# fmt: off
_HOLIDAYS = {
    2019: ("01-01 Tahun Baru Masehi", "02-05 Tahun Baru Imlek", "03-07 Hari Raya Nyepi",
           "04-03 Isra Mikraj", "04-17 Pemilu Serentak", "04-19 Wafat Isa Almasih",
           "05-01 Hari Buruh", "05-19 Hari Raya Waisak", "05-30 Kenaikan Isa Almasih",
           "06-01 Hari Lahir Pancasila", "06-03 Cuti Bersama Idul Fitri",
           "06-04 Cuti Bersama Idul Fitri", "06-05 Idul Fitri 1440 H",
           "06-06 Idul Fitri 1440 H", "06-07 Cuti Bersama Idul Fitri",
           "08-11 Idul Adha", "08-17 HUT Kemerdekaan RI", "09-01 Tahun Baru Islam",
           "11-09 Maulid Nabi", "12-24 Cuti Bersama Natal", "12-25 Hari Raya Natal"),
    2020: ("01-01 Tahun Baru Masehi", "01-25 Tahun Baru Imlek", "03-22 Isra Mikraj",
           "03-25 Hari Raya Nyepi", "04-10 Wafat Isa Almasih", "05-01 Hari Buruh",
           "05-07 Hari Raya Waisak", "05-21 Kenaikan Isa Almasih",
           "05-24 Idul Fitri 1441 H", "05-25 Idul Fitri 1441 H",
           "06-01 Hari Lahir Pancasila", "07-31 Idul Adha",
           "08-17 HUT Kemerdekaan RI", "08-20 Tahun Baru Islam", "10-29 Maulid Nabi",
           "12-09 Pilkada Serentak", "12-25 Hari Raya Natal"),
    2021: ("01-01 Tahun Baru Masehi", "02-12 Tahun Baru Imlek", "03-11 Isra Mikraj",
           "03-14 Hari Raya Nyepi", "04-02 Wafat Isa Almasih", "05-01 Hari Buruh",
           "05-13 Idul Fitri 1442 H / Kenaikan Isa Almasih", "05-14 Idul Fitri 1442 H",
           "05-26 Hari Raya Waisak", "06-01 Hari Lahir Pancasila", "07-20 Idul Adha",
           "08-11 Tahun Baru Islam", "08-17 HUT Kemerdekaan RI", "10-20 Maulid Nabi",
           "12-25 Hari Raya Natal"),
    2022: ("01-01 Tahun Baru Masehi", "02-01 Tahun Baru Imlek", "02-28 Isra Mikraj",
           "03-03 Hari Raya Nyepi", "04-15 Wafat Isa Almasih",
           "04-29 Cuti Bersama Idul Fitri", "05-01 Hari Buruh",
           "05-02 Idul Fitri 1443 H", "05-03 Idul Fitri 1443 H",
           "05-04 Cuti Bersama Idul Fitri", "05-05 Cuti Bersama Idul Fitri",
           "05-06 Cuti Bersama Idul Fitri", "05-16 Hari Raya Waisak",
           "05-26 Kenaikan Isa Almasih", "06-01 Hari Lahir Pancasila",
           "07-10 Idul Adha", "07-30 Tahun Baru Islam", "08-17 HUT Kemerdekaan RI",
           "10-08 Maulid Nabi", "12-25 Hari Raya Natal"),
    2023: ("01-01 Tahun Baru Masehi", "01-22 Tahun Baru Imlek",
           "01-23 Cuti Bersama Imlek", "02-18 Isra Mikraj", "03-22 Hari Raya Nyepi",
           "03-23 Cuti Bersama Nyepi", "04-07 Wafat Isa Almasih",
           "04-19 Cuti Bersama Idul Fitri", "04-20 Cuti Bersama Idul Fitri",
           "04-21 Cuti Bersama Idul Fitri", "04-22 Idul Fitri 1444 H",
           "04-23 Idul Fitri 1444 H", "04-24 Cuti Bersama Idul Fitri",
           "04-25 Cuti Bersama Idul Fitri", "05-01 Hari Buruh",
           "05-18 Kenaikan Isa Almasih", "06-01 Hari Lahir Pancasila",
           "06-02 Cuti Bersama Waisak", "06-04 Hari Raya Waisak", "06-29 Idul Adha",
           "07-19 Tahun Baru Islam", "08-17 HUT Kemerdekaan RI", "09-28 Maulid Nabi",
           "12-25 Hari Raya Natal", "12-26 Cuti Bersama Natal"),
    2024: ("01-01 Tahun Baru Masehi", "02-08 Isra Mikraj", "02-09 Cuti Bersama Imlek",
           "02-10 Tahun Baru Imlek", "02-14 Pemilu Serentak", "03-11 Hari Raya Nyepi",
           "03-12 Cuti Bersama Nyepi", "03-29 Wafat Isa Almasih",
           "03-31 Hari Paskah", "04-08 Cuti Bersama Idul Fitri",
           "04-09 Cuti Bersama Idul Fitri", "04-10 Idul Fitri 1445 H",
           "04-11 Idul Fitri 1445 H", "04-12 Cuti Bersama Idul Fitri",
           "04-15 Cuti Bersama Idul Fitri", "05-01 Hari Buruh",
           "05-09 Kenaikan Isa Almasih", "05-10 Cuti Bersama Kenaikan",
           "05-23 Hari Raya Waisak", "05-24 Cuti Bersama Waisak",
           "06-01 Hari Lahir Pancasila", "06-17 Idul Adha",
           "06-18 Cuti Bersama Idul Adha", "07-07 Tahun Baru Islam",
           "08-17 HUT Kemerdekaan RI", "09-16 Maulid Nabi", "11-27 Pilkada Serentak",
           "12-25 Hari Raya Natal", "12-26 Cuti Bersama Natal"),
    2025: ("01-01 Tahun Baru Masehi", "01-27 Isra Mikraj", "01-28 Cuti Bersama Imlek",
           "01-29 Tahun Baru Imlek", "03-28 Cuti Bersama Nyepi",
           "03-29 Hari Raya Nyepi", "03-31 Idul Fitri 1446 H",
           "04-01 Idul Fitri 1446 H", "04-02 Cuti Bersama Idul Fitri",
           "04-03 Cuti Bersama Idul Fitri", "04-04 Cuti Bersama Idul Fitri",
           "04-07 Cuti Bersama Idul Fitri", "04-18 Wafat Isa Almasih",
           "04-20 Hari Paskah", "05-01 Hari Buruh", "05-12 Hari Raya Waisak",
           "05-13 Cuti Bersama Waisak", "05-29 Kenaikan Isa Almasih",
           "05-30 Cuti Bersama Kenaikan", "06-01 Hari Lahir Pancasila",
           "06-06 Idul Adha", "06-09 Cuti Bersama Idul Adha",
           "06-27 Tahun Baru Islam", "08-17 HUT Kemerdekaan RI",
           "08-18 Cuti Bersama HUT RI", "09-05 Maulid Nabi", "12-25 Hari Raya Natal",
           "12-26 Cuti Bersama Natal"),
    2026: ("01-01 Tahun Baru Masehi", "01-16 Isra Mikraj", "02-17 Tahun Baru Imlek",
           "03-19 Hari Raya Nyepi", "03-20 Idul Fitri 1447 H",
           "03-21 Idul Fitri 1447 H", "03-23 Cuti Bersama Idul Fitri",
           "03-24 Cuti Bersama Idul Fitri", "04-03 Wafat Isa Almasih",
           "04-05 Hari Paskah", "05-01 Hari Buruh", "05-14 Kenaikan Isa Almasih",
           "05-27 Idul Adha", "05-31 Hari Raya Waisak", "06-01 Hari Lahir Pancasila",
           "06-16 Tahun Baru Islam", "08-17 HUT Kemerdekaan RI", "08-25 Maulid Nabi",
           "12-24 Cuti Bersama Natal", "12-25 Hari Raya Natal"),
    2027: ("01-01 Tahun Baru Masehi", "01-05 Isra Mikraj", "02-06 Tahun Baru Imlek",
           "03-08 Hari Raya Nyepi", "03-10 Idul Fitri 1448 H",
           "03-11 Idul Fitri 1448 H", "03-26 Wafat Isa Almasih", "05-01 Hari Buruh",
           "05-06 Kenaikan Isa Almasih", "05-17 Idul Adha", "05-20 Hari Raya Waisak",
           "06-01 Hari Lahir Pancasila", "06-06 Tahun Baru Islam",
           "08-15 Maulid Nabi", "08-17 HUT Kemerdekaan RI", "12-25 Hari Raya Natal"),
}
_FIXED_HOLIDAYS = (
    "01-01 Tahun Baru Masehi", "05-01 Hari Buruh", "06-01 Hari Lahir Pancasila",
    "08-17 HUT Kemerdekaan RI", "12-25 Hari Raya Natal",
)
# fmt: on


def holidays(first_year: int, last_year: int) -> list[tuple[date, str]]:
    """Holidays of the given years, sorted, one row per date.

    One row per date matters: the vendor's SLA formula counts ``tmholiday`` rows,
    so a duplicated date would silently lengthen every SLA in that window.
    """
    out = []
    for year in range(first_year, last_year + 1):
        for item in _HOLIDAYS.get(year, _FIXED_HOLIDAYS):
            md, desc = item.split(" ", 1)
            out.append((date(year, int(md[:2]), int(md[3:])), desc))
    out.sort()
    return out


def working_days(start: date, end: date, holiday_dates: set[date]) -> list[date]:
    """Mon-Fri dates in [start, end] that are not holidays (office open days)."""
    out = []
    d = start
    one = timedelta(days=1)
    while d <= end:
        if d.weekday() < 5 and d not in holiday_dates:
            out.append(d)
        d += one
    return out


def sla_due_date(received: date, v_hari: int, holiday_ordinals: list[int]) -> date:
    """``d_selesai_proses`` exactly as pendaftaran.php computes it.

    The vendor adds ``v_hari`` calendar days, counts the ``tmholiday`` rows in the
    closed window [received, received + v_hari], and adds that count again; it does
    not skip weekends.  ``holiday_ordinals`` is the sorted list of holiday
    ``date.toordinal()`` values.
    """
    from bisect import bisect_left, bisect_right

    lo = received.toordinal()
    hi = lo + v_hari
    count = bisect_right(holiday_ordinals, hi) - bisect_left(holiday_ordinals, lo)
    return date.fromordinal(hi + count)


def php_mod_date(start: date, value: int, unit: str | None) -> date:
    """``Lib_date::modDate``: ``strtotime("<date> <value> <unit>")``.

    PHP adds months/years to the calendar fields and lets an impossible day
    overflow into the next month (2024-02-29 + 5 year = 2029-03-01, 01-31 + 1
    month = 03-03); unknown or empty units mean years, as in the vendor switch.
    """
    unit = (unit or "").lower()
    if unit == "hari":
        return start + timedelta(days=value)
    if unit == "minggu":
        return start + timedelta(weeks=value)
    months = value if unit == "bulan" else value * 12
    years, month0 = divmod(start.month - 1 + months, 12)
    return date(start.year + years, month0 + 1, 1) + timedelta(days=start.day - 1)


ROMAN_MONTHS = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
)


def sk_number(seq: int, year: int, month: int, type_id: int, code: str) -> str:
    """``tmsk.no_surat`` in the style the office used in that year.

    Up to 2021 the vendor's default generator (``0001/DP/001/V/2021``); from 2022
    the Karo office typed its own format (``503/0112/SIPD/DPM-PTSP/2024``).
    """
    if year <= 2021:
        return f"{seq:04d}/DP/{type_id:03d}/{ROMAN_MONTHS[month - 1]}/{year}"
    return f"503/{seq:04d}/{code}/DPM-PTSP/{year}"


def pendaftaran_number(
    urut: int, type_id: int, jenis: int, month: int, year: int
) -> str:
    """5-digit running number + 3-digit permit + 2-digit jenis + MM + YYYY.

    docs/reference/sicantik.md#numbering
    """
    return f"{urut:05d}{type_id:03d}{jenis:02d}{month:02d}{year}"


def signer_for(day: date):
    """The signing official (status = 1) in office on ``day``."""
    signers = [row for row in OFFICIALS if row[4] == 1]
    for row in signers:
        if row[6] <= day <= row[7]:
            return row
    return signers[0] if day < signers[0][6] else signers[-1]
