"""The people of the demo: practice-base companies, scholarship students with grants, internships.

Synthetic people: every name carries 示例/演示/测试 or a similar marker; ID numbers,
phones (138/139/137 0000 xxxx) and credit codes are made up and checked with
:mod:`models.validators` — none belongs to a real person or company.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hongfan.demo.courses import CourseLoader
from hongfan.demo.data import demo_data
from hongfan.demo.network import (
    AS_OF,
    between,
    check_phone_or_landline,
    require,
    weighted,
)
from models.practice import Company, Internship, InternshipStatus
from models.scholarships import EmploymentOutcome, FamilyCategory, Gender, Grant, ScholarshipStudent
from models.validators import (
    CREDIT_CODE_CHARSET,
    check_credit_code,
    check_national_id,
    make_credit_code,
    make_national_id,
    national_id_gender,
)


class DemoLoader(CourseLoader):
    async def companies(self) -> list[Company]:
        rng = self.rng
        codes: set[str] = set()
        rows: list[Company] = []
        for c, (district, short, industry, _positions) in enumerate(
            demo_data()["companies"], start=1
        ):
            while True:
                body = (
                    "91"
                    + self.region[district]
                    + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
                )
                code = make_credit_code(body)
                if code not in codes:
                    break
            require(check_credit_code(code), "credit code", code)
            codes.add(code)
            if district in ("同安区", "翔安区"):
                plaque = between(rng, date(2022, 9, 1), date(2022, 9, 30))
            else:
                plaque = between(rng, date(2022, 9, 1), date(2023, 6, 30))
            contact = self.contact(landline=rng.random() < 0.5)
            check_phone_or_landline(contact["contact_phone"])
            rows.append(
                self.new(
                    Company,
                    name=f"厦门{short}有限公司",
                    credit_code=code,
                    organisation_id=self.districts[district].id,
                    industry=industry,
                    plaque_date=plaque,
                    address=f"厦门市{district}示例工业园{c}号",
                    intern_capacity=rng.randint(3, 10),
                    published=True,
                    **contact,
                )
            )
        await self.flush()
        return rows

    def _outcome(self, graduation_year: int, in_xiamen: bool) -> EmploymentOutcome:
        if graduation_year > AS_OF.year:
            return EmploymentOutcome.STUDYING
        if in_xiamen:
            return weighted(
                self.rng,
                (
                    (EmploymentOutcome.STAYED_IN_XIAMEN, 55),
                    (EmploymentOutcome.ELSEWHERE, 20),
                    (EmploymentOutcome.FURTHER_STUDY, 20),
                    (EmploymentOutcome.UNKNOWN, 5),
                ),
            )
        return weighted(
            self.rng,
            (
                (EmploymentOutcome.RETURNED_TO_XIAMEN, 50),
                (EmploymentOutcome.ELSEWHERE, 30),
                (EmploymentOutcome.FURTHER_STUDY, 15),
                (EmploymentOutcome.UNKNOWN, 5),
            ),
        )

    async def students(self) -> list[ScholarshipStudent]:
        rng, data = self.rng, demo_data()["students"]
        names = [
            s + m + o for s in data["surnames"] for m in data["markers"] for o in data["ordinals"]
        ]
        rng.shuffle(names)
        ids: set[str] = set()
        students: list[ScholarshipStudent] = []
        for district, count in data["per_district"].items():
            for _ in range(count):
                gender = rng.choice((Gender.MALE, Gender.FEMALE))
                enrolment_year = rng.randint(2019, 2022)
                birth_year = min(
                    2005, max(2000, enrolment_year - weighted(rng, ((18, 6), (19, 3), (17, 1))))
                )
                while True:
                    birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
                    id_number = make_national_id(
                        self.region[district], birth, rng.randint(0, 999), gender.value
                    )
                    if id_number not in ids:
                        break
                require(check_national_id(id_number), "ID number", id_number)
                if national_id_gender(id_number) != gender.value:
                    raise ValueError(f"demo ID number {id_number} does not encode {gender.value}")
                ids.add(id_number)
                university, in_xiamen = rng.choice(data["universities"])
                graduation_year = enrolment_year + 4
                students.append(
                    self.new(
                        ScholarshipStudent,
                        name=names.pop(),
                        gender=gender,
                        id_number=id_number,
                        phone=self.numbers.mobile("139"),
                        family_category=weighted(
                            rng,
                            (
                                (FamilyCategory.REGISTERED_POOR, 6),
                                (FamilyCategory.ONLY_CHILD_LOW_INCOME, 4),
                            ),
                        ),
                        organisation_id=rng.choice(self.communities[district]).id,
                        university=university,
                        major=rng.choice(data["majors"]),
                        enrolment_year=enrolment_year,
                        graduation_year=graduation_year,
                        employment_outcome=self._outcome(graduation_year, in_xiamen),
                    )
                )
        await self.flush()
        await self._grants(students)
        return students

    async def _grants(self, students: list[ScholarshipStudent]) -> None:
        rng = self.rng
        sources = [tuple(s) for s in demo_data()["students"]["funding_sources"]]
        for student in students:
            # Every student is funded in 2022 (298 students that year); earlier years mostly too.
            for year in range(max(2020, student.enrolment_year), 2023):
                if year < 2022 and rng.random() < 0.15:
                    continue
                amount = Decimal(rng.choice((1000, 1500, 2000, 2500, 3000, 4000, 5000)))
                if rng.random() < 0.1:
                    amount += Decimal("0.50")
                self.plain(
                    Grant,
                    student_id=student.id,
                    organisation_id=student.organisation_id,
                    year=year,
                    amount=amount.quantize(Decimal("0.01")),
                    funding_source=weighted(rng, sources),
                )
        await self.flush()

    async def internships(
        self, students: Sequence[ScholarshipStudent], companies: Sequence[Company]
    ) -> None:
        rng = self.rng
        positions = {f"厦门{short}有限公司": p for _d, short, _i, p in demo_data()["companies"]}
        room = {c.id: c.intern_capacity or 0 for c in companies}
        eligible = [s for s in students if s.enrolment_year <= 2021]
        for student in rng.sample(eligible, min(60, len(eligible))):
            district = self.district_of[student.organisation_id]
            open_ = [c for c in companies if room[c.id] > 0]
            if not open_:
                break
            local = [c for c in open_ if self.district_of[c.organisation_id] == district]
            company = rng.choice(local if local and rng.random() < 0.7 else open_)
            room[company.id] -= 1
            values: dict[str, Any] = {}
            if rng.random() < 0.12:
                values["status"] = InternshipStatus.RECOMMENDED
            else:
                start = between(rng, date(2022, 10, 10), date(2024, 12, 1))
                end = start + timedelta(days=rng.randint(30, 120))
                if end < AS_OF:
                    if rng.random() < 0.15:
                        end = start + timedelta(days=rng.randint(7, 25))
                        values.update(
                            status=InternshipStatus.WITHDRAWN, evaluation="因学业安排提前结束见习。"
                        )
                    else:
                        values.update(
                            status=InternshipStatus.COMPLETED,
                            evaluation=rng.choice(demo_data()["evaluations"]),
                        )
                elif start <= AS_OF:
                    values["status"] = InternshipStatus.ONGOING
                else:
                    values["status"] = InternshipStatus.ACCEPTED
                values.update(start_date=start, end_date=end)
            self.new(
                Internship,
                student_id=student.id,
                company_id=company.id,
                organisation_id=student.organisation_id,
                position=rng.choice(positions[company.name]),
                **values,
            )
        await self.flush()


__all__ = ["DemoLoader"]
