"""Health check of the SICANTIK MySQL source, for ``/sicantik/health``.

Why a separate, raw connection rather than the sync's pooled engine: the probe
must answer within a few seconds even when MySQL hangs, must not hold a pool
slot, and reports an account that can write as a failure even though the
database answers (the companion must only ever read SICANTIK).  Nothing here
imports Odoo.
"""

from urllib.parse import unquote, urlsplit

#: Grants that mean the account could change SICANTIK.
WRITE_WORDS = ("ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER")


def check_mysql(url, timeout=3, tls_ca=None):
    """``(ok, detail)``: connect with the sync's credentials, read the grants.

    With ``tls_ca`` the probe connects as the sync does (CA and host name
    verified) and a session without a cipher fails: PyMySQL would otherwise
    quietly fall back to a clear link.
    """
    import pymysql

    parts = urlsplit(url)
    conn = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") or None,
        connect_timeout=timeout,
        read_timeout=timeout,
        ssl={"ca": tls_ca, "check_hostname": True} if tls_ca else None,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GRANTS FOR CURRENT_USER()")
            grants = " ".join(row[0].upper() for row in cur.fetchall())
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            cipher = (cur.fetchone() or ("", ""))[1]
    finally:
        conn.close()
    if tls_ca and not cipher:
        return False, "connected without TLS although TLS is required"
    if any(word in grants for word in WRITE_WORDS):
        return False, "connected, but the user can write"
    return True, "connected, read-only user"
