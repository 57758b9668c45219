from . import test_import
from . import test_generated_tree
from . import test_immutability
from . import test_access
from . import test_download
from . import test_encryption
from . import test_outage
from . import test_integrity
