"""The local stack of SICANTIK Companion, for `make run`, `make test` and benches.

Why a Python script and not shell in the Makefile: both commands must start the
services this machine does not already run (an S3 server, the BSrE sandbox), seed
the SICANTIK sandbox database, create an Odoo database, and then *always* stop
what they started, whatever failed in between — on Ctrl-C too.  That is a
``try/finally`` around a few subprocesses, which shell does badly.

Services the machine is expected to run already (as on the developers' machines
and CI): PostgreSQL, MariaDB and Redis on their standard local ports.  Their
addresses come from ``odoo.conf`` and can be overridden by the environment:

- PostgreSQL: ``db_host``/``db_port``/``db_user``/``db_password`` of odoo.conf, or
  ``DB_HOST``/``DB_PORT``/``DB_USER``/``DB_PASSWORD``;
- MariaDB administration (to seed the sandbox and create the read-only user):
  ``SICANTIK_MYSQL_ADMIN_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/``,
  read by ``sandbox/sicantik/admin.py`` for the harness and every test);
- Redis: ``sicantik_redis_url``.

Odoo 18's source is not a package on PyPI: it is looked up in ``$ODOO_SRC``,
else in the project's ``.odoo/18.0`` or the machine's ``/opt/odoo/18.0``;
``check-odoo --fetch`` (run by ``make run``/``make test``) shallow-clones it into
the project when it is missing, and stops loudly, with the command to run by
hand, when that fails.

Layout: :mod:`.base` (paths, odoo.conf settings, ports, child processes),
:mod:`.odoo` (Odoo's source and command line), :mod:`.services` (S3 and the
BSrE sandbox), :mod:`.databases` (the sandbox MariaDB, PostgreSQL) and
:mod:`.cli` (the commands).  ``tools/stack.py`` is the command line and
re-exports every public name here, so ``import stack`` keeps working for the
backup and translation tools, benches and tests.
"""

from .base import (
    ROOT,
    ADDONS,
    CONF,
    LOCAL,
    log,
    die,
    read_conf,
    setting,
    setting_flag,
    base_lib,
    settings_of_conf,
    s3_client,
    local_secret,
    free_port,
    port_open,
    Proc,
    venv_bin,
)
from .odoo import (
    LOCAL_ODOO_SRC,
    SYSTEM_ODOO_SRC,
    ODOO_GIT_URL,
    ODOO_BRANCH,
    ODOO_HELP,
    odoo_src_candidate,
    odoo_src,
    fetch_odoo,
    our_addons,
    odoo_env,
    odoo_argv,
)
from .services import (
    S3Server,
    BsreSandbox,
)
from .databases import (
    mysql_admin_url,
    with_database,
    mysql_admin_connect,
    run_sandbox,
    mysql_database_exists,
    seed_sicantik,
    create_readonly_user,
    drop_mysql,
    pg_params,
    pg_connect,
    ensure_pg_role,
    pg_superuser_dsn,
    pg_database_exists,
    drop_pg_database,
)
from .cli import (
    CORE_TESTS,
    ODOO_RESULT,
    PYTEST_RESULT,
    run_streamed,
    pytest_counts,
    cmd_test,
    cmd_run,
    cmd_services,
    cmd_check_odoo,
    cmd_odoo_src,
    main,
)

__all__ = [
    "base_lib",
    "settings_of_conf",
    "s3_client",
    "ADDONS",
    "BsreSandbox",
    "CONF",
    "CORE_TESTS",
    "LOCAL",
    "LOCAL_ODOO_SRC",
    "ODOO_BRANCH",
    "ODOO_GIT_URL",
    "ODOO_HELP",
    "ODOO_RESULT",
    "PYTEST_RESULT",
    "Proc",
    "ROOT",
    "S3Server",
    "SYSTEM_ODOO_SRC",
    "cmd_check_odoo",
    "cmd_odoo_src",
    "cmd_run",
    "cmd_services",
    "cmd_test",
    "create_readonly_user",
    "die",
    "drop_mysql",
    "drop_pg_database",
    "ensure_pg_role",
    "fetch_odoo",
    "free_port",
    "local_secret",
    "log",
    "main",
    "mysql_admin_connect",
    "mysql_admin_url",
    "mysql_database_exists",
    "odoo_argv",
    "odoo_env",
    "odoo_src",
    "odoo_src_candidate",
    "our_addons",
    "pg_connect",
    "pg_database_exists",
    "pg_params",
    "pg_superuser_dsn",
    "port_open",
    "pytest_counts",
    "read_conf",
    "run_sandbox",
    "run_streamed",
    "seed_sicantik",
    "setting",
    "setting_flag",
    "venv_bin",
    "with_database",
]
