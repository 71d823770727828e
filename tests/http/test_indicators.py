"""test_indicators.py: `thuvien indicators` on a real database (the demo city's, SQLite or
PostgreSQL): a new office with two new schools, counter rows written straight into the 0017
tables (the triggers that keep them are another module's, and new schools have no other rows),
then the figures printed as text, JSON and CSV, the roll-up rows, a breakdown, the reference,
and the refusals (exit status 2 for a bad period or breakdown, 1 for an unknown unit), each
checked to change nothing.
"""
import csv
import io
import json

import harness as h

srv = None
fx = {}


def setup_module():
    global srv
    srv = h.Server().start()
    srv.cli("unit", "add", "--code", "PGDX", "--name", "Phòng thử", "--kind", "office", "--parent", "SGD")
    for code in ("THX1", "THX2"):
        srv.cli("unit", "add", "--code", code, "--name", "Trường " + code, "--kind", "school", "--parent", "PGDX",
                "--level", "th")
    fx["x1"], fx["x2"] = srv.unit("THX1")["id"], srv.unit("THX2")["id"]
    x1, x2 = fx["x1"], fx["x2"]
    for st in (
        "INSERT INTO stat_holdings VALUES (%d, 'STK', '5', 'vie', 'purchase', 'budget', 120, 2400000)" % x1,
        "INSERT INTO stat_holdings VALUES (%d, 'BD', '9', 'vie', 'gift', 'other', 7, 70000)" % x1,
        "INSERT INTO stat_holdings VALUES (%d, 'TN', '8', 'vie', 'gift', 'other', 60, 600000)" % x2,
        "INSERT INTO stat_stock_flows VALUES (%d, '2025-09', 'in', 'STK', 'purchase', 'budget', 20, 400000)" % x1,
        "INSERT INTO stat_loans VALUES (%d, '2025-09', 'home', 'student', '6A1', 6, 'STK', '5', 30)" % x1,
        "INSERT INTO stat_loans VALUES (%d, '2025-10', 'home', 'student', '6A1', 6, 'STK', '5', 12)" % x1,
        "INSERT INTO stat_loans VALUES (%d, '2026-01', 'textbook', 'student', '7A', 7, 'SGK', '', 40)" % x2,
        "INSERT INTO stat_active VALUES (%d, '2025-2026', 'student', '6A1', 50)" % x1,
        "INSERT INTO stat_active VALUES (%d, '2025-2026', 'student', '7A', 10)" % x2,
        "INSERT INTO unit_enrolment (unit_id, school_year, pupils, teachers, updated_at) "
        "VALUES (%d, '2025-2026', 200, 10, 0)" % x1,
        "INSERT INTO unit_enrolment (unit_id, school_year, pupils, teachers, updated_at) "
        "VALUES (%d, '2025-2026', 100, 0, 0)" % x2,
    ):
        h.sql_write(srv, st)


def teardown_module():
    srv.stop()


def run(*args, status=0):
    p = srv.cli("indicators", *args, check=False)
    assert p.returncode == status, "exit %d, want %d\n%s%s" % (p.returncode, status, p.stdout, p.stderr)
    return p


def test_json_office_is_the_sum_of_its_schools():
    o = json.loads(run("--unit", "PGDX", "--year", "2025-2026", "--children", "--format", "json").stdout)
    v = o["values"]
    assert o["year"] == "2025-2026" and o["from"] == "2025-08" and o["to"] == "2026-07"
    assert v["copies_held"] == 187 and v["value_held"] == 3070000
    assert v["paper_copies_held"] == 180  # the map (BD) is not a printed book
    assert v["intake_copies"] == 20 and v["intake_value"] == 400000
    assert v["loans_total"] == 82 and v["loans_home"] == 42 and v["loans_textbook"] == 40
    assert v["readers_active_pupils"] == 60 and v["pupils"] == 300 and v["teachers"] == 10
    assert abs(v["copies_per_pupil"] - 180 / 300) < 1e-9  # from the sums: 0.6, not (0.6 + 0.6) / 2
    assert abs(v["usage_rate_pupils"] - 20.0) < 1e-9
    assert abs(v["sets_per_teacher"] - 0.0) < 1e-9  # THX2's zero teachers leave it out
    assert [c["unit"] for c in o["children"]] == ["THX1", "THX2"]
    c1, c2 = (c["values"] for c in o["children"])
    assert c2["sets_per_teacher"] is None and c2["usage_rate_teachers"] is None  # no value, not 0
    for k, val in v.items():
        if isinstance(val, int):
            assert val == c1[k] + c2[k], k
    # the Department holds the new office, and more
    d = json.loads(run("--unit", "SGD", "--year", "2025-2026", "--format", "json").stdout)["values"]
    assert d["copies_held"] >= 187 and d["pupils"] >= 300


def test_text_csv_and_terms():
    t = run("--school", "THX1", "--year", "2025-2026").stdout
    assert "THX1" in t and "Số bản sách, tài liệu hiện có" in t
    line = next(l for l in t.splitlines() if l.split() and l.split()[0] == "value_held")
    assert "2.470.000 đ" in line
    line = next(l for l in t.splitlines() if l.split() and l.split()[0] == "copies_per_pupil")
    assert "0,60" in line
    rows = list(csv.reader(io.StringIO(run("--unit", "PGDX", "--year", "2025-2026", "--children", "--format",
                                           "csv").stdout)))
    assert rows[0][:3] == ["unit", "name", "copies_held"], rows[0]
    assert [r[0] for r in rows[1:]] == ["PGDX", "THX1", "THX2"]
    col = rows[0].index("loans_total")
    assert [r[col] for r in rows[1:]] == ["82", "42", "40"]
    col = rows[0].index("sets_per_teacher")
    assert rows[3][col] == ""  # THX2: no value
    hk1 = json.loads(run("--unit", "PGDX", "--year", "2025-2026", "--from", "hk1", "--format", "json").stdout)
    assert hk1["to"] == "2025-12" and hk1["values"]["loans_total"] == 42
    hk2 = json.loads(run("--unit", "PGDX", "--year", "2025-2026", "--from", "hk2", "--format", "json").stdout)
    assert hk2["values"]["loans_total"] == 40
    en = run("--school", "THX1", "--year", "2025-2026", "--lang", "en").stdout
    assert "Copies held" in en and "2,470,000 đ" in en


def test_breakdown():
    rows = json.loads(run("--unit", "PGDX", "--year", "2025-2026", "--by", "month", "--indicator", "loans_total",
                          "--format", "json").stdout)
    assert [(r["key"], r["label"], r["value"]) for r in rows] == [
        ("2025-09", "09/2025", 30), ("2025-10", "10/2025", 12), ("2026-01", "01/2026", 40)]
    rows = json.loads(run("--unit", "PGDX", "--year", "2025-2026", "--by", "doc_type", "--indicator",
                          "copies_held", "--format", "json").stdout)
    assert [(r["key"], r["value"]) for r in rows] == [("BD", 7), ("STK", 120), ("TN", 60)]
    assert rows[1]["label"] == "Sách tham khảo"


def test_refusals_change_nothing():
    before = srv.db_snapshot(extra=["stat_loans", "stat_holdings", "unit_enrolment"])
    for args, status, words in (
        (("--school", "THX1", "--year", "2025-2027"), 2, "Kỳ báo cáo không hợp lệ"),
        (("--school", "THX1", "--year", "2025-2026", "--from", "2026-09"), 2, "Kỳ báo cáo không hợp lệ"),
        (("--unit", "PGDX", "--year", "2025-2026", "--by", "month", "--indicator", "pupils"), 2,
         "không chia được"),
        (("--unit", "PGDX", "--by", "month", "--indicator", "khong_co"), 2, "Không có chỉ số"),
        (("--school", "PGDX",), 1, "Không tìm thấy đơn vị"),
        (("--school", "KHONGCO",), 1, ""),
        (("--school", "THX1", "--format", "xml"), 2, "usage"),
        ((), 2, "usage"),
    ):
        p = run(*args, status=status)
        assert words in p.stderr, (args, p.stderr)
    assert srv.db_snapshot(extra=["stat_loans", "stat_holdings", "unit_enrolment"]) == before


def test_markdown_is_the_committed_reference():
    md = run("--markdown").stdout
    with open(h.ROOT + "/docs/INDICATORS.md", encoding="utf-8") as f:
        assert md == f.read()
    assert "### `copies_per_pupil`" in md and "HK1 = August-December" in md
