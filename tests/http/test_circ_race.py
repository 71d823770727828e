"""test_circ_race.py: the lending desk under concurrency, through the real server (issue 4, item 7).

Many clients at once, each with its own connection and session, as several desks and scanners
would be: two desks scanning the same copy at the same moment make exactly one loan; returns and
renewals racing on one copy leave one consistent state; many clients lending and returning
distinct copies lose nothing (every loan is returned, every copy is back on the shelf, and each
action left exactly one audit row). Runs on both backends.

Readers are rows inserted into `patrons` (codes RACE001...); copies come from the catalogue API.
"""
import threading

import harness as h

srv = None
fx = {}
NREADERS = 24


def setup_module():
    global srv
    srv = h.Server().start()
    school = srv.unit("TH001")["id"]
    values = ", ".join(
        "(%d, 'RACE%03d', 'RACE%03d', 'Bạn đọc %d', 'ban doc %d', 'student', '6A1', 6, 1, 1)" % (
            school, i, i, i, i) for i in range(1, NREADERS + 1))
    h.sql_write(srv, "INSERT INTO patrons (unit_id, code, student_code, full_name, name_fold, kind, class_name,"
            " grade, created_at, updated_at) VALUES " + values)
    c = h.logged_in(srv, "thuthu.th001")
    r = h.expect_status(c.post("/catalog", {"title": "Dế Mèn phiêu lưu ký", "doc_type": "STK",
                                            "authors": "Tô Hoài", "copies": "60"}), 201)
    fx["copies"] = [x["barcode"] for x in r.json()["biblio"]["copies"]]
    assert len(fx["copies"]) == 60


def teardown_module():
    srv.stop()


def desks(n):
    """n logged-in clients (n sessions of the school's librarian), each on its own connection."""
    out = []
    for _ in range(n):
        c = h.Client(srv, json=True, keep=True)
        c.login("thuthu.th001")
        out.append(c)
    return out


def together(fns):
    """Run the functions in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(fns))
    res = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        try:
            res[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller's assertions
            res[i] = e

    ts = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=h.slow(60))
    return res


def open_loans(barcode):
    return srv.sql_value("SELECT COUNT(*) FROM loans l JOIN items i ON i.id = l.item_id"
                         " WHERE i.barcode = '%s' AND l.returned_at IS NULL" % barcode)


def item_status(barcode):
    return srv.sql_value("SELECT status FROM items WHERE barcode = '%s'" % barcode)


def circ_audit():
    return srv.sql_value("SELECT COUNT(*) FROM audit WHERE action LIKE 'circ.%'")


def test_same_copy_two_desks_one_loan():
    """Eight desks lend the same copy to eight readers at the same instant, five times over."""
    ds = desks(8)
    for round_ in range(5):
        item = fx["copies"][round_]
        rs = together([(lambda c=c, k=k: c.post("/circ/checkout", {"patron": "RACE%03d" % (k + 1), "item": item}))
                       for k, c in enumerate(ds)])
        assert not [r for r in rs if isinstance(r, Exception)], rs
        ok = [r for r in rs if r.status == 200]
        refused = [r for r in rs if r.status == 409]
        assert len(ok) == 1, [h.describe(r) for r in rs]
        assert len(refused) == 7, [h.describe(r) for r in rs]
        for r in refused:
            j = r.json()
            assert j["ok"] is False and j["message"], j
        assert open_loans(item) == 1
        assert item_status(item) == "on_loan"
        # The winner's loan is the one in the database.
        winner = ok[0].json()
        assert winner["ok"] is True
        h.expect_status(ds[0].post("/circ/return", {"item": item}), 200)
        assert open_loans(item) == 0 and item_status(item) == "available"
    for c in ds:
        c.close()


def test_return_and_renew_race():
    """A return and a renewal of the same loan at the same instant: either order is fine, but the
    end is one consistent state: the loan returned, the copy on the shelf, no open loan, and the
    renewal either done before the return (renewals = 1) or refused (409), never a 500."""
    ds = desks(2)
    for k in range(6):
        item = fx["copies"][10 + k]
        h.expect_status(ds[0].post("/circ/checkout", {"patron": "RACE%03d" % (10 + k), "item": item}), 200)
        ret, ren = together([lambda: ds[0].post("/circ/return", {"item": item}),
                             lambda: ds[1].post("/circ/renew", {"item": item})])
        assert ret.status == 200, h.describe(ret)
        assert ren.status in (200, 409), h.describe(ren)
        assert open_loans(item) == 0
        assert item_status(item) == "available"
        renewals = srv.sql_value("SELECT l.renewals FROM loans l JOIN items i ON i.id = l.item_id"
                                 " WHERE i.barcode = '%s' ORDER BY l.id DESC LIMIT 1" % item)
        assert renewals == (1 if ren.status == 200 else 0), (renewals, h.describe(ren))
    for c in ds:
        c.close()


def test_many_desks_nothing_lost():
    """12 clients, each lending and returning its own copies 15 times: every answer 200, every loan
    returned, every copy back, one audit row per action, and the loan count is exact."""
    nclients, pairs = 12, 15
    ds = desks(nclients)
    loans0 = srv.sql_value("SELECT COUNT(*) FROM loans")
    audit0 = circ_audit()
    failures = []

    def work(k):
        c = ds[k]
        mine = fx["copies"][20 + k::nclients][:3]
        for p in range(pairs):
            item = mine[p % len(mine)]
            r1 = c.post("/circ/checkout", {"patron": "RACE%03d" % (k + 1), "item": item})
            r2 = c.post("/circ/return", {"item": item})
            if r1.status != 200 or r2.status != 200:
                failures.append((h.describe(r1), h.describe(r2)))
        return True

    together([(lambda k=k: work(k)) for k in range(nclients)])
    assert not failures, failures[:3]
    assert srv.sql_value("SELECT COUNT(*) FROM loans") - loans0 == nclients * pairs
    assert srv.sql_value("SELECT COUNT(*) FROM loans WHERE returned_at IS NULL") == 0
    assert srv.sql_value("SELECT COUNT(*) FROM items WHERE status = 'on_loan'") == 0
    assert circ_audit() - audit0 == 2 * nclients * pairs
    for c in ds:
        c.close()


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
