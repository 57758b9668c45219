from . import test_sync
from . import test_faults
from . import test_reconcile
