#!/usr/bin/env python3
"""gen-stats-triggers.py: writes src/db/migrations/0018_stats_triggers.sql, the triggers that keep
the counter tables of 0017 (docs/ARCHITECTURE.md, "Counters").

Both backends run the same counting statements (the shared SQL: INSERT ... ON CONFLICT DO UPDATE,
NEW./OLD. references); only the wrapping differs (SQLite: CREATE TRIGGER ... WHEN ... BEGIN ... END;
PostgreSQL: a plpgsql function per table and CREATE TRIGGER ... WHEN). Writing them from one
generator keeps the two backends' definitions identical; the definitions themselves are those of
src/stats/stats.h (STAT_*), which the rebuild and verify use, and tests/unit/test_stats.c proves the
two agree after every kind of operation. Run it after changing a definition:

    python3 scripts/gen-stats-triggers.py > src/db/migrations/0018_stats_triggers.sql
"""

ON_HAND = "{I}status NOT IN ('withdrawn', 'lost')"
KCLASS = "CASE WHEN substr({B}class_number, 1, 1) BETWEEN '0' AND '9' THEN substr({B}class_number, 1, 1) ELSE '' END"
VALUE = "CASE WHEN {I}price > 0 THEN {I}price ELSE {B}price END"
SY = ("CASE WHEN substr({d}, 6, 2) >= '08' THEN substr({d}, 1, 4) || '-' || CAST(CAST(substr({d}, 1, 4) AS INTEGER) + 1 AS TEXT) "
      "ELSE CAST(CAST(substr({d}, 1, 4) AS INTEGER) - 1 AS TEXT) || '-' || substr({d}, 1, 4) END")

BACK = {
    'sqlite': dict(TODAYM="strftime('%Y-%m', 'now', '+7 hours')",
                   VNMONTH="strftime('%Y-%m', {x} + 25200, 'unixepoch')",
                   DIFF="{a} IS NOT {b}"),
    'postgresql': dict(TODAYM="to_char(now() AT TIME ZONE 'UTC' + INTERVAL '7 hours', 'YYYY-MM')",
                       VNMONTH="to_char(to_timestamp({x} + 25200) AT TIME ZONE 'UTC', 'YYYY-MM')",
                       DIFF="{a} IS DISTINCT FROM {b}"),
}


def upsert(table, keys, counts, select):
    ks = ", ".join(keys)
    cs = ", ".join(counts)
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return (f"INSERT INTO {table} ({ks}, {cs})\n    {select}\n"
            f"    ON CONFLICT ({ks}) DO UPDATE SET {sets};")


def grouped(keyexprs, keys, countexprs, frm):
    """SELECT the keys and summed counts of the rows of frm, grouped (one row per key)."""
    inner = ", ".join(f"{e} AS {k}" for e, k in zip(keyexprs, keys))
    inner += ", " + ", ".join(f"{e} AS n{j}" for j, e in enumerate(countexprs))
    outer = ", ".join(keys) + ", " + ", ".join(f"SUM(n{j})" for j in range(len(countexprs)))
    return f"SELECT {outer} FROM (SELECT {inner}\n      {frm}) x WHERE 1 = 1 GROUP BY {', '.join(keys)}"


def item_stmts(ctx, sign, back):
    """The statements adding (sign '1') or removing ('-1') the contribution of a set of copies.
    ctx: I, B, A, W (column prefixes of the copy, its record, its batch, its withdrawal), FROM
    (the rows: FROM ... WHERE ...)."""
    b = BACK[back]
    I, B, A, W, frm = ctx['I'], ctx['B'], ctx['A'], ctx['W'], ctx['FROM']
    f = dict(I=I, B=B)
    onhand = ON_HAND.format(**f)
    value = VALUE.format(**f)
    src = f"COALESCE({A}source, '')"
    fund = f"COALESCE({A}funding, '')"
    month_in = f"substr(COALESCE({I}entered, {A}received, {b['VNMONTH'].format(x=I + 'created_at')}), 1, 7)"
    month_wd = f"substr(COALESCE({W}approved_day, {b['TODAYM']}), 1, 7)"
    out = []
    out.append(upsert("stat_holdings", ["unit_id", "doc_type", "kclass", "language", "source", "funding"],
                      ["copies", "value"],
                      grouped([I + "unit_id", B + "doc_type", KCLASS.format(**f), B + "language", src, fund],
                              ["unit_id", "doc_type", "kclass", "language", "source", "funding"],
                              [sign, f"{sign} * ({value})"], f"{frm} AND {onhand}")))
    # stat_title_copies: doc_type and unit follow the latest change (a regroup removes, then adds)
    out.append(f"INSERT INTO stat_title_copies (biblio_id, unit_id, doc_type, copies)\n    "
               + grouped([I + "biblio_id", I + "unit_id", B + "doc_type"], ["biblio_id", "unit_id", "doc_type"],
                         [sign], f"{frm} AND {onhand}")
               + "\n    ON CONFLICT (biblio_id) DO UPDATE SET copies = stat_title_copies.copies + excluded.copies, "
                 "unit_id = excluded.unit_id, doc_type = excluded.doc_type;")
    fk = ["unit_id", "month", "event", "doc_type", "source", "funding"]
    for event, month, cond in (("in", month_in, "1 = 1"),
                               ("withdrawn", month_wd, f"{I}status = 'withdrawn'"),
                               ("lost", b['TODAYM'], f"{I}status = 'lost'")):
        out.append(upsert("stat_stock_flows", fk, ["copies", "value"],
                          grouped([I + "unit_id", month, f"'{event}'", B + "doc_type", src, fund], fk,
                                  [sign, f"{sign} * ({value})"], f"{frm} AND {cond}")))
    return out


def item_ctx(R):
    return dict(I=R + ".", B="b.", A="a.", W="w.",
                FROM=(f"FROM biblios b LEFT JOIN acquisitions a ON a.id = {R}.acquisition_id "
                      f"LEFT JOIN withdrawals w ON w.id = {R}.withdrawal_id WHERE b.id = {R}.biblio_id"))


def biblio_ctx(R):
    return dict(I="i.", B=R + ".", A="a.", W="w.",
                FROM=("FROM items i LEFT JOIN acquisitions a ON a.id = i.acquisition_id "
                      f"LEFT JOIN withdrawals w ON w.id = i.withdrawal_id WHERE i.biblio_id = {R}.id"))


def acq_ctx(R):
    return dict(I="i.", B="b.", A=R + ".", W="w.",
                FROM=("FROM items i JOIN biblios b ON b.id = i.biblio_id "
                      f"LEFT JOIN withdrawals w ON w.id = i.withdrawal_id WHERE i.acquisition_id = {R}.id"))


def loan_stmts(R, sign, back, full):
    """full: the loan's whole contribution (insert); else its open loan only (update)."""
    out = []
    if full:
        out.append(upsert("stat_loans", ["unit_id", "month", "loan_kind", "patron_kind", "class_name", "grade",
                                         "doc_type", "kclass"], ["loans"],
                          f"SELECT {R}.unit_id, substr({R}.out_day, 1, 7), {R}.kind, {R}.patron_kind, {R}.class_name, "
                          f"{R}.grade, {R}.doc_type, {R}.kclass, {sign} WHERE 1 = 1"))
    out.append(upsert("stat_open_loans", ["unit_id", "due", "patron_kind"], ["loans"],
                      f"SELECT {R}.unit_id, {R}.due, {R}.patron_kind, {sign} WHERE {R}.returned_at IS NULL"))
    return out


def activity_upsert(R, at, src, day):
    sy = SY.format(d=f"{R}.{day}")
    earlier = ("(excluded.first_at < stat_patron_years.first_at OR (excluded.first_at = stat_patron_years.first_at "
               "AND (excluded.first_src < stat_patron_years.first_src OR (excluded.first_src = stat_patron_years.first_src "
               "AND excluded.first_id < stat_patron_years.first_id))))")
    return ("INSERT INTO stat_patron_years (patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id)\n"
            f"    SELECT {R}.patron_id, {sy}, {R}.unit_id, {R}.patron_kind, {R}.class_name, {R}.{at}, {src}, {R}.id "
            f"WHERE {R}.patron_id IS NOT NULL\n"
            "    ON CONFLICT (patron_id, school_year) DO UPDATE SET unit_id = excluded.unit_id, patron_kind = excluded.patron_kind, "
            "class_name = excluded.class_name, first_at = excluded.first_at, first_src = excluded.first_src, "
            f"first_id = excluded.first_id WHERE {earlier};")


def use_stmts(R, sign):
    return [upsert("stat_uses", ["unit_id", "month", "patron_kind", "class_name", "doc_type"], ["visits", "uses"],
                   f"SELECT {R}.unit_id, substr({R}.day, 1, 7), {R}.patron_kind, {R}.class_name, {R}.doc_type, "
                   f"{sign}, {sign} * {R}.count WHERE 1 = 1")]


def use_delete_activity():
    sy = SY.format(d="OLD.day")
    sy_l = SY.format(d="l.out_day")
    sy_u = SY.format(d="u.day")
    return [
        f"DELETE FROM stat_patron_years WHERE patron_id = OLD.patron_id AND school_year = {sy} "
        "AND first_src = 1 AND first_id = OLD.id;",
        "INSERT INTO stat_patron_years (patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id)\n"
        "    SELECT patron_id, school_year, unit_id, patron_kind, class_name, at, src, id FROM (\n"
        f"      SELECT l.patron_id, {sy_l} AS school_year, l.unit_id, l.patron_kind, l.class_name, l.out_at AS at, 0 AS src, l.id\n"
        f"        FROM loans l WHERE l.patron_id = OLD.patron_id AND {sy_l} = {sy}\n"
        "      UNION ALL\n"
        f"      SELECT u.patron_id, {sy_u}, u.unit_id, u.patron_kind, u.class_name, u.at, 1, u.id\n"
        f"        FROM library_uses u WHERE u.patron_id = OLD.patron_id AND u.id <> OLD.id AND {sy_u} = {sy}\n"
        "    ) x WHERE 1 = 1 ORDER BY at, src, id LIMIT 1\n"
        "    ON CONFLICT (patron_id, school_year) DO NOTHING;",
    ]


def patron_stmts(R, sign, back, readers=True, flows=True):
    b = BACK[back]
    out = []
    if readers:
        out.append(upsert("stat_readers", ["unit_id", "patron_kind", "class_name", "grade"], ["readers"],
                          f"SELECT {R}.unit_id, {R}.kind, {R}.class_name, COALESCE({R}.grade, 0), {sign} "
                          f"WHERE {R}.status = 'active'"))
    if flows:
        out.append(upsert("stat_reader_flows", ["unit_id", "month", "patron_kind"], ["registered"],
                          f"SELECT {R}.unit_id, {b['VNMONTH'].format(x=R + '.created_at')}, {R}.kind, {sign} WHERE 1 = 1"))
    return out


def active_stmts(R, sign):
    return [upsert("stat_active", ["unit_id", "school_year", "patron_kind", "class_name"], ["readers"],
                   f"SELECT {R}.unit_id, {R}.school_year, {R}.patron_kind, {R}.class_name, {sign} WHERE 1 = 1")]


def titles_stmts(R, sign):
    return [upsert("stat_titles", ["unit_id", "doc_type"], ["titles"],
                   f"SELECT {R}.unit_id, {R}.doc_type, {sign} WHERE {R}.copies > 0")]


def diff(back, cols, cls=None):
    d = BACK[back]['DIFF']
    parts = [d.format(a=f"OLD.{c}", b=f"NEW.{c}") for c in cols]
    if cls:
        parts.insert(0, cls)
    return " OR ".join(parts)


ITEM_CLASS = ("(CASE OLD.status WHEN 'withdrawn' THEN 1 WHEN 'lost' THEN 2 ELSE 0 END) <> "
              "(CASE NEW.status WHEN 'withdrawn' THEN 1 WHEN 'lost' THEN 2 ELSE 0 END)")

# (name, table, event, when-columns or None, old statements fn, new statements fn)
def triggers(back):
    T = []
    T.append(("stat_items_ins", "items", "INSERT", None, None, lambda: item_stmts(item_ctx("NEW"), "1", back)))
    T.append(("stat_items_del", "items", "DELETE", None, lambda: item_stmts(item_ctx("OLD"), "-1", back), None))
    T.append(("stat_items_upd", "items", "UPDATE",
              diff(back, ["unit_id", "price", "biblio_id", "acquisition_id", "entered", "withdrawal_id"], ITEM_CLASS),
              lambda: item_stmts(item_ctx("OLD"), "-1", back), lambda: item_stmts(item_ctx("NEW"), "1", back)))
    T.append(("stat_biblios_upd", "biblios", "UPDATE", diff(back, ["doc_type", "class_number", "language", "price"]),
              lambda: item_stmts(biblio_ctx("OLD"), "-1", back), lambda: item_stmts(biblio_ctx("NEW"), "1", back)))
    T.append(("stat_acquisitions_upd", "acquisitions", "UPDATE", diff(back, ["source", "funding", "received"]),
              lambda: item_stmts(acq_ctx("OLD"), "-1", back), lambda: item_stmts(acq_ctx("NEW"), "1", back)))
    T.append(("stat_loans_upd", "loans", "UPDATE",
              diff(back, ["unit_id", "due", "patron_kind"], "(OLD.returned_at IS NULL) <> (NEW.returned_at IS NULL)"),
              lambda: loan_stmts("OLD", "-1", back, False), lambda: loan_stmts("NEW", "1", back, False)))
    T.append(("stat_uses_ins", "library_uses", "INSERT", None, None,
              lambda: use_stmts("NEW", "1") + [activity_upsert("NEW", "at", 1, "day")]))
    T.append(("stat_uses_del", "library_uses", "DELETE", None,
              lambda: use_stmts("OLD", "-1") + use_delete_activity(), None))
    T.append(("stat_patrons_ins", "patrons", "INSERT", None, None, lambda: patron_stmts("NEW", "1", back)))
    T.append(("stat_patrons_del", "patrons", "DELETE", None, lambda: patron_stmts("OLD", "-1", back), None))
    T.append(("stat_patrons_upd", "patrons", "UPDATE", diff(back, ["unit_id", "status", "kind", "class_name", "grade"]),
              lambda: patron_stmts("OLD", "-1", back, flows=False), lambda: patron_stmts("NEW", "1", back, flows=False)))
    T.append(("stat_patrons_upd_flow", "patrons", "UPDATE", diff(back, ["unit_id", "kind", "created_at"]),
              lambda: patron_stmts("OLD", "-1", back, readers=False), lambda: patron_stmts("NEW", "1", back, readers=False)))
    T.append(("stat_title_copies_ins", "stat_title_copies", "INSERT", None, None, lambda: titles_stmts("NEW", "1")))
    T.append(("stat_title_copies_del", "stat_title_copies", "DELETE", None, lambda: titles_stmts("OLD", "-1"), None))
    T.append(("stat_title_copies_upd", "stat_title_copies", "UPDATE",
              diff(back, ["unit_id", "doc_type"], "(OLD.copies > 0) <> (NEW.copies > 0)"),
              lambda: titles_stmts("OLD", "-1"), lambda: titles_stmts("NEW", "1")))
    T.append(("stat_patron_years_ins", "stat_patron_years", "INSERT", None, None, lambda: active_stmts("NEW", "1")))
    T.append(("stat_patron_years_del", "stat_patron_years", "DELETE", None, lambda: active_stmts("OLD", "-1"), None))
    T.append(("stat_patron_years_upd", "stat_patron_years", "UPDATE",
              diff(back, ["unit_id", "school_year", "patron_kind", "class_name"]),
              lambda: active_stmts("OLD", "-1"), lambda: active_stmts("NEW", "1")))
    return T


LOAN_FACTS_SQLITE = [
    "UPDATE loans SET grade = COALESCE((SELECT p.grade FROM patrons p WHERE p.id = NEW.patron_id), 0),\n"
    "    kclass = COALESCE((SELECT " + KCLASS.format(B="b.") + " FROM biblios b WHERE b.id = NEW.biblio_id), '')\n"
    "    WHERE id = NEW.id;",
]


def indent(stmts, pad):
    return "\n".join(pad + line for s in stmts for line in s.split("\n"))


def emit(marker, text):
    return "\n".join(marker + line if line else marker.rstrip() for line in text.split("\n"))


def sqlite_part():
    out = []
    for name, table, ev, when, old, new in triggers('sqlite'):
        stmts = (old() if old else []) + (new() if new else [])
        w = f" WHEN {when}" if when else ""
        out.append(f"CREATE TRIGGER {name} AFTER {ev} ON {table} FOR EACH ROW{w}\nBEGIN\n{indent(stmts, '    ')}\nEND;")
    # loans: counted from NEW when the insert gave the lending facts (grade >= 0, the desk);
    # else the facts are filled in by an UPDATE, and the loan is counted by that update.
    count = ["INSERT INTO stat_loans (unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, kclass, loans)\n"
             "    SELECT NEW.unit_id, substr(NEW.out_day, 1, 7), NEW.kind, NEW.patron_kind, NEW.class_name, NEW.grade, "
             "NEW.doc_type, NEW.kclass, 1 WHERE 1 = 1\n"
             "    ON CONFLICT (unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, kclass) "
             "DO UPDATE SET loans = stat_loans.loans + excluded.loans;"]
    stmts = count + loan_stmts("NEW", "1", 'sqlite', False) + [activity_upsert("NEW", "out_at", 0, "out_day")]
    out.append(f"CREATE TRIGGER stat_loans_ins AFTER INSERT ON loans FOR EACH ROW WHEN NEW.grade >= 0\nBEGIN\n{indent(stmts, '    ')}\nEND;")
    out.append(f"CREATE TRIGGER stat_loans_fill AFTER INSERT ON loans FOR EACH ROW WHEN NEW.grade < 0\nBEGIN\n{indent(LOAN_FACTS_SQLITE, '    ')}\nEND;")
    stmts = count + loan_stmts("NEW", "1", 'sqlite', False) + [activity_upsert("NEW", "out_at", 0, "out_day")]
    out.append(f"CREATE TRIGGER stat_loans_filled AFTER UPDATE OF grade ON loans FOR EACH ROW WHEN OLD.grade < 0 AND NEW.grade >= 0\nBEGIN\n{indent(stmts, '    ')}\nEND;")
    return emit("-- sqlite: ", "\n".join(out))


def pg_part():
    out = []
    for name, table, ev, when, old, new in triggers('postgresql'):
        body = []
        if old:
            body += old()
        if new:
            body += new()
        w = f" WHEN ({when})" if when else ""
        out.append(f"CREATE FUNCTION {name}_f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{indent(body, '    ')}\n"
                   f"    RETURN NULL;\nEND $$;\n"
                   f"CREATE TRIGGER {name} AFTER {ev} ON {table} FOR EACH ROW{w} EXECUTE FUNCTION {name}_f();")
    # loans: a BEFORE trigger completes the lending facts in the row itself, then counts
    body = ["IF NEW.grade < 0 THEN",
            "    NEW.grade := COALESCE((SELECT p.grade FROM patrons p WHERE p.id = NEW.patron_id), 0);",
            "    NEW.kclass := COALESCE((SELECT " + KCLASS.format(B="b.") + " FROM biblios b WHERE b.id = NEW.biblio_id), '');",
            "END IF;"]
    body += loan_stmts("NEW", "1", 'postgresql', True) + [activity_upsert("NEW", "out_at", 0, "out_day")]
    out.append("CREATE FUNCTION stat_loans_ins_f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
               f"{indent(body, '    ')}\n    RETURN NEW;\nEND $$;\n"
               "CREATE TRIGGER stat_loans_ins BEFORE INSERT ON loans FOR EACH ROW EXECUTE FUNCTION stat_loans_ins_f();")
    return emit("-- postgresql: ", "\n".join(out))


HEADER = """-- 0018: the triggers that keep the counters of 0017 (docs/ARCHITECTURE.md, "Counters").
--
-- GENERATED by scripts/gen-stats-triggers.py from the definitions of src/stats/stats.h: edit the
-- generator, not this file. Every change to a copy, record, intake batch, loan, in-library use or
-- reader updates the counters in the same statement, hence the same transaction, on both
-- backends; `thuvien stats rebuild` recomputes them from these rows and `thuvien stats verify`
-- compares. Updates are "old out, new in" (the old row's contribution removed, the new one's
-- added), guarded by WHEN so an update that changes nothing counted (a loan going out changes a
-- copy's status from available to on_loan, the OPAC sync sets biblios.loans) costs nothing.
--
-- A loan keeps the reader's grade and its record's class (kclass) as they were when it was made,
-- as it keeps the class and the document type (0008): promotions and re-cataloguing do not move
-- past loans. Existing loans take today's values. The desk (circ.c) writes them in its INSERT; a
-- loan inserted without them (grade -1) gets them from the trigger.
--
-- stat_patron_years records each reader's FIRST activity of a school year (the earliest by time,
-- then loans before uses, then id) and the kind and class it was made in; stat_active is the
-- count of those rows, kept by triggers on stat_patron_years. Deleting an in-library use that was
-- a reader's first activity moves the attribution to the next one (or removes the reader).
--
-- Not counted by triggers because no code does it: editing a loan's lending facts (out_day, kind,
-- reader, type), deleting loans, editing a use, changing an approved withdrawal's day. A rebuild
-- recounts them.
ALTER TABLE loans ADD COLUMN grade INTEGER NOT NULL DEFAULT -1;
ALTER TABLE loans ADD COLUMN kclass TEXT NOT NULL DEFAULT '';
UPDATE loans SET grade = COALESCE((SELECT p.grade FROM patrons p WHERE p.id = loans.patron_id), 0),
    kclass = COALESCE((SELECT """ + KCLASS.format(B="b.") + """ FROM biblios b WHERE b.id = loans.biblio_id), '');
-- The desk's counters on SQLite are WITHOUT ROWID tables: the key is the table, so a loan's
-- upsert reads and writes one B-tree instead of two (bench/lending.sh). They are empty here.
-- sqlite: DROP TABLE stat_loans;
-- sqlite: CREATE TABLE stat_loans (unit_id BIGINT NOT NULL, month TEXT NOT NULL, loan_kind TEXT NOT NULL,
-- sqlite:     patron_kind TEXT NOT NULL, class_name TEXT NOT NULL, grade INTEGER NOT NULL, doc_type TEXT NOT NULL,
-- sqlite:     kclass TEXT NOT NULL, loans BIGINT NOT NULL DEFAULT 0,
-- sqlite:     PRIMARY KEY (unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, kclass)) WITHOUT ROWID;
-- sqlite: DROP TABLE stat_open_loans;
-- sqlite: CREATE TABLE stat_open_loans (unit_id BIGINT NOT NULL, due TEXT NOT NULL, patron_kind TEXT NOT NULL,
-- sqlite:     loans BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (unit_id, due, patron_kind)) WITHOUT ROWID;
-- sqlite: DROP TABLE stat_patron_years;
-- sqlite: CREATE TABLE stat_patron_years (patron_id BIGINT NOT NULL, school_year TEXT NOT NULL,
-- sqlite:     unit_id BIGINT NOT NULL DEFAULT 0, patron_kind TEXT NOT NULL DEFAULT '', class_name TEXT NOT NULL DEFAULT '',
-- sqlite:     first_at BIGINT NOT NULL DEFAULT 0, first_src INTEGER NOT NULL DEFAULT 0, first_id BIGINT NOT NULL DEFAULT 0,
-- sqlite:     PRIMARY KEY (patron_id, school_year)) WITHOUT ROWID;
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN unit_id BIGINT NOT NULL DEFAULT 0;
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN patron_kind TEXT NOT NULL DEFAULT '';
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN class_name TEXT NOT NULL DEFAULT '';
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN first_at BIGINT NOT NULL DEFAULT 0;
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN first_src INTEGER NOT NULL DEFAULT 0;
-- postgresql: ALTER TABLE stat_patron_years ADD COLUMN first_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX stat_patron_years_unit ON stat_patron_years (unit_id);
CREATE INDEX stat_title_copies_unit ON stat_title_copies (unit_id);
CREATE INDEX library_uses_patron ON library_uses (patron_id) WHERE patron_id IS NOT NULL;
"""

def fill(back):
    """The counters of the rows already there when the migration runs (the same statements as the
    triggers, over every row; stat_titles and stat_active follow by their triggers)."""
    b = BACK[back]
    ctx = dict(I="i.", B="b.", A="a.", W="w.",
               FROM=("FROM items i JOIN biblios b ON b.id = i.biblio_id LEFT JOIN acquisitions a ON a.id = i.acquisition_id "
                     "LEFT JOIN withdrawals w ON w.id = i.withdrawal_id WHERE 1 = 1"))
    out = item_stmts(ctx, "1", back)
    lk = ["unit_id", "month", "loan_kind", "patron_kind", "class_name", "grade", "doc_type", "kclass"]
    out.append(upsert("stat_loans", lk, ["loans"],
                      grouped(["l.unit_id", "substr(l.out_day, 1, 7)", "l.kind", "l.patron_kind", "l.class_name", "l.grade",
                               "l.doc_type", "l.kclass"], lk, ["1"], "FROM loans l WHERE 1 = 1")))
    out.append(upsert("stat_open_loans", ["unit_id", "due", "patron_kind"], ["loans"],
                      grouped(["l.unit_id", "l.due", "l.patron_kind"], ["unit_id", "due", "patron_kind"], ["1"],
                              "FROM loans l WHERE l.returned_at IS NULL")))
    uk = ["unit_id", "month", "patron_kind", "class_name", "doc_type"]
    out.append(upsert("stat_uses", uk, ["visits", "uses"],
                      grouped(["u.unit_id", "substr(u.day, 1, 7)", "u.patron_kind", "u.class_name", "u.doc_type"], uk,
                              ["1", "u.count"], "FROM library_uses u WHERE 1 = 1")))
    rk = ["unit_id", "patron_kind", "class_name", "grade"]
    out.append(upsert("stat_readers", rk, ["readers"],
                      grouped(["p.unit_id", "p.kind", "p.class_name", "COALESCE(p.grade, 0)"], rk, ["1"],
                              "FROM patrons p WHERE p.status = 'active'")))
    fk = ["unit_id", "month", "patron_kind"]
    out.append(upsert("stat_reader_flows", fk, ["registered"],
                      grouped(["p.unit_id", b['VNMONTH'].format(x="p.created_at"), "p.kind"], fk, ["1"],
                              "FROM patrons p WHERE 1 = 1")))
    sy_l, sy_u = SY.format(d="l.out_day"), SY.format(d="u.day")
    out.append("INSERT INTO stat_patron_years (patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id)\n"
               "    SELECT patron_id, school_year, unit_id, patron_kind, class_name, first_at, first_src, first_id FROM (\n"
               "      SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.patron_id, x.school_year ORDER BY x.first_at, x.first_src, x.first_id) AS rn FROM (\n"
               f"        SELECT l.patron_id AS patron_id, {sy_l} AS school_year, l.unit_id AS unit_id, l.patron_kind AS patron_kind, "
               "l.class_name AS class_name, l.out_at AS first_at, 0 AS first_src, l.id AS first_id FROM loans l\n"
               "        UNION ALL\n"
               f"        SELECT u.patron_id, {sy_u}, u.unit_id, u.patron_kind, u.class_name, u.at, 1, u.id FROM library_uses u "
               "WHERE u.patron_id IS NOT NULL) x) y WHERE rn = 1;")
    return out


if __name__ == "__main__":
    print(HEADER)
    print(sqlite_part())
    print()
    print(pg_part())
    print()
    print("-- The counters of the rows already there (a database upgraded with its data), once, through")
    print("-- the same statements over every row; `thuvien stats verify` proves them.")
    print(emit("-- sqlite: ", "\n".join(fill('sqlite'))))
    print(emit("-- postgresql: ", "\n".join(fill('postgresql'))))
