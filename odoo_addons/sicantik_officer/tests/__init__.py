from . import test_workdays
from . import test_sla
from . import test_expiry
from . import test_dashboard
from . import test_security
from . import test_counters
