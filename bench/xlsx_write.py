"""How fast the XLSX writer alone is: a district's worth of student-like rows, no database.

    .venv/bin/python -m bench.xlsx_write                   # 167,000 rows × 15 columns
    .venv/bin/python -m bench.xlsx_write --rows 20000 --repeat 3

Feeds :class:`hongfan.transfer.writing.XlsxStream` — what every XLSX export (admin list,
CLI, background job) and the import's error file write through — with rows shaped like an
export of students (``bench/export.py`` measures the whole export on a bench database):
names, 18-digit ID numbers and 11-digit phones as text (``digits`` columns), birth and
enrolment dates, money as ``Decimal``, a whole number, blanks (None) and now and then a
formula-like text. The rows are made before the clock starts, so only the writer is timed.
Prints seconds per row and total seconds (wall and CPU), the file's size and the process's
peak memory growth (VmHWM). Figures only, never assertions on time.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.export import peak_rss_mb
from hongfan.transfer.writing import Kind, XlsxStream, write_xlsx

HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "出生日期",
    "学校",
    "年级",
    "入学日期",
    "家庭类别",
    "助学金额（元）",
    "家庭住址",
    "监护人",
    "监护人电话",
    "受助次数",
    "备注",
]
KINDS: list[Kind] = [
    "text",
    "text",
    "digits",
    "digits",
    "date",
    "text",
    "text",
    "date",
    "text",
    "money",
    "text",
    "text",
    "digits",
    "int",
    "text",
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "华明丽伟芳娜秀英敏静强磊军洋勇艳杰涛超"


def make_rows(count: int, seed: int = 7) -> list[list[Any]]:
    """``count`` student-like rows (15 cells each), the same for a given ``seed``."""
    pick = random.Random(seed)
    rows: list[list[Any]] = []
    for n in range(count):
        born = date(1995, 1, 1) + timedelta(days=pick.randrange(4000))
        name = pick.choice(_SURNAMES) + "".join(pick.choices(_GIVEN, k=pick.randint(1, 2)))
        rows.append(
            [
                name,
                "女" if n % 2 else "男",
                f"350206{born:%Y%m%d}{n % 1000:03d}{n % 10}",
                f"139{pick.randrange(10**8):08d}",
                born,
                f"厦门市第{pick.randint(1, 30)}中学",
                f"高{pick.randint(1, 3)}",
                date(2020, 9, 1) + timedelta(days=pick.randrange(900)),
                pick.choice(("低保户", "特困供养", None)),
                Decimal(pick.randrange(50_000, 500_000)) / 100,
                f"湖里区殿前街道高林社区{pick.randint(1, 99)}号",
                pick.choice(_SURNAMES) + pick.choice(_GIVEN),
                f"0{pick.randrange(10**10):010d}" if n % 3 else None,
                pick.randint(0, 5),
                "=cmd|' /C calc'!A0" if n % 997 == 0 else None,
            ]
        )
    return rows


def write_once(rows: list[list[Any]]) -> dict[str, float]:
    """The rows through ``write_xlsx`` (one XlsxStream) into a temporary file: seconds, CPU, size, memory."""
    before = peak_rss_mb(reset=True)
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        write_xlsx(HEADERS, rows, "受助学生", kinds=KINDS, target=target)
        target.flush()
        size = os.path.getsize(target.name)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "file_mb": size / 1e6,
        "rss_growth_mb": max(0.0, peak_rss_mb() - before),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=167_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    load = os.getloadavg()
    print(
        f"XlsxStream, {args.rows:,} rows × {len(HEADERS)} columns "
        f"({XlsxStream.__module__}); load {load[0]:.1f} on {os.cpu_count()} cores"
    )
    for _ in range(args.repeat):
        r = write_once(rows)
        print(
            f"{r['seconds']:.1f} s ({r['seconds'] / args.rows * 1e6:.0f} µs/row, "
            f"{args.rows / r['seconds']:,.0f} rows/s), CPU {r['cpu_s']:.1f} s, "
            f"{r['file_mb']:.1f} MB, +{r['rss_growth_mb']:.1f} MB RSS"
        )


if __name__ == "__main__":
    main()
