"""test_copycat.py: copy cataloguing over real HTTP against a real Z39.50/SRU server (YAZ's
yaz-ztest, started here on a free loopback port; the module is skipped when it is missing): the
search page with its targets and hits (Z39.50 and SRU), a dead target reported without holding up
the others, importing a hit with N copies (303 to the new record, JSON 201, MARCXML kept, a
second import refused as a duplicate), the union catalogue of the city (another school's title
with copy counts, never its barcodes), who may use it (librarians only), and bad input (4xx,
nothing written).
"""
import os
import shutil
import socket
import subprocess
import time

import harness as h

srv = None
ztest = None
_clients = {}

ZTEST = shutil.which("yaz-ztest")  # Debian package yaz, which the build needs anyway


def _wait_port(port, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def setup_module():
    global srv, ztest
    assert ZTEST, "yaz-ztest (Debian package yaz) is not installed"
    port, dead = h.free_port(), h.free_port()
    ztest = subprocess.Popen([ZTEST, "-l", "/dev/null", "tcp:127.0.0.1:%d" % port],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_port(port), "yaz-ztest did not start"
    targets = ("ztest=127.0.0.1:{p}/Default,sru:ztestsru=http://127.0.0.1:{p}/Default,"
               "dead=127.0.0.1:{d}/Default").format(p=port, d=dead)
    srv = h.Server(env={"THUVIEN_COPYCAT_TARGETS": targets}).start()


def teardown_module():
    if srv:
        srv.stop()
    if ztest:
        ztest.terminate()
        ztest.wait(timeout=10)


def client(username):
    if username not in _clients:
        _clients[username] = h.logged_in(srv, username)
    return _clients[username]


def search(c, q, **args):
    return c.get("/copycat", query=dict(q=q, **args))


def count(sql):
    return srv.sql_value(sql)


# --- search ---------------------------------------------------------------------------------------

def test_form_lists_the_targets():
    r = h.expect_status(client("thuthu.th001").get("/copycat"), 200)
    names = [t["name"] for t in r.json()["targets"]]
    assert names == ["ztest", "ztestsru", "dead"]
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    page = h.expect_status(b.get("/copycat"), 200).text
    assert h.in_html(h.vi("copycat.title"), page)
    assert not h.untranslated(page)


def test_search_all_targets_dead_one_reported():
    t0 = time.time()
    r = h.expect_status(search(client("thuthu.th001"), "computer"), 200)
    assert time.time() - t0 < 8
    j = r.json()
    res = {x["target"]: x for x in j["results"]}
    assert res["ztest"]["error"] is None and res["ztest"]["total"] > 0
    assert res["ztestsru"]["error"] is None and res["ztestsru"]["total"] > 0
    assert res["dead"]["error"] and res["dead"]["total"] == -1
    hits = j["hits"]
    assert {x["target"] for x in hits} == {"ztest", "ztestsru"}
    assert all(x["title"] for x in hits)
    assert hits[0]["title"] == "How to program a computer"
    assert "<record" in hits[0]["marcxml"]


def test_search_one_target_and_html():
    c = client("thuthu.th001")
    j = h.expect_status(search(c, "computer", target="ztest", by="title"), 200).json()
    assert [x["target"] for x in j["results"]] == ["ztest"]
    assert 0 < len(j["hits"]) <= 10
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    page = h.expect_status(b.get("/copycat?q=computer&target=ztest"), 200).text
    assert "How to program a computer" in page
    assert 'action="/copycat/import"' in page
    assert not h.untranslated(page)


# --- import ---------------------------------------------------------------------------------------

def test_import_creates_record_with_copies_then_refuses_duplicate():
    c = client("thuthu.th001")
    th = srv.unit("TH001")["id"]
    before = count("SELECT COUNT(*) FROM biblios WHERE unit_id = %d" % th)
    r = c.post("/copycat/import", {"target": "ztest", "q": "computer", "by": "title", "n": "1", "copies": "3",
                                   "title": "How to program a computer"})
    h.expect_status(r, 201)
    bid = r.json()["id"]
    rec = h.expect_status(c.get("/catalog/%d" % bid), 200).json()["biblio"]
    assert rec["title"] == "How to program a computer"
    assert rec["ncopies"] == 3
    assert count("SELECT COUNT(*) FROM biblios WHERE unit_id = %d" % th) == before + 1
    assert count("SELECT COUNT(*) FROM biblios WHERE id = %d AND marc LIKE '<record%%'" % bid) == 1
    again = c.post("/copycat/import", {"target": "ztest", "q": "computer", "n": "1", "copies": "1"})
    h.expect_error(again, 409, "err.copycat.duplicate")
    assert again.json()["error"].get("duplicate_id") == bid or again.json().get("duplicate_id") == bid


def test_import_from_browser_redirects_to_the_record():
    b = h.Client(srv, json=False)
    b.login_form("thuthu.thcs001")
    r = b.post("/copycat/import", {"target": "ztest", "q": "computer", "n": "1", "copies": "2"})
    h.expect_status(r, 303)
    loc = r.header("Location")
    assert loc.startswith("/catalog/"), loc
    bid = int(loc.split("/")[2].split("?")[0])
    unit = srv.unit("THCS001")["id"]
    assert count("SELECT unit_id FROM biblios WHERE id = %d" % bid) == unit
    assert count("SELECT COUNT(*) FROM items WHERE biblio_id = %d" % bid) == 2


def test_union_shows_other_schools_titles_not_their_copies():
    """TH001 and THCS001 imported the ztest record above; a third school sees both, with counts."""
    c = client("thuthu.lc001")
    j = h.expect_status(search(c, "program computer", target="ztest"), 200).json()
    t = h.json_find(j["union"], title="How to program a computer")
    codes = {x["unit_code"]: x["copies"] for x in t["holdings"]}
    assert codes.get("TH001") == 3 and codes.get("THCS001") == 2, codes
    assert t["own_id"] is None
    barcodes = [row["barcode"] for row in srv.sql("SELECT barcode FROM items")]
    body = search(c, "program computer", target="ztest").text
    b = h.Client(srv, json=False)
    b.login_form("thuthu.lc001")
    page = b.get("/copycat?q=program+computer&target=ztest").text
    for code in barcodes:
        assert code not in body and code not in page, "a copy's barcode %s is shown" % code


# --- who, and bad input ---------------------------------------------------------------------------

def test_only_librarians():
    for user in ("bgh.th001", "bandoc.th001", "phong1.admin"):
        c = client(user)
        h.expect_error(c.get("/copycat"), 403)
        h.expect_error(search(c, "computer"), 403)
        before = count("SELECT COUNT(*) FROM biblios")
        h.expect_error(c.post("/copycat/import", {"target": "ztest", "q": "computer", "n": "1"}), 403)
        assert count("SELECT COUNT(*) FROM biblios") == before
    # Not logged in: to the login page (JSON: 401).
    h.expect_status(h.Client(srv).get("/copycat"), 401, 303)


def test_bad_input():
    c = client("thuthu.th001")
    before = count("SELECT COUNT(*) FROM biblios")
    h.expect_error(search(c, ""), 400, "err.copycat.query")
    h.expect_error(search(c, "   "), 400, "err.copycat.query")
    h.expect_error(search(c, "x" * 201), 400, "err.copycat.query")
    h.expect_error(search(c, "computer", target="nope"), 400, "err.copycat.target")
    h.expect_error(search(c, "computer", by="subject"), 400, "err.copycat.by")
    h.expect_error(search(c, "not an isbn", by="isbn"), 400, "err.isbn")
    imp = lambda **f: c.post("/copycat/import", f)
    h.expect_error(imp(target="nope", q="computer", n="1"), 400, "err.copycat.target")
    h.expect_error(imp(q="computer", n="1"), 400, "err.copycat.target")
    h.expect_error(imp(target="ztest", q="computer", n="0"), 400)
    h.expect_error(imp(target="ztest", q="computer", n="abc"), 400)
    h.expect_error(imp(target="ztest", q="computer", n="1", copies="0"), 400)
    h.expect_error(imp(target="ztest", q="computer", n="1", copies="1001"), 400)
    h.expect_error(imp(target="ztest", q="", n="1"), 400, "err.copycat.query")
    h.expect_error(imp(target="ztest", q="y" * 5000, n="1"), 400, "err.copycat.query")
    h.expect_error(imp(target="ztest", q="computer", n="1", title="Something else"), 409, "err.copycat.changed")
    r = imp(target="dead", q="computer", n="1")
    h.expect_error(r, 502, "err.copycat.target_failed")
    assert count("SELECT COUNT(*) FROM biblios") == before
    h.assert_healthy(srv)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
