from . import test_sync
from . import test_faults
from . import test_reconcile
from . import test_units
from . import test_health
from . import test_rpc_attacks
