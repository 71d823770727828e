"""test_check.py: `thuvien check` on a real server's database (issue 7, item 6): the copies a
librarian catalogues through the pages reconcile; a broken rule is printed with its school and
numbers, in Vietnamese or English, with exit status 1; one school can be checked alone; usage,
unknown school and connection errors exit 2 and change nothing; the check writes nothing.

The rules themselves, each broken alone, are proved by tests/unit/test_check.c; here the command
as an operator runs it. srv.check() (harness.py) is what the other scenario tests call at their end.
"""
import os

import harness as h

srv = None


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def unit_id(code):
    return srv.sql_value("SELECT id FROM units WHERE code = %s" % h.sql_str(code))


def catalogue(username, title, doc_type, copies):
    c = h.logged_in(srv, username)
    r = c.post("/catalog", {"title": title, "doc_type": doc_type, "price": "30000", "copies": str(copies)})
    h.expect_status(r, 201)
    return r.json()["biblio"]


def run(*args, env=None):
    return srv.cli("check", *args, check=False, env=env)


def test_catalogued_stock_reconciles():
    catalogue("thuthu.th001", "Tiếng Việt 3, tập 1", "SGK", 4)
    catalogue("thuthu.th001", "Dế Mèn phiêu lưu ký", "TN", 2)
    catalogue("thuthu.thcs001", "Từ điển Anh – Việt", "STK", 3)
    out = srv.check()
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    schools = srv.sql_value("SELECT COUNT(*) FROM units WHERE kind = 'school'")
    assert lines[0] == "Đã kiểm tra 22 quy tắc trên %d trường: không có vi phạm nào." % schools, out
    p = run("--lang", "en")
    assert p.returncode == 0 and p.stdout.strip() == \
        "Checked 22 rules on %d schools: no violations." % schools, p.stdout + p.stderr
    p = run("--school", "TH001")
    assert p.returncode == 0 and "trên 1 trường" in p.stdout, p.stdout + p.stderr


def test_broken_counter_is_reported_with_school_and_numbers():
    b = catalogue("thuthu.th001", "Toán 3", "SGK", 2)
    last = srv.sql_value("SELECT last FROM accession_counters WHERE unit_id = %d AND register = 'SGK'"
                         % unit_id("TH001"))
    before = srv.db_snapshot(extra=["items", "acquisitions", "accession_counters"])
    h.sql_write(srv, "UPDATE accession_counters SET last = %d WHERE unit_id = %d AND register = 'SGK'"
                % (last - 2, unit_id("TH001")))
    try:
        p = run()
        assert p.returncode == 1, p.stdout + p.stderr
        lines = p.stdout.strip().splitlines()
        want = ("TH001: sổ SGK: 2 bản có số đăng ký cá biệt lớn hơn bộ đếm %d (%d–%d), số đó sẽ bị cấp lại."
                % (last - 2, last - 1, last))
        assert lines == [want, "Đã kiểm tra 22 quy tắc trên %d trường: 1 vi phạm."
                         % srv.sql_value("SELECT COUNT(*) FROM units WHERE kind = 'school'")], p.stdout
        p = run("--lang", "en", "--school", "TH001")
        assert p.returncode == 1 and p.stdout.startswith(
            "TH001: register SGK: 2 copy(ies) numbered above the counter %d (%d–%d)" % (last - 2, last - 1, last)), \
            p.stdout
        # Another school alone holds.
        p = run("--school", "THCS001")
        assert p.returncode == 0, p.stdout + p.stderr
        # The check wrote nothing (beyond the break itself).
        after = srv.db_snapshot(extra=["items", "acquisitions"])
        assert {k: v for k, v in after.items() if k != "accession_counters"} == \
            {k: v for k, v in before.items() if k != "accession_counters"}
    finally:
        h.sql_write(srv, "UPDATE accession_counters SET last = %d WHERE unit_id = %d AND register = 'SGK'"
                    % (last, unit_id("TH001")))
    srv.check()
    assert b["ncopies"] == 2


def test_copy_without_intake_line_is_reported():
    b = catalogue("thuthu.thcs001", "Lịch sử 8", "SGK", 1)
    item = b["copies"][0]
    h.sql_write(srv, "UPDATE items SET acquisition_id = NULL WHERE id = %d" % item["id"])
    try:
        p = run()
        assert p.returncode == 1, p.stdout + p.stderr
        n = item["accession"].split("-")[1].lstrip("0")
        assert "THCS001: sổ SGK: 1 bản không thuộc lần nhập nào của trường (%s)." % n in p.stdout, p.stdout
        assert "1 vi phạm" in p.stdout.splitlines()[-1], p.stdout
        p = run("--school", "TH001")
        assert p.returncode == 0, p.stdout
    finally:
        h.sql_write(srv, "UPDATE items SET acquisition_id = %d WHERE id = %d" % (item["acquisition_id"], item["id"]))
    srv.check()


def test_usage_and_connection_errors_exit_2():
    for args, says in [(("--bogus",), "unexpected '--bogus'"),
                       (("--school",), "unexpected '--school'"),
                       (("extra",), "unexpected 'extra'")]:
        p = run(*args)
        assert p.returncode == 2 and says in p.stderr, (args, p.returncode, p.stdout, p.stderr)
    p = run("--school", "KHONGCO")
    assert p.returncode == 2 and "Không có trường nào mang mã này. (KHONGCO)" in p.stderr, p.stderr
    p = run("--school", "PGD01")  # an office is not a school
    assert p.returncode == 2, p.stdout + p.stderr
    p = run("--help")
    assert p.returncode == 0 and p.stdout.startswith("usage: thuvien check"), p.stdout
    # A database that cannot be reached, and one that is not migrated: 2.
    bad = srv.cli("--db", "postgresql://nobody@127.0.0.1:1/none", "check", check=False)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    empty = os.path.join(srv.tmp, "empty.db")
    p = srv.cli("--db", empty, "check", check=False)
    assert p.returncode == 2 and "thuvien migrate" in p.stderr, p.stdout + p.stderr


def test_report_counters_follow_the_desk_and_a_corruption_is_reported():
    """The counters (0018's triggers) follow lending through HTTP; a counter changed by hand is
    reported by `thuvien check` with the school and by `thuvien stats verify` (exit 1), and
    `thuvien stats rebuild --school` repairs it (issue 8)."""
    catalogue("thuthu.th001", "Truyện cổ tích Việt Nam", "TN", 2)
    th = unit_id("TH001")
    assert srv.sql_value("SELECT COALESCE(SUM(copies), 0) FROM stat_holdings WHERE unit_id = %d AND doc_type = 'TN'"
                         % th) >= 2
    p = srv.cli("stats", "verify", check=False)
    assert p.returncode == 0 and "khớp" in p.stdout, p.stdout + p.stderr
    h.sql_write(srv, "UPDATE stat_holdings SET copies = copies + 1 WHERE unit_id = %d AND doc_type = 'TN'" % th)
    p = run()
    assert p.returncode == 1, p.stdout + p.stderr
    assert "TH001: " in p.stdout and "(bảng stat_holdings)" in p.stdout, p.stdout
    p = srv.cli("stats", "verify", "--school", "TH001", check=False)
    assert p.returncode == 1 and "stat_holdings %d|TN|" % th in p.stdout, p.stdout + p.stderr
    p = srv.cli("stats", "verify", "--school", "THCS001", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    p = srv.cli("stats", "verify", "--school", "KHONGCO", check=False)
    assert p.returncode == 2, p.stdout + p.stderr
    p = srv.cli("stats", "rebuild", "--school", "TH001", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    srv.check()
    p = srv.cli("stats", "verify", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
