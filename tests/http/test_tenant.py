"""test_tenant.py: one school (or office) never reads or changes another's accounts, units, audit,
catalogue records, copies or intake batches, nor prints their labels, nor reads or settles their
overdues, charges and in-library use.

Data-driven: ROUTES lists every route of src/web/routes.c that takes an id or acts on accounts,
units or the audit log, with the answers allowed when the id (or filter) belongs to someone else.
Each actor of ACTORS tries each route on every unit and account outside its subtree (found by
listing the city as the sysadmin), and on every catalogue record and batch outside it (made in
setup by the librarians of THCS001 and LC001), as JSON and as a browser. A probe fails when the
status is not an allowed one, or when any response body shows a name, user name or code of a unit
or account, or a title, author or supplier of a record or batch, the actor must not see; the
database must be unchanged afterwards (login traces aside). Writes that take no id (a new record,
a new batch) land in the actor's own school whatever the form says (HOME_WRITES).

Positive controls show the checks can fail: the same probe flags phong1.admin reading TH001's
accounts and THCS001's records (which it may), and quantri.th001 really can disable thuthu.th001.
"""
import itertools
import os
import re
import subprocess
import time
import urllib.parse

import harness as h

srv = None
city = {}       # "units": [...], "accounts": [...] as the sysadmin's JSON lists them
clients = {}    # username -> logged-in JSON Client

ACTORS = ["thuthu.th001", "bgh.th001", "bandoc.th001", "quantri.th001", "phong2.admin", "phong2.chuyenvien"]
# A reader account tied to a reader of TH001 (issued in setup): My library's ids must stay its own.
READER = "th001.doc-thu"
ACTORS.append(READER)
READERS = ("bandoc.th001", READER)

# Codes of the units whose data the probes go after (with every account of each).
TARGET_UNITS = ["THCS001", "LC001", "TH001", "PGD01", "PGD03", "THPT001", "SGD"]

_n = itertools.count(1)

# (method, path template, form fields, allowed statuses, what the path echoes back)
# {unit}: a foreign unit's id; {acc}: a foreign account's id; {uname}: a foreign user name.
ROUTES = [
    ("GET", "/units/{unit}", None, (403, 404), None),
    ("GET", "/accounts?unit={unit}", None, (403, 404), None),
    ("GET", "/accounts/new?unit={unit}", None, (200, 403, 404), None),
    ("POST", "/units", lambda: {"parent_id": "{unit}", "code": "XT%d" % next(_n), "name": "Đơn vị xâm nhập",
                                "kind": "school", "school_level": "th"}, (403, 404), None),
    ("POST", "/accounts", lambda: {"unit_id": "{unit}", "username": "xam.nhap%d" % next(_n),
                                   "full_name": "Người xâm nhập", "role": "reader",
                                   "password": "Mat-khau-xam-nhap-2026"}, (403, 404), None),
    ("GET", "/accounts/{acc}", None, (403, 404), None),
    ("POST", "/accounts/{acc}/disable", lambda: {}, (403, 404), None),
    ("POST", "/accounts/{acc}/enable", lambda: {}, (403, 404), None),
    ("POST", "/accounts/{acc}/reset", lambda: {"password": "Mat-khau-xam-nhap-2026"}, (403, 404), None),
    ("POST", "/accounts/{acc}/unlock", lambda: {}, (403, 404), None),
    ("GET", "/audit?user={uname}", None, (200, 403), "uname"),
    ("GET", "/accounts?q={uname}", None, (200, 403), "uname"),
    # The catalogue. {bib}: a foreign record's id; {acq}: a batch of the same school; {btitle},
    # {barcode}: the record's title and its first copy's barcode.
    ("GET", "/catalog/{bib}", None, (403, 404), None),
    ("POST", "/catalog/{bib}/copies", lambda: {"count": "1"}, (403, 404), None),
    ("POST", "/catalog/{bib}/copies", lambda: {"count": "1", "acquisition_id": "{acq}"}, (403, 404), None),
    ("GET", "/acquisitions/{acq}", None, (403, 404), None),
    ("POST", "/catalog", lambda: {"title": "Sách xâm nhập %d" % next(_n), "doc_type": "STK", "copies": "1",
                                  "acquisition_id": "{acq}"}, (403, 404), None),
    # Editing: the short form, the MARC form (a save and a row button, which shows the form
    # again), the MARC view, a copy ({item}: the record's first copy).
    ("GET", "/catalog/{bib}/edit", None, (403, 404), None),
    ("POST", "/catalog/{bib}/edit", lambda: {"title": "Sửa xâm nhập %d" % next(_n), "doc_type": "STK",
                                             "version": "0"}, (403, 404), None),
    ("GET", "/catalog/{bib}/marc", None, (403, 404), None),
    ("POST", "/catalog/{bib}/marc", lambda: {"t0": "245", "a0": "0", "b0": "0", "c0_0": "a",
                                             "v0_0": "Sửa xâm nhập %d" % next(_n), "version": "0"}, (403, 404), None),
    ("POST", "/catalog/{bib}/marc", lambda: {"action": "add_field", "new_tag": "650"}, (403, 404), None),
    ("GET", "/catalog/{bib}/marc/view", None, (403, 404), None),
    ("GET", "/items/{item}/edit", None, (403, 404), None),
    ("POST", "/items/{item}/edit", lambda: {"barcode": "XAMNHAP%d" % next(_n), "status": "lost"}, (403, 404), None),
    ("GET", "/catalog?q={btitle}", None, (200, 403), "btitle"),
    ("GET", "/catalog?q={barcode}", None, (200, 403), "barcode"),
    # Label printing: the PDF (its text read back with pdftotext) and the preview of a record's
    # copies, of the batch holding them ({auto_acq}), of an empty batch, and of a register range
    # in another school (unit=). Their bodies are also checked for the copies' accession numbers
    # and barcodes (LABEL_MARKS).
    # A background job (the school librarian's import of a MARC file): only its owner sees it.
    ("GET", "/jobs/{job}", None, (404,), None),
    ("GET", "/labels?biblio={bib}", None, (403, 404), None),
    ("GET", "/labels?biblio={bib}&kind=spine", None, (403, 404), None),
    ("GET", "/labels?batch={auto_acq}", None, (403, 404), None),
    ("GET", "/labels?batch={acq}", None, (403, 404), None),
    ("GET", "/labels/preview?biblio={bib}", None, (403, 404), None),
    ("GET", "/labels/preview?batch={auto_acq}", None, (403, 404), None),
    ("GET", "/labels?register=SGK&from=1&to=50&unit={unit}", None, (403, 404), None),
    ("GET", "/labels/preview?register=SGK&from=1&to=50&unit={unit}&kind=spine", None, (403, 404), None),
    # Overdues, charges, in-library use of another school (unit=), and settling its charge
    # ({charge}: a charge of the school's reader for the record's first copy, made in setup).
    ("GET", "/circ/overdue?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/overdue.xlsx?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/overdue/notices.pdf?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/charges?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/inlibrary?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/inlibrary/month?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/inlibrary/month.xlsx?unit={unit}", None, (403, 404), None),
    ("POST", "/circ/charges/{charge}/settle", lambda: {"how": "paid"}, (403, 404), None),
    # Readers ({patron}: a reader of the school, {pcode}: its card number; {promo}: the school's
    # end-of-year promotion).
    ("GET", "/patrons/{patron}", None, (403, 404), None),
    ("GET", "/patrons/{patron}/edit", None, (403, 404), None),
    ("POST", "/patrons/{patron}/edit", lambda: {"full_name": "Bạn đọc xâm nhập %d" % next(_n), "class_name": "6A1",
                                               "version": "0"}, (403, 404), None),
    ("POST", "/patrons/{patron}/status", lambda: {"status": "blocked", "reason": "xâm nhập"}, (403, 404), None),
    ("POST", "/patrons/{patron}/privacy", lambda: {"hide_history": "1"}, (403, 404), None),
    ("GET", "/patrons/{patron}/photo", None, (403, 404), None),
    ("POST", "/patrons/{patron}/photo", lambda: {}, (403, 404), None),
    ("GET", "/patrons?q={pcode}", None, (200, 403), "pcode"),
    ("GET", "/patrons?unit={unit}", None, (200, 403), None),
    ("POST", "/patrons/promote/{promo}/undo", lambda: {}, (403, 404), None),
    # The lending desk: lending, returning, renewing the school's copies ({barcode}), holds on its
    # record and cancelling its reader's hold ({hold}); the holds page of its record lists nothing.
    ("POST", "/circ/checkout", lambda: {"patron": "XAM-NHAP", "item": "{barcode}"}, (403, 404), None),
    ("POST", "/circ/return", lambda: {"item": "{barcode}"}, (403, 404), None),
    ("POST", "/circ/renew", lambda: {"item": "{barcode}"}, (403, 404), None),
    ("POST", "/circ", lambda: {"code": "{barcode}", "patron": ""}, (403, 404), None),
    ("POST", "/catalog/{bib}/hold", lambda: {"patron": "XAM-NHAP"}, (403, 404), None),
    ("POST", "/circ/holds", lambda: {"biblio": "{bib}", "patron": "XAM-NHAP"}, (403, 404), None),
    ("GET", "/circ/holds?biblio={bib}", None, (200, 403), None),
    ("POST", "/circ/holds/{hold}/cancel", lambda: {}, (403, 404), None),
    # Library cards: a reader of the school ({patron}, written in setup) by id, the PDF and the form.
    ("GET", "/patrons/cards.pdf?ids={patron}", None, (403, 404), None),
    ("GET", "/patrons/cards?ids={patron}", None, (403, 404), None),
    # The loan policy of another school ({unit}): read and change; a school's break ({closed}).
    ("GET", "/circ/rules?unit={unit}", None, (403, 404), None),
    ("GET", "/circ/calendar?unit={unit}", None, (403, 404), None),
    ("POST", "/circ/rules", lambda: {"unit": "{unit}", "kind": "student", "doc_type": "STK", "max_items": "99",
                                     "loan_days": "300", "renewals": "9"}, (403, 404), None),
    ("POST", "/circ/rules/reset", lambda: {"unit": "{unit}", "kind": "student", "doc_type": "*"}, (403, 404), None),
    ("POST", "/circ/calendar/settings", lambda: {"unit": "{unit}", "closed_1": "1", "year_end": "01/01",
                                                 "hold_days": "1", "hold_expiry_days": "1"}, (403, 404), None),
    ("POST", "/circ/calendar/closed", lambda: {"unit": "{unit}", "first": "01/09/2026", "last": "30/09/2026",
                                               "name": "Nghỉ xâm nhập"}, (403, 404), None),
    ("POST", "/circ/calendar/closed/{closed}/delete", lambda: {}, (403, 404), None),
    # Reader self-service: the school's reader's account; My library on its loan ({loan}) and hold;
    # holds and reviews from the catalogue on its record; its reviews ({review}) and reading
    # lists ({list}).
    ("POST", "/patrons/{patron}/account", lambda: {}, (403, 404), None),
    ("POST", "/me/renew/{loan}", lambda: {}, (403, 404), None),
    ("POST", "/me/holds/{hold}/cancel", lambda: {}, (403, 404), None),
    ("POST", "/opac/records/{bib}/hold", lambda: {}, (403, 404), None),
    ("POST", "/opac/records/{bib}/review", lambda: {"rating": "1", "body": "Nhận xét xâm nhập"}, (403, 404), None),
    ("POST", "/reviews/{review}/approve", lambda: {}, (403, 404), None),
    ("POST", "/reviews/{review}/reject", lambda: {}, (403, 404), None),
    ("GET", "/lists/{list}", None, (403, 404), None),
    ("POST", "/lists/{list}/edit", lambda: {"title": "Danh mục xâm nhập", "class_name": ""}, (403, 404), None),
    ("POST", "/lists/{list}/delete", lambda: {}, (403, 404), None),
    ("POST", "/lists/{list}/items", lambda: {"ref": "{bib}"}, (403, 404), None),
    ("POST", "/lists/{list}/items/remove", lambda: {"biblio": "{bib}"}, (403, 404), None),
    ("POST", "/lists/{list}/items/move", lambda: {"biblio": "{bib}", "dir": "up"}, (403, 404), None),
    # Weeding ({wd}: a draft withdrawal batch of the school holding a copy of its own record).
    ("GET", "/withdrawals?unit={unit}", None, (403, 404), None),
    ("GET", "/withdrawals/{wd}", None, (403, 404), None),
    ("GET", "/withdrawals/{wd}?q={btitle}", None, (403, 404), None),
    ("POST", "/withdrawals/{wd}/items", lambda: {"barcode": "{barcode}", "reason": "RACH"}, (403, 404), None),
    ("POST", "/withdrawals/{wd}/items", lambda: {"rule": "lost", "preview": "1"}, (403, 404), None),
    ("POST", "/withdrawals/{wd}/items/remove", lambda: {"item": "{item}"}, (403, 404), None),
    ("POST", "/withdrawals/{wd}/items/reason", lambda: {"item": "{item}", "reason": "MAT"}, (403, 404), None),
    ("POST", "/withdrawals/{wd}/propose", lambda: {}, (403, 404), None),
    ("POST", "/withdrawals/{wd}/approve", lambda: {"decision_no": "1/QĐ", "decision_day": "01/11/2026"},
     (403, 404), None),
    ("POST", "/withdrawals/{wd}/return", lambda: {"reason": "xâm nhập"}, (403, 404), None),
    ("GET", "/withdrawals/{wd}/minutes.pdf", None, (403, 404), None),
    ("GET", "/withdrawals/{wd}/list.xlsx", None, (403, 404), None),
    # The registers (pages_registers.c): a school of another subtree, by id, as a page or download.
    ("GET", "/registers?school={unit}", None, (403, 404), None),
    ("GET", "/registers/tongquat?school={unit}", None, (403, 404), None),
    ("GET", "/registers/dkcb?school={unit}&school_year=all", None, (403, 404), None),
    ("GET", "/registers/dkcb?school={unit}&format=pdf", None, (403, 404), None),
    ("GET", "/registers/sgk?school={unit}&format=xlsx", None, (403, 404), None),
    ("GET", "/registers/baochi?school={unit}", None, (403, 404), None),
    ("GET", "/registers/muon?school={unit}&format=pdf", None, (403, 404), None),
    ("GET", "/registers/doctaicho?school={unit}&format=xlsx", None, (403, 404), None),
    # The existing stock: another unit's registers are not found (a reader sees none at all).
    ("GET", "/stock/opening?unit={unit}", None, (403, 404), None),
    # Stocktakes ({stocktake}: an open session of the school, one copy scanned).
    ("GET", "/stocktakes?unit={unit}", None, (403, 404), None),
    ("GET", "/stocktakes/{stocktake}", None, (403, 404), None),
    ("GET", "/stocktakes/{stocktake}/items?result=found", None, (403, 404), None),
    ("GET", "/stocktakes/{stocktake}/items?result=missing&format=xlsx", None, (403, 404), None),
    ("GET", "/stocktakes/{stocktake}/report.pdf", None, (403, 404), None),
    ("POST", "/stocktakes/{stocktake}/scans", lambda: {"barcode": "{barcode}"}, (403, 404), None),
    ("POST", "/stocktakes/{stocktake}/upload", lambda: {}, (403, 404, 415), None),
    ("POST", "/stocktakes/{stocktake}/close", lambda: {"members": "Xâm nhập"}, (403, 404), None),
    ("POST", "/stocktakes/{stocktake}/cancel", lambda: {}, (403, 404), None),
    ("POST", "/stocktakes/{stocktake}/lose", lambda: {"item": "{item}"}, (403, 404), None),
]

# Placeholders of each kind of target.
BOOK_KEYS = ("{bib}", "{acq}", "{auto_acq}", "{btitle}", "{barcode}", "{item}", "{job}", "{charge}", "{patron}",
             "{pcode}", "{promo}", "{hold}", "{closed}", "{loan}", "{review}", "{list}", "{wd}", "{stocktake}")

# Writes without an id: whatever unit the form names, they land in the actor's own school (for
# its librarian) or are refused (403). test_writes_without_an_id_stay_home tries them.
HOME_WRITES = [
    ("POST", "/acquisitions", lambda: {"unit_id": "{unit}", "source": "gift",
                                       "supplier": "Nhà cung cấp xâm nhập %d" % next(_n)}),
    ("POST", "/catalog", lambda: {"unit_id": "{unit}", "title": "Sách gửi nhầm trường %d" % next(_n),
                                  "doc_type": "STK", "copies": "1"}),
    ("POST", "/catalog/new/marc", lambda: {"unit_id": "{unit}", "t0": "245", "a0": "0", "b0": "0", "c0_0": "a",
                                           "v0_0": "Sách MARC gửi nhầm trường %d" % next(_n), "doc_type": "STK",
                                           "copies": "1"}),
]

# Pages without an id: readable by some roles, but they must show only the actor's subtree.
LIST_PAGES = ["/", "/units", "/accounts", "/audit", "/audit?action=account", "/audit?action=login",
              "/accounts/new", "/password", "/catalog", "/catalog?q=ho+so+luu+tru", "/catalog?type=SGK",
              "/catalog/new", "/acquisitions", "/audit?action=biblio", "/audit?action=items", "/copycat",
              "/catalog/import", "/catalog/new/marc", "/classes", "/classes?q=van+hoc+viet+nam&scheme=VN19",
              "/classes/callnumber?class_number=895.922&authors=T%C3%B4+Ho%C3%A0i",
              "/patrons", "/patrons/new", "/patrons/import", "/patrons/promote", "/patrons?q=ban+doc+mat",
              "/circ", "/circ?q=kin", "/circ/holds", "/circ/textbooks", "/circ/classset",
              "/patrons/cards", "/circ/rules", "/circ/calendar", "/reviews", "/lists", "/withdrawals"]

# The catalogue each target school has (made in setup by its librarian): a record with two
# copies (so a batch of its own), and a second batch. Title, authors and supplier are markers.
BOOKS = [("THCS001", "Hồ sơ lưu trữ mật Văn Lang", "Đoàn Thị Kín", "Quỹ sách Văn Lang"),
         ("LC001", "Hồ sơ lưu trữ mật Ngôi Sao", "Phan Văn Giấu", "Quỹ sách Ngôi Sao")]
CATALOG_TABLES = ["biblios", "items", "acquisitions", "accession_counters", "charges",
                  "patrons", "patron_photos", "promotions", "promotion_rows", "loans", "holds", "library_uses",
                  "reviews", "reading_lists", "reading_list_items", "withdrawals", "withdrawal_items",
                  "stocktakes", "stocktake_scans", "stocktake_marks", "stock_balances"]

# Periodicals (test_serials.py): each target school's title ({ser}, ISSN {issn}) subscribed
# around today, a missing issue of it ({issue}) and a received one, so a receipt, claim, undo or
# binding that crossed schools would succeed and show.
ROUTES += [
    ("GET", "/serials/{ser}", None, (403, 404), None),
    ("POST", "/serials/{ser}/subscriptions", lambda: {"school_year": "2030-2031", "copies": "1"}, (403, 404), None),
    ("POST", "/serials/{ser}/bind", lambda: {"from": "01/01/2000", "to": "31/12/2099"}, (403, 404), None),
    ("POST", "/serials/issues/{issue}/receive", lambda: {}, (403, 404), None),
    ("POST", "/serials/issues/{issue}/claim", lambda: {"note": "Khiếu nại xâm nhập"}, (403, 404), None),
    ("POST", "/serials/issues/{rissue}/undo", lambda: {}, (403, 404), None),
    ("POST", "/serials/receive", lambda: {"code": "{issn}"}, (403, 404), None),
    ("GET", "/serials?unit={unit}", None, (403, 404), None),
    ("GET", "/serials/claims?unit={unit}", None, (403, 404), None),
    ("GET", "/serials/claims?unit={unit}&format=pdf", None, (403, 404), None),
    ("GET", "/serials/claims?unit={unit}&format=xlsx", None, (403, 404), None),
]
BOOK_KEYS += ("{ser}", "{issue}", "{rissue}", "{issn}")
LIST_PAGES += ["/serials", "/serials/claims"]
CATALOG_TABLES += ["periodicals", "subscriptions", "serial_issues"]
SERIAL_ISSN = {"THCS001": "0317-8471", "LC001": "1046-1248"}


# Data exchange (test_exchange.py): a school's enrolment form, and API tokens for a unit: another
# subtree's unit is not found (or the role may not), and nothing is written.
ROUTES += [
    ("GET", "/units/{unit}/enrolment", None, (403, 404), None),
    ("POST", "/units/{unit}/enrolment", lambda: {"school_year": "2030-2031", "pupils": "7", "teachers": "1"},
     (403, 404), None),
    ("POST", "/api-tokens", lambda: {"unit_id": "{unit}", "name": "Hệ thống xâm nhập %d" % next(_n)}, (403, 404), None),
    ("POST", "/api-tokens/{tok}/revoke", lambda: {}, (403, 404), None),
]
BOOK_KEYS += ("{tok}",)
LIST_PAGES += ["/api-tokens", "/exchange/units", "/exchange/enrolment"]
CATALOG_TABLES += ["unit_enrolment", "api_tokens", "import_mappings"]

def setup_module():
    global srv
    # Every import commit is a background job here, so each school's librarian has one to probe.
    srv = h.Server(env={"THUVIEN_IMPORT_ASYNC_BYTES": 0}).start()
    admin = h.logged_in(srv, "admin")
    city["units"] = h.expect_status(admin.get("/units"), 200).json()["units"]
    accounts = h.expect_status(admin.get("/accounts"), 200).json()
    assert accounts["total"] == len(accounts["accounts"]) == 23, "expected the 23 demo accounts: %r" % accounts["total"]
    city["accounts"] = accounts["accounts"]
    # Unit paths do not change during the module (units are only added): read them once.
    city["paths"] = {u["id"]: u["path"] for u in srv.sql("SELECT id, path FROM units")}
    for a in [x for x in ACTORS if x != READER] + ["quantri.thcs001", "phong1.admin"]:
        clients[a] = h.logged_in(srv, a)
    city["books"] = []
    for code, title, authors, supplier in BOOKS:
        lib = clients["thuthu." + code.lower()] = h.logged_in(srv, "thuthu." + code.lower())
        r = lib.post("/catalog", {"title": title, "authors": authors, "doc_type": "SGK", "copies": "2",
                                  "isbn": "978-0-306-40615-7"})
        b = h.expect_status(r, 201).json()["biblio"]
        r = lib.post("/acquisitions", {"source": "gift", "supplier": supplier, "doc_number": "Mật-" + code})
        acq = h.expect_status(r, 201).json()["id"]
        unit = h.json_find(city["units"], code=code)
        job = import_job(lib)
        pname, pcode = "Bạn Đọc Mật " + title.split()[-1], "MAT" + code
        r = lib.post("/patrons", {"full_name": pname, "class_name": "6A1", "code": pcode,
                                  "national_id": "0799%08d" % unit["id"]})
        patron = h.expect_status(r, 201).json()["id"]
        ct, body = h.multipart({"csrf": lib.csrf}, {"photo": ("p.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)})
        h.expect_status(lib.request("POST", "/patrons/%d/photo" % patron, body=body, content_type=ct), 200)
        promo = h.expect_status(lib.post("/patrons/promote", {}), 200).json()["id"]
        city["books"].append({"job": job, "patron": patron, "pname": pname, "pcode": pcode, "promo": promo,
                              "unit_id": unit["id"], "code": code, "bib": b["id"], "acq": acq,
                              "auto_acq": b["copies"][0]["acquisition_id"], "btitle": title, "authors": authors,
                              "item": b["copies"][0]["id"],
                              "supplier": supplier, "barcode": b["copies"][0]["barcode"],
                              "accessions": [x["accession"] for x in b["copies"]],
                              "barcodes": [x["barcode"] for x in b["copies"]],
                              "hold": circ_fixture(lib, unit["id"], code, b)})
        city["books"][-1]["charge"] = make_charge(unit["id"], b["copies"][0]["id"], code)
        # A school's break, to probe its removal by another school.
        r = lib.post("/circ/calendar/closed", {"first": "02/11/2026", "last": "06/11/2026",
                                               "name": "Kỳ nghỉ mật " + code})
        h.expect_redirect(r)
        city["books"][-1]["closed"] = srv.sql_value("SELECT id FROM closed_days WHERE unit_id = %d" % unit["id"])
        city["books"][-1].update(social_fixture(lib, unit["id"], code, b))
        city["books"][-1]["wd"] = withdrawal_fixture(lib, title)
        city["books"][-1].update(serial_fixture(lib, code))
        st = h.expect_status(lib.post("/stocktakes", {"scope": "all", "note": "Kiểm kê mật " + code}), 201).json()["id"]
        h.expect_status(lib.post("/stocktakes/%d/scans" % st, {"barcode": b["copies"][0]["barcode"]}), 200)
        city["books"][-1]["stocktake"] = st
        srv.cli("token", "add", "--unit", code, "--name", "Hệ thống mật " + code)   # test_exchange.py
        city["books"][-1]["tok"] = srv.sql_value("SELECT MAX(id) FROM api_tokens")
        city["books"][-1].setdefault("marks", []).append("Hệ thống mật " + code)
    reader_fixture()
    srv.wait_opac_sync()


def social_fixture(lib, unit_id, code, b):
    """A loan of the school (circ_fixture's), a review of its record by its second teacher and a
    reading list of its librarian holding the record: the ids other schools probe."""
    loan = srv.sql_value("SELECT MIN(id) FROM loans WHERE unit_id = %d" % unit_id)
    rbody, ltitle = "Nhận xét mật " + code, "Danh mục mật " + code
    h.sql_write(srv, "INSERT INTO reviews (unit_id, biblio_id, patron_id, rating, body, created_at) SELECT %d, %d, id,"
                     " 4, %s, 1 FROM patrons WHERE unit_id = %d AND code = 'GV-%s-2'"
                % (unit_id, b["id"], h.sql_str(rbody), unit_id, code))
    review = srv.sql_value("SELECT id FROM reviews WHERE unit_id = %d" % unit_id)
    r = h.expect_status(lib.post("/lists", {"title": ltitle, "class_name": "6A1"}), 201)
    lid = r.json()["id"]
    h.expect_status(lib.post("/lists/%d/items" % lid, {"ref": str(b["id"])}), 200)
    return {"loan": loan, "review": review, "list": lid, "rbody": rbody, "ltitle": ltitle}


def reader_fixture():
    """TH001's reader with an account (READER), logged in with the password changed."""
    lib = clients["thuthu.th001"]
    pid = h.expect_status(lib.post("/patrons", {"full_name": "Bạn Đọc Thử", "class_name": "6A1", "code": "DOC-THU"}),
                          201).json()["id"]
    acc = h.expect_status(lib.post("/patrons/%d/account" % pid, {}), 201).json()["accounts"][0]
    assert acc["username"] == READER, acc
    c = h.Client(srv)
    c.login(READER, acc["password"])
    pw = "Doc-sach-moi-ngay-2026"
    h.expect_status(c.post("/password", {"current": acc["password"], "password": pw, "confirm": pw}), 200)
    c.login(READER, pw)
    clients[READER] = c
    city["accounts"].append({"id": srv.account(READER)["id"], "username": READER, "full_name": "Bạn Đọc Thử",
                             "unit_id": h.json_find(city["units"], code="TH001")["id"]})


def make_charge(unit_id, item_id, code):
    """A reader of the school and a charge of theirs for the copy (the lending desk is not in this
    test's reach: written straight into the database)."""
    stmts = ["INSERT INTO patrons (unit_id, code, full_name, created_at, updated_at) VALUES (%d, 'MAT-%s', "
             "'Bạn đọc mật %s', 0, 0)" % (unit_id, code, code),
             "INSERT INTO charges (unit_id, patron_id, item_id, kind, amount, created_at) SELECT %d, id, %d, 'lost', "
             "12345, 0 FROM patrons WHERE unit_id = %d AND code = 'MAT-%s'" % (unit_id, item_id, unit_id, code)]
    for st in stmts:
        h.sql_write(srv, st)
    return srv.sql_value("SELECT c.id FROM charges c JOIN patrons p ON p.id = c.patron_id WHERE p.code = 'MAT-%s'"
                         % code)


def serial_fixture(lib, code):
    """A daily title of the school subscribed from 10 days ago to 10 days ahead, one issue
    received (rissue) and one missing (issue)."""
    import datetime
    d = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    vn = lambda x: (d + datetime.timedelta(days=x)).strftime("%d/%m/%Y")
    y = d.year if d.month >= 8 else d.year - 1
    stitle = "Báo mật " + code
    r = lib.post("/serials", {"title": stitle, "issn": SERIAL_ISSN[code], "frequency": "daily", "sundays": "1",
                              "school_year": "%d-%d" % (y, y + 1), "start": vn(-10), "end": vn(10), "copies": "1",
                              "supplier": "Nhà phát hành mật " + code})
    ser = h.expect_status(r, 201).json()["id"]
    issues = srv.sql("SELECT i.id FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
                     "WHERE s.periodical_id = %d ORDER BY i.expected" % ser)
    h.expect_status(lib.post("/serials/issues/%d/receive" % issues[1]["id"], {}), 200)
    return {"ser": ser, "issue": issues[0]["id"], "rissue": issues[1]["id"], "issn": SERIAL_ISSN[code],
            "marks": [stitle, "Nhà phát hành mật " + code]}


def circ_fixture(lib, unit_id, code, b):
    """Two teachers of the school (written into patrons directly: the readers module is not merged
    yet); both copies lent to the first, a hold placed for the second. Returns the hold's id."""
    for i in (1, 2):
        q = ("INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, created_at, updated_at)"
             " VALUES (%d, 'GV-%s-%d', 'Giáo viên %s %d', 'giao vien', 'teacher', 1, 1)" % (unit_id, code, i, code, i))
        h.sql_write(srv, q)
    for x in b["copies"]:
        h.expect_status(lib.post("/circ/checkout", {"patron": "GV-%s-1" % code, "item": x["barcode"]}), 200)
    r = h.expect_status(lib.post("/catalog/%d/hold" % b["id"], {"patron": "GV-%s-2" % code}), 200)
    return r.json()["hold_id"]


def withdrawal_fixture(lib, title):
    """A draft withdrawal batch of lib's school holding one copy of a new record of its own."""
    b = h.expect_status(lib.post("/catalog", {"title": "Sách cũ để thanh lọc", "doc_type": "STK", "copies": "1"}),
                        201).json()["biblio"]
    wd = h.expect_status(lib.post("/withdrawals", {"title": "Thanh lọc " + title}), 201).json()["id"]
    h.expect_status(lib.post("/withdrawals/%d/items" % wd, {"item": str(b["copies"][0]["id"]), "reason": "RACH"}),
                    200)
    return wd


def import_job(lib):
    """The id of a finished background job of lib's: the import of a small MARC file."""
    mrc = os.path.join(h.ROOT, "..", "shared", "data", "marc-extra", "bulk", "jorol-loc-50.mrc")
    p = h.expect_status(h.upload(lib, open(mrc, "rb").read()), 200).json()
    job = h.expect_status(lib.post("/catalog/import/commit", {"token": p["token"]}), 202).json()
    for _ in range(600):
        j = h.expect_status(lib.get(job["location"]), 200).json()
        if j["state"] != "running":
            assert j["state"] == "done", j
            return job["job"]
        time.sleep(0.05)
    raise AssertionError("the import job of %s did not end" % lib.user)


def teardown_module():
    srv.stop()


def unit_path(unit_id):
    return city["paths"][unit_id]


def actor_path(username):
    return unit_path(h.json_find(city["accounts"], username=username)["unit_id"])


def foreign(username):
    """Units, accounts and catalogues outside the actor's subtree (whose data it must never see)."""
    mine = actor_path(username)
    units = [u for u in city["units"] if u["code"] in TARGET_UNITS and not unit_path(u["id"]).startswith(mine)]
    ids = set(u["id"] for u in units)
    accounts = [a for a in city["accounts"] if a["unit_id"] in ids]
    books = [b for b in city["books"] if b["unit_id"] in ids]
    return units, accounts, books


def markers(units, accounts, books=()):
    """Strings that must not appear in a response: names, user names and codes of foreign things.
    A user name without a dot ("admin") is too common a word; its full name stands for it."""
    m = set()
    for u in units:
        m.add(u["name"])
        m.add(u["code"])
    for a in accounts:
        m.add(a["full_name"])
        if "." in a["username"]:
            m.add(a["username"])
    for b in books:
        m.update((b["btitle"], b["authors"], b["supplier"], b["pname"], b["pcode"]))
        m.add("Bạn đọc mật " + b["code"])   # the reader of its charge (make_charge)
        m.add("Kỳ nghỉ mật " + b["code"])
        m.update((b["rbody"], b["ltitle"]))
        m.update(b.get("marks", ()))
    return sorted(m)


def label_marks(books):
    """What a label of the books' copies shows besides the school's name (a marker already):
    their accession numbers and barcodes. Checked on the label routes only: another school's
    "SGK-000001" is a fine thing for an actor's own pages to show."""
    return sorted(set(m for b in books for m in b["accessions"] + b["barcodes"]))


def body_text(r):
    """A response's text; a PDF's as pdftotext extracts it (its raw bytes are compressed)."""
    if not r.header("Content-Type", "").startswith("application/pdf"):
        return r.text
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=r.body, capture_output=True, timeout=60)
    return p.stdout.decode("utf-8", "replace") + (" (pdftotext failed: %r)" % p.stderr[:200] if p.returncode else "")


def leaks(body, marks, strip=()):
    for s in strip:
        if s:
            body = body.replace(s, "")
    return [m for m in marks if h.in_html(m, body)]


def probe(c, route, unit=None, acc=None, book=None, json=True, marks=()):
    """Try one route as client c on one foreign unit/account/record. Returns a list of violations."""
    method, tmpl, fields, allowed, echo = route
    values = {"unit": unit["id"] if unit else "", "acc": acc["id"] if acc else "",
              "uname": acc["username"] if acc else ""}
    for k in (x.strip("{}") for x in BOOK_KEYS):
        values[k] = book[k] if book else ""
    path = tmpl.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in values.items()})
    if method == "GET":
        r = c.get(path, json=json)
    else:
        f = {k: str(v).format(**values) for k, v in fields().items()}
        r = c.post(path, f, json=json)
    where = "%s %s as %s (%s)" % (method, path, c.user, "json" if json else "html")
    out = []
    if r.status not in allowed:
        out.append("%s: status %d, allowed %s: %s" % (where, r.status, allowed, r.text[:200]))
    strip = [c.csrf] + ([values[echo]] if echo else [])
    found = leaks(body_text(r), marks, strip)
    if found:
        out.append("%s: status %d shows another unit's data: %s" % (where, r.status, found))
    if r.status == 200 and json and echo:
        j = r.json()
        theirs = [e for e in j.get("entries", []) if e.get("username") == acc["username"]]
        mine = visible_unit_ids(c.user)
        theirs += [a for a in j.get("accounts", []) if a.get("unit_id") not in mine]
        codes = set(u["code"] for u in city["units"] if u["id"] in mine)
        theirs += [x for x in j.get("hits", []) if x.get("unit_code") not in codes]
        if theirs:
            out.append("%s: lists %d rows of another unit: %r" % (where, len(theirs), theirs[:2]))
    return out


def visible_unit_ids(username):
    mine = actor_path(username)
    return set(i for i, p in city["paths"].items() if p.startswith(mine))


def target_kind(route):
    """"book" (a record or batch), "unit" or "acc": what the route's placeholders name."""
    text = route[1] + (str(route[2]()) if route[2] else "")
    if any(k in text for k in BOOK_KEYS):
        return "book"
    return "unit" if "{unit}" in text else "acc"


def run_probes(username, json):
    c = clients[username]
    units, accounts, books = foreign(username)
    assert units and accounts and books, "no foreign targets for %s" % username
    marks = markers(units, accounts, books)
    marks_labels = sorted(set(marks) | set(label_marks(books)))
    targets = {"unit": units, "acc": accounts, "book": books}
    bad = []
    probes = 0
    kinds = {"unit": 0, "acc": 0, "book": 0}
    for route in ROUTES:
        kind = target_kind(route)
        kinds[kind] += 1
        for t in targets[kind]:
            bad += probe(c, route, json=json, marks=marks_labels if route[1].startswith("/labels") else marks,
                         **{kind: t})
            probes += 1
    for page in LIST_PAGES:
        r = c.get(page, json=json)
        if page == "/" and r.status == 303 and r.header("Location") == "/me" and username in READERS:
            pass   # a reader's home is My library
        elif r.status not in (200, 403):
            bad.append("GET %s as %s: status %d" % (page, username, r.status))
        found = leaks(r.text, marks, [c.csrf])
        if found:
            bad.append("GET %s as %s (%s) shows another unit's data: %s" % (page, username,
                                                                           "json" if json else "html", found))
    # Every route was tried on every target: 30 routes take a unit (8 the registers', 1 the stock's), 7 an
    # account, 56 a record (or the job of its school's librarian, its charge, its readers, its copies
    # at the desk, its hold, its break), and those each feature appends (ROUTES +=): counted from
    # ROUTES, so each feature's block merges without editing the totals.
    want = {k: sum(1 for r in ROUTES if target_kind(r) == k) for k in ("unit", "acc", "book")}
    assert want["unit"] >= 30 and want["acc"] == 7 and want["book"] >= 56, "routes by target: %r" % want
    assert kinds == want, "routes by target: %r" % kinds
    assert probes == want["unit"] * len(units) + 7 * len(accounts) + want["book"] * len(books), \
        "only %d probes ran" % probes
    return bad


def snapshot():
    return srv.db_snapshot(audit_ignore=("login.", "logout"), extra=CATALOG_TABLES)


def check_actor(username):
    before = snapshot()
    bad = run_probes(username, json=True) + run_probes(username, json=False)
    h.assert_unchanged(before, snapshot(), "%s's probes" % username)
    assert not bad, "%d tenant violations for %s:\n  %s" % (len(bad), username, "\n  ".join(bad[:25]))
    h.assert_healthy(srv)


def test_every_tenant_route_is_probed():
    """A route added to routes.c that takes an id or touches accounts, units or the audit log must
    be added to ROUTES or LIST_PAGES above; this test fails until it is."""
    with open(os.path.join(h.ROOT, "src", "web", "routes.c"), encoding="utf-8") as f:
        table = re.findall(r'\{\s*"(GET|POST)",\s*"([^"]+)",\s*page_\w+', f.read())
    assert len(table) >= 15, "could not read the route table of routes.c: %r" % table
    covered = set()
    for method, tmpl, fields, _, _ in ROUTES:
        path = tmpl.split("?")[0]
        for k in ("{unit}", "{acc}") + BOOK_KEYS:
            path = path.replace(k, ":id")
        covered.add((method, path))
    covered |= set(("GET", p.split("?")[0]) for p in LIST_PAGES)
    covered |= set((m, p) for m, p, _ in HOME_WRITES)
    covered |= set((m, t.split("?")[0].replace("{bib}", ":id").replace("{work}", ":id")) for m, t, _, _ in PUBLIC_ROUTES)
    missing = [(m, p) for m, p in table
               if (":id" in p or re.match(r"/(accounts|units|audit)\b", p)) and (m, p) not in covered]
    assert not missing, "routes of routes.c no tenant probe tries: %r" % missing


# One test per actor, so the report says who can see too much.

def test_librarian_th001_stays_in_its_school():
    check_actor("thuthu.th001")


def test_leader_th001_stays_in_its_school():
    check_actor("bgh.th001")


def test_reader_th001_stays_in_its_school():
    check_actor("bandoc.th001")


def test_reader_with_a_card_th001_stays_in_its_school():
    check_actor(READER)


def test_school_admin_th001_stays_in_its_school():
    check_actor("quantri.th001")


def test_office2_admin_stays_in_its_district():
    check_actor("phong2.admin")


def test_office2_inspector_stays_in_its_district():
    check_actor("phong2.chuyenvien")


def test_foreign_id_answers_like_a_missing_id():
    """Another school's account is "not found", exactly like an id that does not exist: the
    answer must not tell which ids exist elsewhere."""
    c = clients["quantri.th001"]
    other = h.json_find(city["accounts"], username="thuthu.thcs001")["id"]
    for suffix, fields in (("", None), ("/disable", {}), ("/reset", {"password": "Mat-khau-xam-nhap-2026"})):
        if fields is None:
            a, b = c.get("/accounts/%d%s" % (other, suffix)), c.get("/accounts/999999%s" % suffix)
        else:
            a = c.post("/accounts/%d%s" % (other, suffix), fields)
            b = c.post("/accounts/999999%s" % suffix, fields)
        ea, eb = h.expect_error(a, 404), h.expect_error(b, 404)
        assert ea == eb, "foreign id and missing id answer differently: %r vs %r" % (ea, eb)
    ua = h.expect_error(c.get("/units/%d" % srv.unit("THCS001")["id"]), 404)
    ub = h.expect_error(c.get("/units/999999"), 404)
    assert ua == ub, "foreign unit and missing unit answer differently: %r vs %r" % (ua, ub)


def test_school_admin_lists_only_its_school():
    c = clients["quantri.th001"]
    th = srv.unit("TH001")
    path = th["path"]
    accs = h.expect_status(c.get("/accounts"), 200).json()
    in_db = srv.sql("SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id "
                    "WHERE u.path LIKE %s ORDER BY a.username" % h.sql_str(path + "%"))
    assert sorted(a["username"] for a in accs["accounts"]) == [x["username"] for x in in_db], \
        "accounts list %r is not TH001's %r" % ([a["username"] for a in accs["accounts"]], in_db)
    assert accs["total"] == len(in_db)
    assert all(a["unit_code"] == "TH001" for a in accs["accounts"]), accs
    units = h.expect_status(c.get("/units"), 200).json()["units"]
    in_db = srv.sql("SELECT id FROM units WHERE path LIKE %s" % h.sql_str(path + "%"))
    assert sorted(u["id"] for u in units) == sorted(x["id"] for x in in_db), "units list %r" % units
    audit = h.expect_status(c.get("/audit"), 200).json()["entries"]
    in_db = srv.sql("SELECT id FROM audit WHERE unit_path LIKE %s ORDER BY id DESC LIMIT 50" % h.sql_str(path + "%"))
    assert [e["id"] for e in audit] == [x["id"] for x in in_db], \
        "audit list %r is not TH001's %r" % ([e["id"] for e in audit], [x["id"] for x in in_db])
    assert audit, "TH001's audit log is empty (the demo and the logins should be in it)"
    # The office admin of district 3 sees its district: PGD03 and LC001, nothing of district 1.
    c2 = clients["phong2.admin"]
    codes = sorted(u["code"] for u in h.expect_status(c2.get("/units"), 200).json()["units"])
    assert codes == ["LC001", "PGD03"], "phong2.admin's units: %r" % codes
    accs = h.expect_status(c2.get("/accounts"), 200).json()["accounts"]
    assert sorted(set(a["unit_code"] for a in accs)) == ["LC001", "PGD03"], accs
    assert len(accs) == 6, "expected 2 + 4 accounts, got %r" % [a["username"] for a in accs]


def test_roles_without_admin_rights_see_no_lists():
    for user in ("thuthu.th001", "bgh.th001", "bandoc.th001", "phong2.chuyenvien"):
        c = clients[user]
        for page in ("/accounts", "/audit", "/accounts/new"):
            h.expect_error(c.get(page), 403, "err.forbidden")
    h.expect_error(clients["bandoc.th001"].get("/units"), 403, "err.forbidden")
    # Everyone reads their own account, and only that one.
    for user in ("thuthu.th001", "bandoc.th001"):
        me = srv.account(user)["id"]
        j = h.expect_status(clients[user].get("/accounts/%d" % me), 200).json()
        assert j["account"]["username"] == user and j["manage"] is False, j
    colleague = srv.account("bgh.th001")["id"]
    h.expect_error(clients["thuthu.th001"].get("/accounts/%d" % colleague), 404)


# --- positive controls: the same checks do fail when access is granted ----------------------------

def test_librarian_cannot_read_or_add_copies_to_another_schools_record():
    """thuthu.th001 and THCS001's record: "not found" exactly like a missing one, and nothing
    written, whichever batch the copies name."""
    c = clients["thuthu.th001"]
    book = h.json_find(city["books"], code="THCS001")
    before = snapshot()
    a = h.expect_error(c.get("/catalog/%d" % book["bib"]), 404)
    assert a == h.expect_error(c.get("/catalog/999999"), 404), "a foreign record answers unlike a missing one"
    a = h.expect_error(c.get("/acquisitions/%d" % book["acq"]), 404)
    assert a == h.expect_error(c.get("/acquisitions/999999"), 404), "a foreign batch answers unlike a missing one"
    for fields in ({"count": "1"}, {"count": "1", "acquisition_id": "0"},
                   {"count": "3", "acquisition_id": str(book["acq"])},
                   {"count": "3", "acquisition_id": str(book["auto_acq"])}):
        a = h.expect_error(c.post("/catalog/%d/copies" % book["bib"], fields), 404)
        b = h.expect_error(c.post("/catalog/999999/copies", fields), 404)
        assert a == b, "copies for a foreign record answer unlike a missing one: %r vs %r" % (a, b)
    h.assert_unchanged(before, snapshot(), "TH001's librarian at THCS001's record")
    items = srv.sql_value("SELECT COUNT(*) AS n FROM items WHERE biblio_id = %d" % book["bib"])
    assert items == 2, "THCS001's record has %d copies" % items


def test_writes_without_an_id_stay_home():
    """A new batch or record names no id; a unit_id in the form is ignored: the librarian's land
    in its own school, everyone else is refused, and no other school's data changes."""
    th = h.json_find(city["units"], code="TH001")["id"]
    before = snapshot()
    landed = []
    for username in ACTORS:
        c = clients[username]
        units, _, _ = foreign(username)
        for method, path, fields in HOME_WRITES:
            for u in units:
                f = {k: str(v).format(unit=u["id"]) for k, v in fields().items()}
                r = c.post(path, f)
                if username == "thuthu.th001":
                    h.expect_status(r, 201)
                    j = r.json()
                    landed.append((path, j["biblio"]["id"] if "biblio" in j else j["id"]))
                else:
                    h.expect_error(r, 403, "err.catalog.write")
    assert landed, "the librarian wrote nothing"
    for path, new_id in landed:
        table = "biblios" if path.startswith("/catalog") else "acquisitions"
        unit = srv.sql_value("SELECT unit_id FROM %s WHERE id = %d" % (table, new_id))
        assert unit == th, "%s %d landed in unit %r, not TH001 (%d)" % (table, new_id, unit, th)
    # Nothing of another unit changed: the new rows are all TH001's.
    after = snapshot()
    for t in CATALOG_TABLES:
        col = 0 if t == "accession_counters" else 1     # where the row's unit_id is
        new = set(after[t]) - set(before[t])
        gone = set(before[t]) - set(after[t])
        assert not gone or t == "accession_counters", "%s rows changed: %r" % (t, sorted(gone, key=repr)[:3])
        others = [row for row in new | gone if row[col] != th]
        assert not others, "%s: rows of another unit written: %r" % (t, others[:3])
    for t in ("units", "accounts"):
        assert before[t] == after[t], "%s changed" % t
    audit = srv.sql("SELECT unit_id, action FROM audit WHERE id > %d AND action NOT LIKE 'login.%%'"
                    % max(row[0] for row in before["audit"]))
    assert audit and all(a["unit_id"] == th for a in audit), "audit rows of another unit: %r" % audit


def test_control_office1_admin_sees_th001_so_the_probe_would_flag_it():
    c = clients["phong1.admin"]
    th = srv.unit("TH001")
    accs = h.expect_status(c.get("/accounts?unit=%d" % th["id"]), 200).json()["accounts"]
    assert "thuthu.th001" in [a["username"] for a in accs], accs
    target = h.json_find(city["accounts"], username="thuthu.th001")
    unit = h.json_find(city["units"], code="TH001")
    marks = markers([unit], [target])
    bad = probe(c, ROUTES[5], acc=target, marks=marks)     # GET /accounts/{acc}
    assert any("status 200" in b for b in bad) and any("thuthu.th001" in b for b in bad), \
        "the probe did not notice phong1.admin reading TH001's account: %r" % bad
    bad = probe(c, ROUTES[0], unit=unit, json=False, marks=marks)   # GET /units/{unit}
    assert any("Lê Ngọc Hân" in b for b in bad), "the probe missed a unit page: %r" % bad
    # THCS001's record and batch, which phong1.admin may read: the catalogue probes flag them.
    book = h.json_find(city["books"], code="THCS001")
    marks = markers([], [], [book])
    for tmpl in ("/catalog/{bib}", "/acquisitions/{acq}", "/catalog?q={btitle}", "/catalog?q={barcode}"):
        route = next(r for r in ROUTES if r[1] == tmpl)
        for json in (True, False):
            bad = probe(c, route, book=book, json=json, marks=marks)
            assert bad, "the probe missed phong1.admin reading %s (%s)" % (tmpl, json)
    # And its librarian really can add copies to it, with either batch (the probes' fields work).
    lib = clients["thuthu.thcs001"]
    n = srv.sql_value("SELECT COUNT(*) AS n FROM items WHERE biblio_id = %d" % book["bib"])
    for route in (r for r in ROUTES if r[1] == "/catalog/{bib}/copies"):
        f = {k: v.format(acq=book["acq"]) for k, v in route[2]().items()}
        h.expect_redirect(lib.post("/catalog/%d/copies" % book["bib"], f))
    assert srv.sql_value("SELECT COUNT(*) AS n FROM items WHERE biblio_id = %d" % book["bib"]) == n + 2


def test_control_office1_admin_prints_thcs001_labels_so_the_probe_would_flag_it():
    """phong1.admin may print THCS001's labels: every label probe flags it, by status and by the
    school's name and accession numbers read out of the PDF (or the preview)."""
    c = clients["phong1.admin"]
    book = h.json_find(city["books"], code="THCS001")
    unit = h.json_find(city["units"], code="THCS001")
    marks = sorted(set(markers([unit], [], [book])) | set(label_marks([book])))
    routes = [r for r in ROUTES if r[1].startswith("/labels")]
    assert len(routes) == 8, routes
    for route in routes:
        kind = target_kind(route)
        target = {"unit": unit, "book": book}[kind]
        for json in (True, False):
            if json and route[1].startswith("/labels/preview"):
                continue        # the preview's JSON: the same data, checked as HTML
            bad = probe(c, route, json=json, marks=marks, **{kind: target})
            if route[1] == "/labels?batch={acq}":    # the empty batch: a blank sheet, status only
                assert any("status 200" in b for b in bad), "probe missed %s: %r" % (route[1], bad)
                continue
            spine = "kind=spine" in route[1]      # spine labels carry no school name
            assert any("status 200" in b for b in bad) and (spine or any(unit["name"] in b for b in bad)) and \
                any(book["accessions"][0] in b for b in bad), \
                "the probe missed phong1.admin printing %s (%s): %r" % (route[1], json, bad)


def test_control_school_admin_can_disable_its_librarian():
    c = clients["quantri.th001"]
    target = srv.account("thuthu.th001")["id"]
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    h.expect_redirect(c.post("/accounts/%d/disable" % target), "/accounts/%d?ok=disabled" % target)
    after = srv.db_snapshot(audit_ignore=("login.", "logout"))
    diff = h.snapshot_diff(before, after)
    assert "accounts" in diff and "account.disable" in diff, "the snapshot did not see the change: %r" % diff
    assert srv.account("thuthu.th001")["disabled"] == 1
    h.expect_redirect(c.post("/accounts/%d/enable" % target), "/accounts/%d?ok=enabled" % target)
    assert srv.account("thuthu.th001")["disabled"] == 0
    clients["thuthu.th001"] = h.logged_in(srv, "thuthu.th001")   # its session ended with the disable


def test_control_attack_fields_are_valid_in_ones_own_school():
    """The forms the probes post are refused for scope only: the same fields work at home."""
    c = clients["quantri.th001"]
    th = srv.unit("TH001")["id"]
    units_route, accounts_route = ROUTES[3], ROUTES[4]
    f = {k: str(v).format(unit=th) for k, v in units_route[2]().items()}
    r = c.post("/units", f)
    h.expect_status(r, 201)
    assert srv.sql("SELECT id FROM units WHERE code = %s" % h.sql_str(f["code"])), "unit not created"
    f = {k: str(v).format(unit=th) for k, v in accounts_route[2]().items()}
    h.expect_status(c.post("/accounts", f), 201)
    assert srv.account(f["username"])["unit_id"] == th
    # And phong2.admin, outside TH001, is refused the very same fields.
    f = {k: str(v).format(unit=th) for k, v in accounts_route[2]().items()}
    h.expect_error(clients["phong2.admin"].post("/accounts", f), 404)


def test_copycat_union_shows_titles_and_counts_never_copies():
    """Copy cataloguing's union search shows a librarian the titles the city's schools hold, which
    schools and how many copies (by design), but never a copy's barcode or accession number nor a
    batch's supplier; its import (no Z39.50 target here) writes nothing anywhere; other roles are
    refused."""
    before = snapshot()
    books = city["books"]
    c = clients["thuthu.th001"]
    for b in books:
        j = h.expect_status(c.get("/copycat", query={"q": b["btitle"]}), 200).json()
        t = h.json_find(j["union"], title=b["btitle"])
        assert sum(x["copies"] for x in t["holdings"]) >= 2
        assert t["own_id"] is None
        for json in (True, False):
            r = c.get("/copycat", query={"q": b["btitle"]}, json=json)
            found = leaks(r.text, label_marks(books) + [x["supplier"] for x in books], [c.csrf])
            assert not found, "the union search shows copies or batches: %s" % found
    unit = h.json_find(city["units"], code="THCS001")["id"]
    h.expect_error(c.post("/copycat/import", {"unit_id": str(unit), "target": "x", "q": "a", "n": "1"}), 400)
    for username in ACTORS[1:]:
        h.expect_error(clients[username].get("/copycat", query={"q": books[0]["btitle"]}), 403)
        h.expect_error(clients[username].post("/copycat/import", {"unit_id": str(unit), "target": "x", "q": "a",
                                                                   "n": "1"}), 403)
    h.assert_unchanged(before, snapshot(), "copycat probes")


def test_control_circ_charges_show_and_settle_at_home():
    """The circulation probes would flag a leak: the office above THCS001 reads its charges (and
    the marker reader's name), and THCS001's own librarian settles the very charge the probes
    could not."""
    b = h.json_find(city["books"], code="THCS001")
    office1 = h.logged_in(srv, "phong1.chuyenvien")
    r = h.expect_status(office1.get("/circ/charges?unit=%d" % b["unit_id"]), 200)
    assert leaks(r.text, ["Bạn đọc mật THCS001", b["btitle"]]), "the control read none of the charge"
    lib = clients["thuthu.thcs001"]
    h.expect_status(lib.post("/circ/charges/%d/settle" % b["charge"], {"how": "paid"}), 200)
    h.expect_error(lib.post("/circ/charges/%d/settle" % b["charge"], {"how": "paid"}), 409)


# --- the public catalogue (pages_opac.c) ----------------------------------------------------------------
# Its pages are public: another school's record, its MARC view and its union work are readable by
# anyone, logged in or not (unless the school closed its catalogue to anonymous visitors), so a
# foreign id is not "not found" there. What the tenant rule means for them: they show the record,
# never what belongs to the school's people or its books' handling: no reader's name or card
# number (both copies of each target record are on loan to a teacher of its school, and a hold
# waits for another), no barcode, no supplier; and the one write, the school's switch of anonymous
# access, cannot touch another school. (method, path, form, allowed statuses)
PUBLIC_ROUTES = [
    ("GET", "/opac/records/{bib}", None, (200,)),
    ("GET", "/opac/records/{bib}/marc", None, (200,)),
    ("GET", "/opac/works/{work}", None, (200,)),
    ("GET", "/opac?q={btitle}", None, (200,)),
    ("POST", "/opac/settings", lambda: {"open": "0", "unit": "{unit}"}, (403, 404)),
]


def public_marks(b):
    """What a public page must never show of a target school: its people and its copies' handling."""
    code = b["code"]
    return [b["pname"], b["pcode"], b["supplier"], "Bạn đọc mật " + code, "Giáo viên %s 1" % code,
            "Giáo viên %s 2" % code, "GV-%s-1" % code, "GV-%s-2" % code] + b["barcodes"]


def test_public_catalogue_shows_no_people_and_switches_only_its_school():
    before = snapshot()
    bad = []
    anonymous = h.Client(srv)
    anonymous.user = "(anonymous)"
    for username in ACTORS + [None]:
        c = clients[username] if username else anonymous
        units = foreign(username)[0] if username else [u for u in city["units"] if u["code"] in TARGET_UNITS]
        for b in city["books"]:
            work = srv.sql_value("SELECT work_id FROM biblios WHERE id = %d" % b["bib"])
            assert work, "the OPAC's sync has not attached record %d" % b["bib"]
            for method, tmpl, fields, allowed in PUBLIC_ROUTES:
                for u in (units if "{unit}" in str(fields and fields()) else [None]):
                    values = {"bib": b["bib"], "work": work, "btitle": b["btitle"], "unit": u["id"] if u else ""}
                    path = tmpl.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in values.items()})
                    for as_json in (True, False):
                        if method == "GET":
                            r = c.get(path, json=as_json)
                        else:
                            r = c.post(path, {k: v.format(**values) for k, v in fields().items()}, json=as_json)
                        who = "%s %s as %s (%s)" % (method, path, c.user, "json" if as_json else "html")
                        if username is None and method == "POST":
                            allowed_here = (303, 401)
                        else:
                            allowed_here = allowed
                        if r.status not in allowed_here:
                            bad.append("%s: status %d, allowed %s" % (who, r.status, allowed_here))
                        found = leaks(r.text, public_marks(b), [c.csrf])
                        if found:
                            bad.append("%s shows %s" % (who, found))
    h.assert_unchanged(before, snapshot(), "the public catalogue's probes")
    assert not bad, "%d violations:\n  %s" % (len(bad), "\n  ".join(bad[:25]))
    # Positive control: the same marks are found where they belong (the school's own desk page).
    own = clients["thuthu.th001"]
    b = h.json_find(city["books"], code="THCS001")
    lib = h.logged_in(srv, "thuthu.thcs001")
    r = h.expect_status(lib.get("/circ/holds?biblio=%d" % b["bib"], json=False), 200)
    assert leaks(r.text, public_marks(b), [lib.csrf]), "the control page shows none of the marks"
    assert own.user == "thuthu.th001"


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
