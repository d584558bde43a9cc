"""The desk's background job in the service: deadlines, digest, alert delivery."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.config import Settings
from core.db import session_scope
from core.timeutil import utcnow
from desk.alerts.channels import Channel
from desk.alerts.delivery import deliver_due, maybe_digest
from desk.alerts.setup import alert_policy, delivery_channels
from desk.checker import check_deadlines
from desk.history import summarize_history_imports
from desk.owner_replies import notice_owner_replies
from desk.source_health import HealthRules, check_source_health
from desk.triage import triage
from models import Mention

logger = logging.getLogger(__name__)
POLICY_KEY = "svetofor.alert_policy"  # where a session keeps the policy it triages with


def health_rules_from_settings(settings: Settings) -> HealthRules:
    return HealthRules(
        failing_runs=settings.alert_source_failing_runs,
        silent_factor=settings.alert_source_silent_factor,
    )


class DeskWorker:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.history_decided: set[int] = set()  # sources whose import summary is settled

    def channels(self) -> dict[str, Channel]:
        """What alerts go out through: the settings' channels, the stored ones (read afresh:
        an admin may add one) and the dashboard's log."""
        with Session(self.engine) as session:
            return delivery_channels(self.settings, session)

    def triage(self, session: Session, mention: Mention) -> None:
        """Open or extend a case for a freshly labelled mention that needs an answer."""
        # The channels are read once per labelling transaction, not once per mention.
        policy = session.info.get(POLICY_KEY)
        if policy is None:
            policy = session.info[POLICY_KEY] = alert_policy(self.settings, session)
        triage(session, mention, policy)

    def deliver_now(self) -> None:
        """Send what is due at once (a new case's alert), without waiting for the tick."""
        try:
            deliver_due(
                self.engine, self.channels(), rate_per_minute=self.settings.alert_rate_per_minute
            )
        except Exception:
            logger.exception("alert delivery failed")

    def tick(self) -> None:
        """One pass; errors are logged, never raised, so the loop keeps going."""
        try:
            with session_scope(self.engine) as session:
                policy = alert_policy(self.settings, session)
                # an owner reply posted on the platform by hand moves its case first
                notice_owner_replies(session, utcnow())
                check_deadlines(session, policy)
                maybe_digest(
                    session,
                    policy,
                    self.settings.alert_digest_time,
                    self.settings.alert_timezone,
                )
                check_source_health(
                    session, policy, health_rules_from_settings(self.settings), utcnow()
                )
                summarize_history_imports(
                    session,
                    policy,
                    threshold=self.settings.alert_history_summary_min,
                    now=utcnow(),
                    dashboard_url=self.settings.public_url,
                    decided=self.history_decided,
                )
            deliver_due(
                self.engine, self.channels(), rate_per_minute=self.settings.alert_rate_per_minute
            )
        except Exception:
            logger.exception("desk tick failed")
