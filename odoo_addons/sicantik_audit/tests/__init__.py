from . import test_api
from . import test_append_only
from . import test_verify
from . import test_concurrency
from . import test_login_settings
from . import test_s3
from . import test_cli
from . import test_ui
