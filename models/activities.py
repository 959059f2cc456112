"""Activities the network holds (活动): what the seed report shows on every page.

A parent-child morning in a sunflower hut, a health lecture, a "medical service to the
grassroots" day: organised by an organisation, maybe at one of its service sites, on a
day, for so many people. Public once published (the association's website and
mini-programs list them).
"""

from __future__ import annotations

import enum
from datetime import date

from models.base import EntityMeta, Record, ToOne, col, entity, labelled
from models.common import (
    choice,
    dated,
    long_text,
    organisation_link,
    published_flag,
    record_name,
    reference,
    to_organisation,
)


@labelled(
    {
        "parent_child": ("亲子活动", "Parent-child activity"),
        "health_lecture": ("健康讲座", "Health lecture"),
        "volunteer_service": ("志愿服务", "Volunteer service"),
        "medical_outreach": ("医疗健康服务下乡", "Medical service to the grassroots"),
        "youth_health": ("青春健康活动", "Youth health event"),
        "family_visit": ("慰问", "Visit to special families"),
        "other": ("其他", "Other"),
    }
)
class ActivityKind(enum.StrEnum):
    PARENT_CHILD = "parent_child"
    HEALTH_LECTURE = "health_lecture"
    VOLUNTEER_SERVICE = "volunteer_service"
    MEDICAL_OUTREACH = "medical_outreach"
    YOUTH_HEALTH = "youth_health"
    FAMILY_VISIT = "family_visit"
    OTHER = "other"


@entity(
    EntityMeta(
        type_name="Activity",
        plural="activities",
        label_zh="活动",
        label_en="Activity",
        description="An event the network holds, e.g. a parent-child activity in a sunflower hut (活动)",
        public=True,
        relations=(
            to_organisation(
                "The organiser (主办组织)",
                reverse=("activities", "Activities it organises (组织的活动)"),
            ),
            ToOne(
                "site",
                "ServiceSite",
                "site_id",
                "Where it was held, when at a service site (活动阵地)",
                reverse=("activities", "Activities held here (在此开展的活动)"),
            ),
        ),
        natural_key=("organisation_id", "title", "held_on"),
        aliases=("活动", "events"),
        sample={"title": "陪伴孩子找秋天{n}", "kind": "parent_child", "held_on": date(2022, 9, 24)},
    )
)
class Activity(Record, table=True):
    __tablename__ = "activity"

    title: str = record_name("Title (活动名称)", zh="活动名称", en="Title", max_length=200)
    kind: ActivityKind = choice(
        ActivityKind, "Kind of activity (活动类型)", zh="活动类型", en="Kind"
    )
    organisation_id: int = organisation_link(
        "The organiser (主办组织)", zh="主办组织", en="Organiser"
    )
    site_id: int | None = reference(
        "service_site",
        "The service site it was held at (活动阵地)",
        zh="活动阵地",
        en="Site",
        optional=True,
    )
    held_on: date = dated("Date held (活动日期)", zh="活动日期", en="Held on", optional=False)
    time_of_day: str | None = col(
        "Time of day, e.g. 09:30–11:30 (活动时间)",
        zh="活动时间",
        en="Time",
        default=None,
        max_length=40,
    )
    venue: str | None = col(
        "Where, when not at a service site (活动地点)",
        zh="活动地点",
        en="Venue",
        searchable=True,
        default=None,
        max_length=200,
    )
    participants: int | None = col(
        "Number of participants (参与人数)",
        zh="参与人数",
        en="Participants",
        default=None,
        ge=0,
        checks=("non_negative",),
    )
    description: str | None = long_text("What happened (活动简介)", zh="活动简介", en="Description")
    published: bool = published_flag()
