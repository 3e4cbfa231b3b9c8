"""Imports every model module so ``Base.metadata`` is complete (Alembic autogenerate, schema checks)."""

from __future__ import annotations

from api.appointments import models as appointments_models  # noqa: F401
from api.bulletins import models as bulletins_models  # noqa: F401
from api.cases import models as cases_models  # noqa: F401
from api.channel_accounts import models as channel_accounts_models  # noqa: F401
from api.citizens import models as citizens_models  # noqa: F401
from api.communes import models as communes_models  # noqa: F401
from api.conversations import models as conversations_models  # noqa: F401
from api.db import Base
from api.dossiers import models as dossiers_models  # noqa: F401
from api.inbox_events import models as inbox_models  # noqa: F401
from api.infra import models as infra_models  # noqa: F401
from api.mentions import models as mentions_models  # noqa: F401
from api.nlu import models as nlu_models  # noqa: F401
from api.outbox import models as outbox_models  # noqa: F401
from api.privacy import models as privacy_models  # noqa: F401
from api.staff import audit as staff_audit  # noqa: F401
from api.staff import models as staff_models  # noqa: F401
from api.subscriptions import models as subscriptions_models  # noqa: F401

metadata = Base.metadata
