-- Read-only account for the SICANTIK companion (SELECT on one database only).
--
-- Template: ${SICANTIK_DB}, ${SICANTIK_RO_USER} and ${SICANTIK_RO_PASSWORD} are
-- replaced before running (envsubst-style names).  The same file is used by
--   * python -m sandbox.sicantik create-readonly-user   (values SQL-escaped)
--   * sandbox/sicantik/create-readonly-user.sh            (mysql client)
--   * the docker setup.
-- Re-running it is safe: it resets the password and the privileges.
-- MySQL 5.7+/8 and MariaDB 10.2+ understand every statement below.

CREATE USER IF NOT EXISTS '${SICANTIK_RO_USER}'@'%' IDENTIFIED BY '${SICANTIK_RO_PASSWORD}';
CREATE USER IF NOT EXISTS '${SICANTIK_RO_USER}'@'localhost' IDENTIFIED BY '${SICANTIK_RO_PASSWORD}';
ALTER USER '${SICANTIK_RO_USER}'@'%' IDENTIFIED BY '${SICANTIK_RO_PASSWORD}';
ALTER USER '${SICANTIK_RO_USER}'@'localhost' IDENTIFIED BY '${SICANTIK_RO_PASSWORD}';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM '${SICANTIK_RO_USER}'@'%';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM '${SICANTIK_RO_USER}'@'localhost';
GRANT SELECT ON `${SICANTIK_DB}`.* TO '${SICANTIK_RO_USER}'@'%';
GRANT SELECT ON `${SICANTIK_DB}`.* TO '${SICANTIK_RO_USER}'@'localhost';
FLUSH PRIVILEGES;
