"""Reply templates: the 5 A's (acknowledge, apologize, answer, analyze, adjust), RU and EN."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.errors import Conflict, Invalid, NotFound
from core.timeutil import utcnow
from models import ReplyStage, ReplyTemplate, TemplateCreate, TemplateUpdate
from services.catalog import brand_by_name

VARIABLES = ("author", "brand", "promised_date", "case_link", "analysis", "changes")
# What the SMM team fills in by hand when a draft cannot know it.
PLACEHOLDERS = {
    "ru": {
        "analysis": "[что мы выяснили]",
        "changes": "[что мы изменили]",
        "author": "Здравствуйте",
    },
    "en": {"analysis": "[what we found]", "changes": "[what we changed]", "author": "Hello"},
}


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    stage: ReplyStage
    lang: str
    body: str


DEFAULT_TEMPLATES = (
    DefaultTemplate(
        "default-acknowledgement-ru",
        ReplyStage.acknowledgement,
        "ru",
        # acknowledge · apologize · answer (what happens now, and by when)
        "{author}, спасибо, что рассказали нам об этом — мы видим проблему и понимаем, "
        "как это неприятно. Приносим извинения. Мы уже разбираемся: ваш случай передан "
        "ответственной команде, и мы вернёмся с результатом не позднее {promised_date}. "
        "Команда {brand}",
    ),
    DefaultTemplate(
        "default-resolution-ru",
        ReplyStage.resolution,
        "ru",
        # analyze · adjust (and close the loop)
        "{author}, возвращаемся, как обещали. Мы разобрались в ситуации: {analysis}. "
        "Что мы изменили, чтобы это не повторилось: {changes}. Ещё раз извините и спасибо, "
        "что помогли нам стать лучше. Команда {brand}",
    ),
    DefaultTemplate(
        "default-acknowledgement-en",
        ReplyStage.acknowledgement,
        "en",
        "{author}, thank you for telling us — we see the problem and understand how "
        "frustrating it is. We are sorry. We are already on it: your case is with the team "
        "responsible, and we will come back to you with the outcome by {promised_date}. "
        "The {brand} team",
    ),
    DefaultTemplate(
        "default-resolution-en",
        ReplyStage.resolution,
        "en",
        "{author}, we are back as promised. We looked into what happened: {analysis}. "
        "What we changed so it does not happen again: {changes}. Sorry again, and thank you "
        "for helping us improve. The {brand} team",
    ),
)


def template_variables(body: str) -> set[str]:
    """The {names} a template uses; `Invalid` (the body field) on unknown ones or broken
    braces."""
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(body) if field is not None}
    except ValueError as exc:
        raise Invalid(f"broken template: {exc}", "body") from exc
    unknown = sorted(n for n in names if n not in VARIABLES)
    if unknown or any(not n for n in names):
        raise Invalid(
            f"unknown variable(s) {', '.join(unknown) or '{}'}; use {', '.join(VARIABLES)}",
            "body",
        )
    return names


_BRACKETED = re.compile(r"\[[^\[\]\n]{1,60}\]")


def unfilled_placeholders(text: str) -> list[str]:
    """The placeholders a person still has to replace ("[что мы выяснили]", "[changes]")."""
    known = {p for values in PLACEHOLDERS.values() for p in values.values() if p.startswith("[")}
    known |= {f"[{name}]" for name in VARIABLES}
    return [m for m in dict.fromkeys(_BRACKETED.findall(text)) if m in known]


def render(body: str, lang: str, **values: str | None) -> str:
    """Fill a template; missing values become visible placeholders for a person to edit."""
    defaults = PLACEHOLDERS.get(lang, PLACEHOLDERS["en"])
    filled = {name: values.get(name) or defaults.get(name, f"[{name}]") for name in VARIABLES}
    return body.format_map(filled)


def ensure_default_templates(session: Session) -> int:
    """Create the shipped templates that are missing (by name); return how many."""
    existing = set(session.exec(select(ReplyTemplate.name)))
    missing = [t for t in DEFAULT_TEMPLATES if t.name not in existing]
    for template in missing:
        session.add(
            ReplyTemplate(
                name=template.name, stage=template.stage, lang=template.lang, body=template.body
            )
        )
    session.flush()
    return len(missing)


def create_template(session: Session, data: TemplateCreate) -> ReplyTemplate:
    template_variables(data.body)
    if session.exec(select(ReplyTemplate.id).where(ReplyTemplate.name == data.name)).first():
        raise Conflict(f"template {data.name!r} already exists")
    brand_id = brand_by_name(session, data.brand).id if data.brand else None
    template = ReplyTemplate(
        name=data.name, stage=data.stage, lang=data.lang, brand_id=brand_id, body=data.body
    )
    session.add(template)
    session.flush()
    return template


def list_templates(session: Session, *, stage: ReplyStage | None = None) -> list[ReplyTemplate]:
    query = select(ReplyTemplate).order_by(col(ReplyTemplate.name))
    if stage is not None:
        query = query.where(ReplyTemplate.stage == stage)
    return list(session.exec(query))


def delete_template(session: Session, template: ReplyTemplate) -> None:
    session.delete(template)
    session.flush()


def get_template(session: Session, template_id: int) -> ReplyTemplate:
    template = session.get(ReplyTemplate, template_id)
    if template is None:
        raise NotFound(f"template {template_id} not found")
    return template


def update_template(
    session: Session, template: ReplyTemplate, data: TemplateUpdate
) -> ReplyTemplate:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("body") is not None:
        template_variables(changes["body"])
    for key, value in changes.items():
        if value is not None:
            setattr(template, key, value)
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template
