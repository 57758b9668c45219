from . import test_flow, test_passphrase, test_public
from . import test_otp
from . import test_integrity
from . import test_verify_bounds
from . import test_revocation_sync
from . import test_chain
from . import test_certificates
from . import test_placement
