"""金色阳光 volunteers and the hours they serve (金色阳光志愿者, 志愿服务记录).

Volunteers are people: never public, scoped like scholarship students by their home
organisation; their mobile number is sensitive (masked for editors and viewers, hidden
from partners). A service record is one volunteer's hours at one activity and belongs
to the volunteer's organisation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.base import EntityMeta, Money, Record, ToOne, col, entity
from models.common import (
    Gender,
    dated,
    mobile_phone,
    organisation_link,
    person_gender,
    person_name,
    reference,
    to_organisation,
)


@entity(
    EntityMeta(
        type_name="Volunteer",
        plural="volunteers",
        label_zh="志愿者",
        label_en="Volunteer",
        description="A Golden Sunshine (金色阳光) volunteer of the association network (志愿者)",
        relations=(
            to_organisation(
                "Home organisation (所属组织)",
                reverse=(
                    "volunteers",
                    "Golden Sunshine volunteers who belong here (金色阳光志愿者)",
                ),
            ),
        ),
        natural_key=("organisation_id", "name"),
        namesakes=True,  # two 王芳 may volunteer in one community
        aliases=("志愿者", "金色阳光志愿者", "金色阳光"),
        sample={
            "name": "志愿者{n}",
            "gender": "female",
            "phone": "13700137000",
            "team": "暖心服务队",
        },
    )
)
class Volunteer(Record, table=True):
    __tablename__ = "volunteer"

    name: str = person_name()
    gender: Gender = person_gender()
    phone: str | None = mobile_phone()
    organisation_id: int = organisation_link(
        "Home organisation, usually a community (所属组织)", en="Home organisation"
    )
    joined_on: date | None = dated("Date joined (加入日期)", zh="加入日期", en="Joined on")
    team: str | None = col(
        "Volunteer team (志愿服务队)",
        zh="服务队",
        en="Team",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )
    skills: str | None = col(
        "Skills, e.g. first aid, nursing (特长)",
        zh="特长",
        en="Skills",
        searchable=True,
        default=None,
        max_length=200,
        orderable=False,
    )


@entity(
    EntityMeta(
        type_name="VolunteerService",
        plural="volunteerServices",
        label_zh="志愿服务记录",
        label_en="Volunteer service",
        description="Hours a volunteer served at an activity (志愿服务记录)",
        relations=(
            ToOne(
                "volunteer",
                "Volunteer",
                "volunteer_id",
                "The volunteer (志愿者)",
                reverse=("services", "Hours served at activities (志愿服务记录)"),
            ),
            ToOne(
                "activity",
                "Activity",
                "activity_id",
                "The activity served at (服务的活动)",
                reverse=("volunteerServices", "Volunteers' hours at it (志愿服务记录)"),
            ),
            to_organisation(
                "The volunteer's organisation (所属组织)",
            ),
        ),
        scope_parent=("volunteer_id", "Volunteer"),
        natural_key=("volunteer_id", "activity_id"),
        aliases=("志愿服务", "服务时长", "services"),
        sample={"hours": "2.5", "role": "现场秩序"},
    )
)
class VolunteerService(Record, table=True):
    __tablename__ = "volunteer_service"

    volunteer_id: int = reference(
        "volunteer", "The volunteer (志愿者)", zh="志愿者", en="Volunteer"
    )
    activity_id: int = reference(
        "activity", "The activity (服务活动)", zh="服务活动", en="Activity"
    )
    organisation_id: int = organisation_link(
        "The volunteer's organisation, copied from the volunteer (所属组织)", copied=True
    )
    hours: Decimal = col(
        "Hours served, to the hundredth (服务时长，小时)",
        zh="服务时长（小时）",
        en="Hours",
        sa_type=Money,
        checks=("non_negative",),
    )
    role: str | None = col(
        "What the volunteer did (服务内容)", zh="服务内容", en="Role", default=None, max_length=200
    )
