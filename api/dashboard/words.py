"""People's words for the desk's internal values (states, SLA, priorities, timeline events,
crawl statuses), in Russian and English: no raw enum value reaches a page."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "state.new": "new",
        "state.acknowledged": "first reply sent",
        "state.resolved": "resolved",
        "state.closed": "closed",
        "state.dismissed": "dismissed",
        "sla.on_track": "on track",
        "sla.at_risk": "at risk",
        "sla.breached": "overdue",
        "sla.met": "in time",
        "sla.missed": "late",
        "priority.low": "low",
        "priority.normal": "normal",
        "priority.high": "high",
        "priority.urgent": "urgent",
        "reply.draft": "draft",
        "reply.approved": "approved",
        "reply.posted": "posted",
        "event.opened": "case opened",
        "event.reopened": "case reopened",
        "event.mention_added": "another mention joined",
        "event.sla_changed": "deadline status changed",
        "event.reply_drafted": "reply drafted",
        "event.reply_edited": "reply edited",
        "event.reply_approved": "reply approved",
        "event.reply_posted": "reply posted",
        "event.assigned": "assigned",
        "event.priority_changed": "priority changed",
        "event.dismissed": "dismissed",
        "event.closed": "closed",
        "event.label_corrected": "light corrected by a person",
        "event.label_correction_undone": "light correction undone",
        "event.dismissal_undone": "dismissal undone",
        "deadline.first_reply": "first reply",
        "deadline.resolution": "resolution",
        "run.running": "crawling",
        "run.ok": "ok",
        "run.partial": "partly",
        "run.blocked": "blocked",
        "run.failed": "failed",
        "reason.negative": "negative",
        "reason.uncertain sentiment": "the model was unsure",
        "reason.question": "a question",
        "reason.rating": "rated {n}★",
    },
    "ru": {
        "state.new": "новое",
        "state.acknowledged": "первый ответ дан",
        "state.resolved": "решено",
        "state.closed": "закрыто",
        "state.dismissed": "отклонено",
        "sla.on_track": "в срок",
        "sla.at_risk": "под угрозой",
        "sla.breached": "просрочено",
        "sla.met": "успели",
        "sla.missed": "опоздали",
        "priority.low": "низкий",
        "priority.normal": "обычный",
        "priority.high": "высокий",
        "priority.urgent": "срочный",
        "reply.draft": "черновик",
        "reply.approved": "согласован",
        "reply.posted": "опубликован",
        "event.opened": "обращение открыто",
        "event.reopened": "обращение открыто снова",
        "event.mention_added": "добавилось упоминание",
        "event.sla_changed": "статус срока изменился",
        "event.reply_drafted": "черновик ответа",
        "event.reply_edited": "ответ изменён",
        "event.reply_approved": "ответ согласован",
        "event.reply_posted": "ответ опубликован",
        "event.assigned": "назначено",
        "event.priority_changed": "приоритет изменён",
        "event.dismissed": "отклонено",
        "event.closed": "закрыто",
        "event.label_corrected": "цвет исправлен человеком",
        "event.label_correction_undone": "исправление цвета отменено",
        "event.dismissal_undone": "отклонение отменено",
        "deadline.first_reply": "первый ответ",
        "deadline.resolution": "решение",
        "run.running": "идёт обход",
        "run.ok": "успешно",
        "run.partial": "частично",
        "run.blocked": "заблокирован",
        "run.failed": "ошибка",
        "reason.negative": "негатив",
        "reason.uncertain sentiment": "модель не уверена",
        "reason.question": "вопрос",
        "reason.rating": "оценка {n}★",
    },
}


def word(lang: str, kind: str, value: object) -> str:
    """The people's word for `kind.value` (an enum or its string) in `lang`."""
    key = f"{kind}.{getattr(value, 'value', value)}"
    return WORDS.get(lang, WORDS["en"]).get(key, str(getattr(value, "value", value)))


def reason(lang: str, text: str) -> str:
    """Why a case opened ("negative", "rating 2", …) in people's words."""
    words = WORDS.get(lang, WORDS["en"])
    if text.startswith("rating "):
        return words["reason.rating"].format(n=text.removeprefix("rating "))
    return words.get(f"reason.{text}", text)
