-- =====================================================================
-- Simulated legacy SICANTIK database (MariaDB 10.x / MySQL 8)
-- Tables and columns: docs/reference/sicantik.md, vendor names kept.
--
-- Rules, and why:
--  * no database name in this file: the tool creates/uses the database named on
--    its command line, so tests can load it into throw-away schemas;
--  * every relation goes through a DataMapper join table with its own id, as the
--    vendor ORM stores it (also has_one relations such as the current status);
--  * NO foreign keys: the vendor relies on the ORM, and real offices contain
--    orphan and duplicate join rows that FKs would hide from the companion;
--  * NO updated_at columns: the vendor has none, incremental sync must live
--    with id watermarks and the tracking table
--    (docs/reference/sicantik.md#change-detection);
--  * types are inferred ([I]); tags: [C] confirmed name, [C-var] one variant
--    (docs/reference/sicantik.md#evidence-tags);
--  * join tables carry plain indexes [I] on the columns lookups go through (the
--    low-cardinality status/kind/signer side of the big ones is left out): no
--    public dump shows keys, but without them the vendor's own INNER JOIN list
--    pages (and any sync) would crawl through full scans at office sizes.
-- The statements are split on semicolons by sandbox/sicantik/db.py, which also
-- strips these comments: keep one statement per semicolon.
-- =====================================================================

-- ---------- configuration ----------
CREATE TABLE settings (                      -- [C]
  id      INT AUTO_INCREMENT PRIMARY KEY,    -- [I]
  name    VARCHAR(64)  NOT NULL,             -- [C] app_name, app_folder, app_city
  value   VARCHAR(255) NULL,                 -- [C]
  status  TINYINT      NULL                  -- [C]
) ENGINE=InnoDB;

CREATE TABLE tmholiday (                     -- [C]
  id    INT AUTO_INCREMENT PRIMARY KEY,      -- [I]
  date  DATE NOT NULL,                       -- [C]
  description VARCHAR(100) NULL              -- [I]
) ENGINE=InnoDB;

-- ---------- regions ----------
CREATE TABLE trpropinsi  (id INT AUTO_INCREMENT PRIMARY KEY, n_propinsi  VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trkabupaten (id INT AUTO_INCREMENT PRIMARY KEY, n_kabupaten VARCHAR(100) NOT NULL,
                          ibukota VARCHAR(100) NULL) ENGINE=InnoDB;
CREATE TABLE trkecamatan (id INT AUTO_INCREMENT PRIMARY KEY, n_kecamatan VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trkelurahan (id INT AUTO_INCREMENT PRIMARY KEY, n_kelurahan VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trkabupaten_trpropinsi (id INT AUTO_INCREMENT PRIMARY KEY, trkabupaten_id INT, trpropinsi_id INT,
  KEY ix_trkabupaten_id (trkabupaten_id), KEY ix_trpropinsi_id (trpropinsi_id)) ENGINE=InnoDB;
CREATE TABLE trkabupaten_trkecamatan (id INT AUTO_INCREMENT PRIMARY KEY, trkabupaten_id INT, trkecamatan_id INT,
  KEY ix_trkabupaten_id (trkabupaten_id), KEY ix_trkecamatan_id (trkecamatan_id)) ENGINE=InnoDB;
CREATE TABLE trkecamatan_trkelurahan (id INT AUTO_INCREMENT PRIMARY KEY, trkecamatan_id INT, trkelurahan_id INT,
  KEY ix_trkecamatan_id (trkecamatan_id), KEY ix_trkelurahan_id (trkelurahan_id)) ENGINE=InnoDB;

-- ---------- organisation ----------
CREATE TABLE trunitkerja (id INT AUTO_INCREMENT PRIMARY KEY, n_unitkerja VARCHAR(150) NOT NULL) ENGINE=InnoDB;
CREATE TABLE tmpegawai (                     -- [C]
  id         INT AUTO_INCREMENT PRIMARY KEY,
  n_pegawai  VARCHAR(150) NOT NULL,          -- [C]
  nip        VARCHAR(30)  NULL,              -- [C] 18-digit NIP
  n_jabatan  VARCHAR(150) NULL,              -- [C]
  status     TINYINT      NULL               -- [C] 1 = pejabat penandatangan
) ENGINE=InnoDB;
CREATE TABLE tmpegawai_trunitkerja (id INT AUTO_INCREMENT PRIMARY KEY, tmpegawai_id INT, trunitkerja_id INT,
  KEY ix_tmpegawai_id (tmpegawai_id), KEY ix_trunitkerja_id (trunitkerja_id)) ENGINE=InnoDB;
CREATE TABLE tmpegawai_user (id INT AUTO_INCREMENT PRIMARY KEY, tmpegawai_id INT, user_id INT,
  KEY ix_tmpegawai_id (tmpegawai_id), KEY ix_user_id (user_id)) ENGINE=InnoDB;
CREATE TABLE `user` (                        -- [C]
  id INT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(50) NOT NULL,             -- [C]
  realname VARCHAR(150) NULL                 -- [C] (password etc. omitted)
) ENGINE=InnoDB;
CREATE TABLE trunitkerja_user (id INT AUTO_INCREMENT PRIMARY KEY, trunitkerja_id INT, user_id INT,
  KEY ix_trunitkerja_id (trunitkerja_id), KEY ix_user_id (user_id)) ENGINE=InnoDB;

-- ---------- permit reference data ----------
CREATE TABLE trkelompok_perizinan (id INT AUTO_INCREMENT PRIMARY KEY, n_kelompok VARCHAR(150) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trperizinan (                   -- [C]
  id               INT AUTO_INCREMENT PRIMARY KEY,
  n_perizinan      VARCHAR(255) NOT NULL,    -- [C]
  c_perizinan      VARCHAR(20)  NULL,        -- [C-var] short code
  v_hari           INT          NULL,        -- [C] SLA days
  v_berlaku_tahun  INT          NULL,        -- [C] validity amount (despite the name)
  v_berlaku_satuan VARCHAR(10)  NULL,        -- [C] hari, minggu, bulan, tahun
  v_perizinan      DECIMAL(15,2) NULL,       -- [C]
  c_foto           TINYINT      NULL,        -- [C]
  c_berlaku        TINYINT      NULL,        -- [C] 1 = print validity on SK
  c_keputusan      TINYINT      NULL,        -- [C]
  c_judul          TINYINT      NULL,        -- [C]
  d_entry          DATETIME     NULL         -- [C]
) ENGINE=InnoDB;
CREATE TABLE trkelompok_perizinan_trperizinan (id INT AUTO_INCREMENT PRIMARY KEY, trkelompok_perizinan_id INT, trperizinan_id INT,
  KEY ix_trkelompok_perizinan_id (trkelompok_perizinan_id), KEY ix_trperizinan_id (trperizinan_id)) ENGINE=InnoDB;
CREATE TABLE trperizinan_user (id INT AUTO_INCREMENT PRIMARY KEY, trperizinan_id INT, user_id INT,
  KEY ix_trperizinan_id (trperizinan_id), KEY ix_user_id (user_id)) ENGINE=InnoDB;
CREATE TABLE trjenis_permohonan (id INT AUTO_INCREMENT PRIMARY KEY, n_permohonan VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trstspermohonan (id INT AUTO_INCREMENT PRIMARY KEY, n_sts_permohonan VARCHAR(150) NOT NULL) ENGINE=InnoDB;
CREATE TABLE trlangkah_perizinan (           -- [C]
  id INT AUTO_INCREMENT PRIMARY KEY,         -- [I]
  trkelompok_perizinan_id INT NOT NULL,      -- [C]
  trstspermohonan_id      INT NOT NULL,      -- [C]
  urut                    INT NOT NULL       -- [C]
) ENGINE=InnoDB;
CREATE TABLE trsyarat_perizinan (            -- [C]
  id INT AUTO_INCREMENT PRIMARY KEY,
  v_syarat VARCHAR(255) NOT NULL,            -- [C]
  status   TINYINT NULL,                     -- [C] 1 = wajib
  i_urut   INT NULL                          -- [C]
) ENGINE=InnoDB;
CREATE TABLE trperizinan_trsyarat_perizinan (id INT AUTO_INCREMENT PRIMARY KEY, trperizinan_id INT, trsyarat_perizinan_id INT,
  c_show_type TINYINT NULL,                  -- [C] bitmask 8 daftar ulang, 4 baru, 2 perpanjangan, 1 perubahan
  KEY ix_trperizinan_id (trperizinan_id)
) ENGINE=InnoDB;

-- ---------- applicants and companies ----------
CREATE TABLE tmpemohon (                     -- [C]
  id             INT AUTO_INCREMENT PRIMARY KEY,
  no_referensi   VARCHAR(30)  NULL,          -- [C] NIK (16 digits) when source = KTP
  source         VARCHAR(10)  NULL,          -- [C] KTP, SIM, PASSPORT
  n_pemohon      VARCHAR(150) NOT NULL,      -- [C]
  telp_pemohon   VARCHAR(30)  NULL,          -- [C]
  email_pemohon  VARCHAR(100) NULL,          -- [C-var]
  a_pemohon      VARCHAR(255) NULL,          -- [C]
  a_pemohon_luar VARCHAR(255) NULL,          -- [C]
  i_user         VARCHAR(100) NULL,          -- [C]
  d_entry        DATETIME     NULL,          -- [C]
  cek_prop       TINYINT      NULL           -- [C]
) ENGINE=InnoDB;
CREATE TABLE tmpemohon_sementara LIKE tmpemohon;
CREATE TABLE tmpemohon_trkelurahan (id INT AUTO_INCREMENT PRIMARY KEY, tmpemohon_id INT, trkelurahan_id INT,
  KEY ix_tmpemohon_id (tmpemohon_id), KEY ix_trkelurahan_id (trkelurahan_id)) ENGINE=InnoDB;
CREATE TABLE tmpemohon_sementara_trkelurahan (id INT AUTO_INCREMENT PRIMARY KEY, tmpemohon_sementara_id INT, trkelurahan_id INT,
  KEY ix_tmpemohon_sementara_id (tmpemohon_sementara_id), KEY ix_trkelurahan_id (trkelurahan_id)) ENGINE=InnoDB;

CREATE TABLE tmperusahaan (                  -- [C]
  id                INT AUTO_INCREMENT PRIMARY KEY,
  n_perusahaan      VARCHAR(200) NOT NULL,   -- [C]
  npwp              VARCHAR(30)  NULL,       -- [C] 15-digit formatted or 16-digit
  a_perusahaan      VARCHAR(255) NULL,       -- [C]
  d_tgl_berdiri     DATE         NULL,       -- [C]
  i_telp_perusahaan VARCHAR(30)  NULL,       -- [C]
  no_reg_perusahaan VARCHAR(50)  NULL,       -- [C]
  rt                VARCHAR(5)   NULL,       -- [C]
  rw                VARCHAR(5)   NULL,       -- [C]
  fax               VARCHAR(30)  NULL,       -- [C]
  email             VARCHAR(100) NULL,       -- [C]
  i_user            VARCHAR(100) NULL,       -- [C]
  d_entry           DATETIME     NULL        -- [C]
) ENGINE=InnoDB;
CREATE TABLE tmperusahaan_trkelurahan (id INT AUTO_INCREMENT PRIMARY KEY, tmperusahaan_id INT, trkelurahan_id INT,
  KEY ix_tmperusahaan_id (tmperusahaan_id), KEY ix_trkelurahan_id (trkelurahan_id)) ENGINE=InnoDB;

-- ---------- applications ----------
CREATE TABLE tmpermohonan (                  -- [C]
  id                 INT AUTO_INCREMENT PRIMARY KEY,
  pendaftaran_id     VARCHAR(30)  NOT NULL,  -- [C] 16 digits
  i_urut             VARCHAR(10)  NULL,      -- [C] zero-padded running number
  d_tahun            VARCHAR(4)   NULL,      -- [C]
  d_terima_berkas    DATE         NULL,      -- [C]
  d_survey           DATE         NULL,      -- [C]
  d_selesai_proses   DATE         NULL,      -- [C] SLA due date
  d_bukti            DATE         NULL,      -- [C]
  d_berlaku_izin     DATE         NULL,      -- [C] expiry
  d_berlaku_keputusan DATE        NULL,      -- [C]
  d_ambil_izin       DATETIME     NULL,      -- [C] handed over
  d_izin_dicabut     DATE         NULL,      -- [C]
  a_izin             VARCHAR(255) NULL,      -- [C] lokasi izin
  c_paralel          TINYINT      NULL,      -- [C]
  c_pendaftaran      TINYINT      NOT NULL DEFAULT 0,  -- [C] 0 waiting, 1 complete, 2 via API
  c_tinjauan         TINYINT      NULL,      -- [C]
  c_penetapan        TINYINT      NOT NULL DEFAULT 0,  -- [C] 0 open, 1 diizinkan, 2 ditolak
  c_izin_selesai     TINYINT      NOT NULL DEFAULT 0,  -- [C] 1 = handed over
  c_izin_dicabut     TINYINT      NOT NULL DEFAULT 0,  -- [C]
  c_status_bayar     TINYINT      NULL,      -- [C]
  id_lama            INT          NULL,      -- [C] previous application
  d_perubahan        DATE         NULL,      -- [C]
  d_perpanjangan     DATE         NULL,      -- [C]
  d_daftarulang      DATE         NULL,      -- [C]
  i_entry            VARCHAR(150) NULL,      -- [C] operator realname
  d_entry            DATETIME     NULL,      -- [C]
  no_akta            VARCHAR(100) NULL,      -- [C]
  d_akta             DATE         NULL,      -- [C]
  notaris            VARCHAR(150) NULL,      -- [C]
  d_ajuan_cabut      DATE         NULL,      -- [C]
  ket_cabut          TEXT         NULL,      -- [C]
  nip_ttd            VARCHAR(30)  NULL,      -- [C]
  nama_ttd           VARCHAR(150) NULL,      -- [C]
  file_ttd           TEXT         NULL,      -- [C]
  keterangan         TEXT         NULL,      -- [C]
  trunitkerja_id     INT          NULL,      -- [C-var] plain FK column
  due_notif          TINYINT      NOT NULL DEFAULT 0,  -- [C-var] reminder sent
  KEY ix_pendaftaran (pendaftaran_id),
  KEY ix_terima (d_terima_berkas),
  KEY ix_berlaku (d_berlaku_izin)
) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_trperizinan (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, trperizinan_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id), KEY ix_trperizinan_id (trperizinan_id)) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_trjenis_permohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, trjenis_permohonan_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id)) ENGINE=InnoDB;
CREATE TABLE tmpemohon_tmpermohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmpemohon_id INT, tmpermohonan_id INT,
  KEY ix_tmpemohon_id (tmpemohon_id), KEY ix_tmpermohonan_id (tmpermohonan_id)) ENGINE=InnoDB;
CREATE TABLE tmpemohon_sementara_tmpermohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmpemohon_sementara_id INT, tmpermohonan_id INT,
  KEY ix_tmpemohon_sementara_id (tmpemohon_sementara_id), KEY ix_tmpermohonan_id (tmpermohonan_id)) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_tmperusahaan (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, tmperusahaan_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id), KEY ix_tmperusahaan_id (tmperusahaan_id)) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_trstspermohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, trstspermohonan_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id), KEY ix_trstspermohonan_id (trstspermohonan_id)) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_trsyarat_perizinan (
  id INT AUTO_INCREMENT PRIMARY KEY,
  tmpermohonan_id INT, trsyarat_perizinan_id INT,   -- [C]
  no_dokumen VARCHAR(100) NULL,                     -- [C-var]
  tgl_awal_berlaku DATE NULL,                       -- [C-var]
  tgl_akhir_berlaku DATE NULL,                      -- [C-var]
  KEY ix_tmpermohonan_id (tmpermohonan_id)
) ENGINE=InnoDB;

-- ---------- status history ----------
CREATE TABLE tmtrackingperizinan (           -- [C]
  id             INT AUTO_INCREMENT PRIMARY KEY,
  pendaftaran_id VARCHAR(30) NOT NULL,       -- [C] copy of tmpermohonan.pendaftaran_id
  status         VARCHAR(10) NOT NULL,       -- [C] Insert (open) or Update (closed)
  d_entry_awal   DATETIME    NULL,           -- [C] step start
  d_entry        DATETIME    NULL,           -- [C] last change or step end
  KEY ix_track_pendaftaran (pendaftaran_id),
  KEY ix_track_entry (d_entry)
) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_tmtrackingperizinan (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, tmtrackingperizinan_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id), KEY ix_tmtrackingperizinan_id (tmtrackingperizinan_id)) ENGINE=InnoDB;
CREATE TABLE tmtrackingperizinan_trstspermohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmtrackingperizinan_id INT, trstspermohonan_id INT,
  KEY ix_tmtrackingperizinan_id (tmtrackingperizinan_id)) ENGINE=InnoDB;

-- ---------- decision / SK ----------
CREATE TABLE tmbap (                          -- [C]
  id INT AUTO_INCREMENT PRIMARY KEY,
  bap_id VARCHAR(50) NULL,                    -- [C]
  status_bap TINYINT NULL,                    -- [C] 1 = diizinkan
  nilai_bap_awal DECIMAL(15,2) NULL,          -- [C]
  c_penetapan TINYINT NULL,                   -- [C]
  c_skrd TINYINT NULL,                        -- [C]
  c_pesan VARCHAR(100) NULL                   -- [C]
) ENGINE=InnoDB;
CREATE TABLE tmbap_tmpermohonan (id INT AUTO_INCREMENT PRIMARY KEY, tmbap_id INT, tmpermohonan_id INT,
  KEY ix_tmbap_id (tmbap_id), KEY ix_tmpermohonan_id (tmpermohonan_id)) ENGINE=InnoDB;

CREATE TABLE tmsk (                           -- [C]
  id               INT AUTO_INCREMENT PRIMARY KEY,
  no_surat         VARCHAR(100) NULL,         -- [C] SK number, or Ditolak for rejections
  tgl_surat        DATE         NULL,         -- [C]
  c_status         TINYINT      NULL,         -- [C] 1 printed, 2 re-activated
  c_cetak          TINYINT      NULL,         -- [C]
  i_urut           VARCHAR(10)  NULL,         -- [C]
  base64           VARCHAR(255) NULL,         -- [C-var] base64(no_surat)
  c_is_requested   TINYINT      NULL,         -- [C] copy requested
  c_status_salinan TINYINT      NULL          -- [C]
) ENGINE=InnoDB;
CREATE TABLE tmpermohonan_tmsk (id INT AUTO_INCREMENT PRIMARY KEY, tmpermohonan_id INT, tmsk_id INT,
  KEY ix_tmpermohonan_id (tmpermohonan_id), KEY ix_tmsk_id (tmsk_id)) ENGINE=InnoDB;
CREATE TABLE tmpegawai_tmsk (id INT AUTO_INCREMENT PRIMARY KEY, tmpegawai_id INT, tmsk_id INT,
  KEY ix_tmsk_id (tmsk_id)) ENGINE=InnoDB;

-- ---------- logs ----------
CREATE TABLE rat (                            -- [C-var]
  id            INT AUTO_INCREMENT PRIMARY KEY,
  user_id       INT NULL,
  date_time     DATETIME NULL,
  code          INT NULL,                     -- 1 insert pendaftaran, 9 cetak
  message       VARCHAR(255) NULL,
  tmpermohonan  INT NULL
) ENGINE=InnoDB;

-- ---------- simulator-only ground truth (NOT part of SICANTIK) ----------
-- The companion must never read these; tests compare their results to them.

-- Files placed under the upload root (docs/reference/sicantik.md#files-on-disk).
CREATE TABLE zz_sim_expected_file (
  id INT AUTO_INCREMENT PRIMARY KEY,
  tmpermohonan_id INT NOT NULL,
  relative_path VARCHAR(500) NOT NULL,        -- relative to the upload root
  layout VARCHAR(30) NOT NULL                 -- variant_syarat or izin_flat
) ENGINE=InnoDB;

-- Every defect injected by --dirty (sync tests compare their quarantine to it).
CREATE TABLE zz_sim_defect (
  id INT AUTO_INCREMENT PRIMARY KEY,
  table_name VARCHAR(64) NOT NULL,
  row_id INT NOT NULL,
  defect VARCHAR(40) NOT NULL,
  detail VARCHAR(500) NULL,
  KEY ix_defect_row (table_name, row_id)
) ENGINE=InnoDB;

-- The generator's own view of every application (kept current by mutate).
CREATE TABLE zz_sim_permit (
  tmpermohonan_id INT NOT NULL PRIMARY KEY,
  outcome VARCHAR(20) NOT NULL,               -- in_process, stalled, ready, archived, rejected, revoked
  trstspermohonan_id INT NOT NULL,            -- current status
  in_reference_query TINYINT NOT NULL         -- 1 = must appear in REFERENCE_QUERY
) ENGINE=InnoDB;

-- How the database was generated (seed, permits, today, dirty).
CREATE TABLE zz_sim_meta (
  name VARCHAR(40) NOT NULL PRIMARY KEY,
  value VARCHAR(255) NULL
) ENGINE=InnoDB;
