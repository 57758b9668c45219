"""The issued-permits query of docs/reference/sicantik.md#issued-permits.

Issued (SK present and not 'Ditolak'), not rejected, not revoked permits with
applicant, company, permit type, request kind, SK and current status.  The
sandbox's ground truth ``zz_sim_permit.in_reference_query`` says which
applications it must return on clean data.
"""

REFERENCE_QUERY = """
SELECT p.id, p.pendaftaran_id, e.n_pemohon, e.no_referensi AS nik, e.telp_pemohon,
       e.email_pemohon, c.n_perusahaan, c.npwp, z.n_perizinan, j.n_permohonan,
       s.no_surat, s.tgl_surat, p.d_berlaku_izin, p.d_ambil_izin, p.c_izin_selesai,
       st.n_sts_permohonan AS status_terkini
FROM tmpermohonan p
JOIN tmpemohon_tmpermohonan ep ON ep.tmpermohonan_id = p.id
JOIN tmpemohon e               ON e.id = ep.tmpemohon_id
JOIN tmpermohonan_trperizinan pz ON pz.tmpermohonan_id = p.id
JOIN trperizinan z             ON z.id = pz.trperizinan_id
LEFT JOIN tmpermohonan_trjenis_permohonan pj ON pj.tmpermohonan_id = p.id
LEFT JOIN trjenis_permohonan j ON j.id = pj.trjenis_permohonan_id
LEFT JOIN tmpermohonan_tmperusahaan pc ON pc.tmpermohonan_id = p.id
LEFT JOIN tmperusahaan c       ON c.id = pc.tmperusahaan_id
JOIN tmpermohonan_tmsk ps      ON ps.tmpermohonan_id = p.id
JOIN tmsk s                    ON s.id = ps.tmsk_id AND s.no_surat <> 'Ditolak'
LEFT JOIN tmpermohonan_trstspermohonan pst ON pst.tmpermohonan_id = p.id
LEFT JOIN trstspermohonan st   ON st.id = pst.trstspermohonan_id
WHERE p.c_penetapan <> 2 AND p.c_izin_dicabut = 0
"""
