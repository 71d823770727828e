"""test_sru.py: SRU (1.2 and 2.0) at /sru (the union catalogue of the city) and /sru/<school code>.

Records are catalogued through the catalogue API by librarians of TH001 and THCS001; the server is
then searched anonymously with YAZ's own client (zoomsh) and with plain HTTP GET/POST, and the XML
answers are parsed: hits, record content (Vietnamese diacritics intact in MARCXML and Dublin
Core), diacritic-insensitive matching, paging, both protocol versions, explain, diagnostics for
bad CQL and bad parameters, the per-school scope, and that no copy barcode or reader name ever
leaves.
"""
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET

import harness as h

srv = None
fx = {}
answers = []  # every SRU body seen, for the leak check

NS12 = "http://www.loc.gov/zing/srw/"
NS20 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
MARC = "http://www.loc.gov/MARC21/slim"
DC = "http://purl.org/dc/elements/1.1/"
TITLE = "Tiếng Việt 3 & bạn đọc"
OTHER = "Lịch sử Đại Việt của trường khác"
IMPORTED = "Địa lý nhập từ Koha"


def created(c, title, **fields):
    f = {"title": title, "doc_type": "STK"}
    f.update({k: str(v) for k, v in fields.items()})
    r = c.post("/catalog", f)
    h.expect_status(r, 201)
    return r.json()["biblio"]


def setup_module():
    global srv
    srv = h.Server().start()
    th = h.logged_in(srv, "thuthu.th001")
    fx["tv"] = created(th, TITLE, authors="Nguyễn Minh Thuyết", subjects="Ngữ pháp; Tiếng Việt",
                       isbn="9780306406157", publisher="Giáo dục Việt Nam", year=2022, copies=2)
    for i in range(1, 13):
        created(th, "Truyện cổ tích số %02d" % i, authors="Tô Hoài", copies=1)
    thcs = h.logged_in(srv, "thuthu.thcs001")
    fx["other"] = created(thcs, OTHER, authors="Ngô Sĩ Liên", subjects="Lịch sử", copies=3)
    # Control characters a form may carry (not allowed in XML 1.0).
    r = th.post("/catalog", {"title": "Âm nhạc\x01 lớp\x0b 4", "doc_type": "STK", "authors": "Hoàng\x02 Long"})
    fx["ctl"] = r.status == 201
    # A MARC import whose stored record carries holdings with barcodes (952 $p, 852 $p).
    xml = ('<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">'
           '<record><leader>00000nam a2200000 a 4500</leader>'
           '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">%s</subfield></datafield>'
           '<datafield tag="500" ind1=" " ind2=" "><subfield code="a">Ghi chú công khai</subfield></datafield>'
           '<datafield tag="852" ind1=" " ind2=" "><subfield code="p">SRU-SECRET-852</subfield></datafield>'
           '<datafield tag="952" ind1=" " ind2=" "><subfield code="p">SRU-SECRET-952</subfield>'
           '<subfield code="g">45.000</subfield></datafield></record></collection>' % IMPORTED).encode()
    p = h.expect_status(h.upload(th, xml, filename="sru.xml"), 200).json()
    assert p["valid"] == 1, p
    d = h.expect_status(th.post("/catalog/import/commit", {"token": p["token"]}), 200).json()
    assert d["imported"] == 1, d


def teardown_module():
    srv.stop()


# --- helpers -------------------------------------------------------------------------------------

def get(path, status=200, method="GET", **params):
    c = h.Client(srv, json=False)
    if method == "GET":
        r = c.get(path + ("?" + urllib.parse.urlencode(params) if params else ""))
    else:
        r = c.post(path, params, csrf=False)
    assert r.status == status, h.describe(r)
    assert r.header("Content-Type", "").startswith("text/xml"), r.header("Content-Type")
    body = r.body.decode("utf-8")
    answers.append(body)
    return ET.fromstring(r.body), body


def zs(root, ns=NS12):
    assert root.tag.startswith("{%s}" % ns), root.tag
    return lambda path: root.findall(path.replace("zs:", "{%s}" % ns))


def hits(root, ns=NS12):
    return int(root.find("{%s}numberOfRecords" % ns).text)


def diag_uri(root, ns=NS12):
    d = root.find("{%s}diagnostics" % ns)
    assert d is not None, ET.tostring(root)
    uris = [e.text for e in d.iter() if e.tag.endswith("}uri")]
    assert len(uris) == 1, uris
    return uris[0]


def marc_titles(root, ns=NS12):
    out = []
    for rec in root.iter("{%s}record" % MARC):
        for df in rec.findall("{%s}datafield" % MARC):
            if df.get("tag") == "245":
                out.append("".join(sf.text or "" for sf in df.findall("{%s}subfield" % MARC)
                                   if sf.get("code") == "a"))
    return out


def zoomsh(db, *cmds, version="1.2"):
    p = subprocess.run(["zoomsh", "set sru get", "set sru_version %s" % version,
                        "connect http://127.0.0.1:%d/%s" % (srv.port, db)] + list(cmds) + ["quit"],
                       capture_output=True, timeout=h.slow(30))
    out = p.stdout.decode("utf-8") + p.stderr.decode("utf-8")
    assert p.returncode == 0, out
    answers.append(out)
    return out


# --- tests ---------------------------------------------------------------------------------------

def test_search_default_version_marcxml_diacritics_intact():
    root, body = get("/sru", query="tieng viet")
    assert root.tag == "{%s}searchRetrieveResponse" % NS12
    assert root.find("{%s}version" % NS12).text == "1.2"
    assert hits(root) == 1
    assert marc_titles(root) == [TITLE]
    assert "Tiếng Việt 3 &amp; bạn đọc" in body  # escaped, NFC, not mangled
    schema = root.find(".//{%s}recordSchema" % NS12).text
    assert schema == "info:srw/schema/1/marcxml-v1.1"
    assert root.find(".//{%s}recordPosition" % NS12).text == "1"


def test_version_2_0_namespace_and_dc():
    root, body = get("/sru", version="2.0", operation="searchRetrieve", query='dc.title="tiếng việt"',
                     recordSchema="dc")
    assert root.tag == "{%s}searchRetrieveResponse" % NS20
    assert root.find("{%s}version" % NS20).text == "2.0"
    assert hits(root, NS20) == 1
    assert root.find(".//{%s}recordXMLEscaping" % NS20).text == "xml"
    dc = {}
    for e in root.iter():
        if e.tag.startswith("{%s}" % DC):
            dc.setdefault(e.tag.split("}")[1], []).append(e.text)
    assert dc["title"] == [TITLE]
    assert dc["creator"] == ["Nguyễn Minh Thuyết"]
    assert dc["subject"] == ["Ngữ pháp", "Tiếng Việt"]
    assert dc["publisher"] == ["Giáo dục Việt Nam"]
    assert dc["date"] == ["2022"]
    assert dc["identifier"] == ["ISBN 9780306406157"]
    assert dc["language"] == ["vie"]


def test_record_packing_string():
    root, _ = get("/sru", query="tieng viet", recordPacking="string")
    data = root.find(".//{%s}recordData" % NS12)
    assert len(list(data)) == 0  # text, not elements
    rec = ET.fromstring(data.text)
    assert rec.tag == "{%s}record" % MARC
    assert TITLE.replace("&", "&amp;") in data.text


def test_field_indexes_and_isbn():
    for q, n in [("dc.creator=thuyet", 1), ("dc.creator=thuyet and bath.isbn=0306406152", 1),
                 ("bath.isbn=978-0-306-40615-7", 1), ("dc.identifier=9780306406157", 1),
                 ('dc.subject="ngu phap"', 1), ("dc.title=thuyet", 0), ("dc.creator=ngo", 1),
                 ("cql.anywhere=lich and dc.creator=lien", 1), ("dc.creator=thuyet and bath.isbn=0306406153", 0), ("bath.isbn=030640615X", 0),
                 ("truyen", 12), ("dc.title=truyen and dc.creator=hoai", 12)]:
        root, _ = get("/sru", query=q)
        assert hits(root) == n, q


def test_paging():
    root, _ = get("/sru", query="truyen co tich", maximumRecords="5")
    assert hits(root) == 12
    assert marc_titles(root) == ["Truyện cổ tích số %02d" % i for i in range(1, 6)]
    assert root.find("{%s}nextRecordPosition" % NS12).text == "6"
    root, _ = get("/sru", query="truyen co tich", maximumRecords="5", startRecord="11")
    assert marc_titles(root) == ["Truyện cổ tích số 11", "Truyện cổ tích số 12"]
    assert [e.text for e in root.iter("{%s}recordPosition" % NS12)] == ["11", "12"]
    assert root.find("{%s}nextRecordPosition" % NS12) is None
    root, _ = get("/sru", query="truyen", maximumRecords="500")  # capped at 50
    assert len(marc_titles(root)) == 12
    root, _ = get("/sru", query="truyen", maximumRecords="0")
    assert hits(root) == 12 and marc_titles(root) == []
    root, _ = get("/sru", query="truyen", startRecord="13")
    assert diag_uri(root) == "info:srw/diagnostic/1/61"


def test_scope_per_school():
    root, _ = get("/sru", query="lich su dai viet")
    assert marc_titles(root) == [OTHER]
    root, _ = get("/sru/THCS001", query="lich su dai viet")
    assert marc_titles(root) == [OTHER]
    root, _ = get("/sru/TH001", query="lich su dai viet")
    assert hits(root) == 0 and marc_titles(root) == []
    root, _ = get("/sru/TH001", query="tieng viet")
    assert hits(root) == 1
    root, _ = get("/sru/NOPE99", 404, query="tieng viet")
    assert diag_uri(root) == "info:srw/diagnostic/1/235"
    get("/sru/PGD", 404, query="x") if srv.sql("SELECT code FROM units WHERE kind <> 'school'") else None


def test_post_form():
    root, _ = get("/sru/TH001", method="POST", operation="searchRetrieve", version="1.2", query="tieng viet")
    assert marc_titles(root) == [TITLE]


def test_explain():
    for path, db in [("/sru", "sru"), ("/sru/TH001", "sru/TH001")]:
        for v, ns in [("1.2", NS12), ("2.0", NS20)]:
            root, body = get(path, version=v)
            assert root.tag == "{%s}explainResponse" % ns
            ex = root.find(".//{http://explain.z3950.org/dtd/2.0/}explain")
            assert ex is not None
            assert ex.find(".//{http://explain.z3950.org/dtd/2.0/}database").text == db
            for ix in ("dc.title", "dc.creator", "dc.subject", "bath.isbn", "cql.serverChoice"):
                assert "<title>%s</title>" % ix in body
            assert 'name="marcxml"' in body and 'name="dc"' in body
            assert '<setting type="maximumRecords">50</setting>' in body
    _, body = get("/sru/TH001", operation="explain")
    assert "Trường Tiểu học Lê Ngọc Hân" in body


def test_diagnostics():
    cases = [({"query": "(("}, 10), ({"query": "dc.foo=x"}, 16), ({"query": "a or b"}, 37),
             ({"query": "dc.title < x"}, 19), ({"query": "x", "maximumRecords": "abc"}, 6),
             ({"query": "x", "startRecord": "0"}, 6), ({"operation": "searchRetrieve"}, 7),
             ({"query": "x", "recordSchema": "mods"}, 66), ({"query": "x", "version": "3.0"}, 5),
             ({"query": "x", "recordPacking": "json"}, 71), ({"operation": "scan"}, 4),
             ({"query": "x " * 300}, 10), ({"query": " and ".join(["a"] * 9)}, 10),
             ({"query": 'dc.title any "x y"'}, 19), ({"query": "dc.title =/stem x"}, 20)]
    for params, code in cases:
        root, _ = get("/sru", **params)
        assert diag_uri(root) == "info:srw/diagnostic/1/%d" % code, params
    root, _ = get("/sru", version="2.0", query="tieng viet", recordPacking="packed")
    assert hits(root, NS20) == 1 and root.find(".//{%s}recordXMLEscaping" % NS20).text == "xml"
    root, _ = get("/sru", version="2.0", query="tieng viet", recordXMLEscaping="string")
    assert root.find(".//{%s}recordXMLEscaping" % NS20).text == "string"
    root, _ = get("/sru/NOPE99", 404, operation="explain")
    assert diag_uri(root) == "info:srw/diagnostic/1/235"
    root, _ = get("/sru", version="2.0", query="((")
    assert diag_uri(root, NS20) == "info:srw/diagnostic/1/10"


def test_zoomsh_search_and_show():
    out = zoomsh("sru", "search cql:dc.title=tieng", "show 0 1")
    assert ": 1 hits" in out
    assert TITLE.replace("&", "&amp;") in out
    out = zoomsh("sru", "search cql:\"tieng viet\"", "show 0 1", version="2.0")
    assert ": 1 hits" in out and "Nguyễn Minh Thuyết" in out
    out = zoomsh("sru", "set schema dc", "search cql:dc.creator=ngo", "show 0 1")
    assert ": 1 hits" in out and "<dc:title>%s</dc:title>" % OTHER in out
    out = zoomsh("sru", "search cql:truyen", "show 10 2")
    assert ": 12 hits" in out and "Truyện cổ tích số 11" in out and "Truyện cổ tích số 12" in out
    assert "Truyện cổ tích số 10" not in out
    out = zoomsh("sru/TH001", "search cql:\"lich su\"")
    assert ": 0 hits" in out
    out = zoomsh("sru/THCS001", "search cql:\"lich su\"", "show 0 1")
    assert ": 1 hits" in out and OTHER in out
    out = zoomsh("sru", "search cql:dc.nope=x")
    assert "info:srw/diagnostic/1:16" in out or "Unsupported index" in out


def holding_codes(root):
    return [sf.text for df in root.iter("{%s}datafield" % MARC) if df.get("tag") == "852"
            for sf in df.findall("{%s}subfield" % MARC) if sf.get("code") == "a"]


def test_stored_marc_without_holdings_union_names_school():
    root, body = get("/sru", query="dia ly koha")
    assert marc_titles(root) == [IMPORTED]
    assert "Ghi chú công khai" in body  # the stored record, not one rebuilt from the short fields
    assert "SRU-SECRET" not in body and 'tag="952"' not in body
    assert holding_codes(root) == ["TH001"]
    root, body = get("/sru/TH001", query="dia ly koha")
    assert marc_titles(root) == [IMPORTED] and holding_codes(root) == [] and "SRU-SECRET" not in body
    root, _ = get("/sru", query="lich su dai viet")
    assert holding_codes(root) == ["THCS001"]


def test_control_characters_give_well_formed_xml():
    if not fx["ctl"]:
        print("# the catalogue refused control characters: nothing to check")
        return
    for schema in ("marcxml", "dc"):
        for packing in ("xml", "string"):
            root, body = get("/sru", query="am nhac", recordSchema=schema, recordPacking=packing)
            assert hits(root) == 1, body
            assert "\x01" not in body and "\x0b" not in body and "\x02" not in body
            if packing == "string":
                ET.fromstring(root.find(".//{%s}recordData" % NS12).text)


def test_no_barcode_or_reader_data():
    # Every answer seen so far (this test runs last), and broad ones now.
    get("/sru", query="truyen", maximumRecords="50")
    get("/sru", query="lich su", recordSchema="dc")
    barcodes = [r["barcode"] for r in srv.sql("SELECT barcode FROM items") if r["barcode"]]
    assert len(barcodes) == 2 + 12 + 3 + 2 and "SRU-SECRET-952" in barcodes
    barcodes.append("SRU-SECRET-852")
    names = [r["full_name"] for r in srv.sql("SELECT full_name FROM patrons")]
    names += [r["full_name"] for r in srv.sql("SELECT full_name FROM accounts")]
    # A barcode typed as a query finds nothing (the staff search would find its record).
    root, _ = get("/sru", query=barcodes[0])
    assert hits(root) == 0
    for body in answers:
        for b in barcodes:
            assert b not in body, b
        for n in names:
            assert n not in body, n


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
