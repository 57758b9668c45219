from . import sicantik_holiday
from . import sicantik_permit_type
from . import sicantik_permit
from . import sicantik_permit_history
from . import sicantik_expiry_notice
from . import sicantik_dashboard_kpi
from . import sicantik_sync
from . import sicantik_health
