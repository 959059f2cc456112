"""The demo's courses: each district's family health instructor training, the report's
classes and lectures, their sessions and the people enrolled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hongfan.demo.data import demo_data
from hongfan.demo.network import AS_OF, NetworkLoader, between, person_name, weighted
from models.organisations import Organisation
from models.training import Course, CourseCategory, CourseSession, Enrolment, EnrolmentStatus


class CourseLoader(NetworkLoader):
    async def courses(self) -> None:
        rng, data = self.rng, demo_data()
        specs = self._instructor_courses()
        for spec in data["courses"]:
            specs.append(
                self._course(
                    spec["title"],
                    spec["category"],
                    spec["organiser"],
                    spec["start"],
                    spec["days"],
                    site=spec.get("site"),
                    venue=spec.get("venue"),
                    capacity=spec.get("capacity", 40),
                    description=spec["description"],
                    topics=spec["topics"],
                    people_from=spec.get("people_from"),
                )
            )
        for skill in data["skills_classes"]:
            specs.append(
                self._course(
                    f"幸福工程—幸福学堂·{skill['skill']}班",
                    "skills",
                    "思明区",
                    between(rng, date(2022, 3, 1), date(2022, 10, 31)),
                    rng.randint(14, 42),
                    site="思明区金色阳光志愿服务驿站",
                    capacity=25,
                    topics=skill["topics"],
                    people_from="思明区",
                    description=f"思明区深化“幸福工程—幸福学堂”项目开设的{skill['skill']}课程，帮助计生困难家庭掌握就业技能。",
                )
            )
        for spec in specs:
            if spec["site"] is not None:
                spec["course"].site_id = self.sites[spec["site"]].id
        await self.flush()
        cert = 0
        for spec in specs:
            course: Course = spec["course"]
            self._sessions(course, spec["venue"], spec["topics"])
            if spec.get("district") is not None:
                cert = self._instructors(course, self.communities[spec["district"]], cert)
            else:
                self._attendees(course, spec["people_from"])
        await self.flush()

    def _instructor_courses(self) -> list[dict[str, Any]]:
        """Each district's family health instructor training (the report: 2 per village)."""
        rng, data = self.rng, demo_data()
        specs: list[dict[str, Any]] = []
        training = data["instructor_training"]
        for district in self.districts:
            if district == "湖里区":
                start, days, venue = date(2022, 10, 14), 21, "湖里区妇幼保健院"
            else:
                start, days, venue = (
                    between(rng, date(2022, 4, 1), date(2022, 9, 30)),
                    rng.randint(14, 35),
                    None,
                )
            specs.append(
                self._course(
                    f"2022年{district}家庭健康指导员培训班",
                    "instructor_training",
                    district,
                    start,
                    days,
                    site=training["sites"].get(district),
                    venue=venue,
                    capacity=80,
                    topics=training["topics"],
                    description=(
                        f"{district}计生协举办的家庭健康指导员培训，目标是每个村（居）至少培养2名"
                        "群众身边的合格家庭健康指导员。考核合格者颁发家庭健康指导员证书。"
                    ),
                )
            )
            specs[-1]["district"] = district
        return specs

    def _course(
        self,
        title: str,
        category: str,
        organiser: str,
        start: date,
        days: int,
        *,
        site: str | None,
        venue: str | None = None,
        capacity: int,
        description: str,
        topics: Sequence[str],
        people_from: str | None = None,
    ) -> dict[str, Any]:
        host = self.org(organiser)
        course = self.new(
            Course,
            title=title,
            category=CourseCategory(category),
            organisation_id=host.id,
            site_id=None,
            start_date=start,
            end_date=start + timedelta(days=days),
            capacity=capacity,
            description=description,
            published=True,
        )
        if people_from is None:
            homes = None
        elif people_from in self.districts:
            homes = self.communities[people_from]
        else:
            homes = [self.org(people_from)]
        return {
            "course": course,
            "site": site,
            "venue": venue or site or host.name,
            "people_from": homes,
            "topics": list(topics),
        }

    def _sessions(self, course: Course, venue: str, topics: Sequence[str]) -> None:
        rng = self.rng
        assert course.end_date is not None
        span = (course.end_date - course.start_date).days
        n = 2 if span == 0 else rng.randint(2, min(5, span + 1))
        days = [0, span] + sorted(rng.sample(range(1, span), n - 2)) if span > 1 else [0, span]
        for i, day in enumerate(sorted(days)):
            self.plain(
                CourseSession,
                course_id=course.id,
                organisation_id=course.organisation_id,
                session_date=course.start_date + timedelta(days=day),
                topic=topics[i % len(topics)],
                venue=venue,
                lecturer=person_name(rng, "演"),
            )

    def _instructors(self, course: Course, communities: Sequence[Organisation], cert: int) -> int:
        """Qualified instructors per community: most get 2–4, a few only 0 or 1."""
        rng = self.rng
        short = set(rng.sample(range(len(communities)), 1 if len(communities) < 12 else 2))
        for i, community in enumerate(communities):
            for _ in range(rng.choice((0, 1)) if i in short else rng.randint(2, 4)):
                cert += 1
                self.plain(
                    Enrolment,
                    course_id=course.id,
                    organisation_id=community.id,
                    name=person_name(rng, "测"),
                    phone=self.numbers.mobile("138"),
                    status=EnrolmentStatus.QUALIFIED,
                    score=rng.randint(60, 100),
                    certificate_number=f"JKZD-2022-{cert:04d}",
                )
            if rng.random() < 0.35:  # someone who did not pass or dropped out
                status = rng.choice((EnrolmentStatus.ATTENDED, EnrolmentStatus.DROPPED))
                self.plain(
                    Enrolment,
                    course_id=course.id,
                    organisation_id=community.id,
                    name=person_name(rng, "测"),
                    phone=self.numbers.mobile("138"),
                    status=status,
                    score=rng.randint(35, 59) if status is EnrolmentStatus.ATTENDED else None,
                )
        return cert

    def _attendees(self, course: Course, people_from: Sequence[Organisation] | None) -> None:
        rng = self.rng
        homes = (
            list(people_from)
            if people_from
            else [c for d in self.districts for c in self.communities[d]]
        )
        upcoming = course.start_date > AS_OF
        for _ in range(min(course.capacity or 30, rng.randint(12, 30))):
            if upcoming:
                status = EnrolmentStatus.ENROLLED
            else:
                status = weighted(
                    rng,
                    (
                        (EnrolmentStatus.ATTENDED, 8),
                        (EnrolmentStatus.DROPPED, 1),
                        (EnrolmentStatus.ENROLLED, 1),
                    ),
                )
            self.plain(
                Enrolment,
                course_id=course.id,
                organisation_id=rng.choice(homes).id,
                name=person_name(rng, "测"),
                phone=self.numbers.mobile("138") if rng.random() < 0.9 else None,
                status=status,
            )


__all__ = ["CourseLoader"]
