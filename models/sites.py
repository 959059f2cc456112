"""Service sites hosted by organisations (服务阵地)."""

from __future__ import annotations

import enum
from datetime import date

from models.base import (
    EntityMeta,
    Record,
    ToMany,
    ToOne,
    col,
    entity,
    enum_column,
    labelled,
    published_flag,
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
            ToOne(
                "organisation",
                "Organisation",
                "organisation_id",
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

    name: str = col(
        "Name (名称)",
        zh="名称",
        en="Name",
        searchable=True,
        pinyin="text",
        max_length=100,
        index=True,
    )
    kind: SiteKind = col(
        "Kind of site (阵地类型)", zh="类型", en="Kind", sa_type=enum_column(SiteKind), index=True
    )
    organisation_id: int = col(
        "The host organisation (所属组织)",
        zh="所属组织",
        en="Organisation",
        foreign_key="organisation.id",
        index=True,
    )
    address: str | None = col(
        "Street address (地址)",
        zh="地址",
        en="Address",
        searchable=True,
        default=None,
        max_length=200,
    )
    opened_on: date | None = col(
        "Date opened (启用日期)", zh="启用日期", en="Opened on", default=None, index=True
    )
    recognition: Recognition = col(
        "Recognition level as a project or demonstration point (示范级别)",
        zh="示范级别",
        en="Recognition",
        default=Recognition.NONE,
        sa_type=enum_column(Recognition),
        index=True,
    )
    published: bool = published_flag()
