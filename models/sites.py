"""Service sites hosted by organisations (服务阵地)."""

from __future__ import annotations

import enum
from datetime import date

from models.base import EntityMeta, Record, ToMany, entity, labelled
from models.common import (
    choice,
    dated,
    organisation_link,
    published_flag,
    record_name,
    street_address,
    to_organisation,
)


@labelled(
    {
        "family_health_centre": ("家庭健康服务中心", "Family health service centre"),
        "sunflower_hut": ("向日葵亲子小屋", "Sunflower parent-child hut"),
        "warm_heart_home": ("暖心家园", "Warm-heart home"),
        "eugenics_base": ("优生优育指导基地", "Healthy birth and parenting base"),
        "early_childhood_point": ("儿童早期发展示范点", "Early childhood development point"),
        "youth_health_base": ("青春健康教育基地", "Youth health education base"),
        "volunteer_station": ("金色阳光志愿服务驿站", "Golden Sunshine volunteer station"),
    }
)
class SiteKind(enum.StrEnum):
    FAMILY_HEALTH_CENTRE = "family_health_centre"
    SUNFLOWER_HUT = "sunflower_hut"
    WARM_HEART_HOME = "warm_heart_home"
    EUGENICS_BASE = "eugenics_base"
    EARLY_CHILDHOOD_POINT = "early_childhood_point"
    YOUTH_HEALTH_BASE = "youth_health_base"
    VOLUNTEER_STATION = "volunteer_station"


@labelled(
    {
        "national": ("国家级", "National"),
        "provincial": ("省级", "Provincial"),
        "city": ("市级", "City"),
        "district": ("区级", "District"),
        "none": ("无", "None"),
    }
)
class Recognition(enum.StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    DISTRICT = "district"
    NONE = "none"


@entity(
    EntityMeta(
        type_name="ServiceSite",
        plural="serviceSites",
        label_zh="服务阵地",
        label_en="Service site",
        description="A service place hosted by an organisation, e.g. a sunflower hut (服务阵地)",
        public=True,
        relations=(
            to_organisation(
                "The host organisation (所属组织)",
                reverse=("serviceSites", "Service sites it hosts (服务阵地)"),
            ),
            ToMany("courses", "Course", "site_id", "Courses held here (在此举办的课程)"),
        ),
        natural_key=("organisation_id", "name"),
        aliases=("sites", "阵地"),
        sample={"name": "向日葵亲子小屋{n}", "kind": "sunflower_hut"},
    )
)
class ServiceSite(Record, table=True):
    __tablename__ = "service_site"

    name: str = record_name()
    kind: SiteKind = choice(SiteKind, "Kind of site (阵地类型)", zh="类型", en="Kind")
    organisation_id: int = organisation_link("The host organisation (所属组织)")
    address: str | None = street_address()
    opened_on: date | None = dated("Date opened (启用日期)", zh="启用日期", en="Opened on")
    recognition: Recognition = choice(
        Recognition,
        "Recognition level as a project or demonstration point (示范级别)",
        zh="示范级别",
        en="Recognition",
        default=Recognition.NONE,
    )
    published: bool = published_flag()
