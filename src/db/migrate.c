/* migrate.c: schema migrations (db_migrate, db_migration_latest, db_schema_version in db.h).
 *
 * A migration is an embedded asset named `src/db/migrations/NNNN_name.sql`, written in the
 * SQL both backends share; `@ID@` stands for the backend's integer identity primary key and
 * `@BINARY@` for a byte-by-byte collation (see migration_sql). A line starting "-- sqlite: "
 * or "-- postgresql: " is a statement line for that backend only: the marker is removed on
 * that backend, and the line stays a comment on the other (0003_search.sql: FTS5, pg_trgm).
 * schema_migrations records each one applied. Migrations run one per transaction, oldest first.
 *
 * `@TEXT:path@` stands for the embedded file path (e.g. data/reports/thang.json) as an SQL string
 * literal: data kept as files in the repository (the report templates) is loaded by a migration
 * that names it, and a later migration can load a new version the same way.
 *
 * A line "-- fold: TABLE.DEST SRC [SRC...]" declares a folded column: after the migrations, every
 * row of TABLE whose DEST is '' gets text_fold() of its SRC columns joined by one space (rows need
 * an integer `id`). Folding is computed in C because the search compares it with queries folded
 * in C (text.h); SQL cannot reproduce it on either backend. The step runs on every db_migrate, so
 * rows a deployment adds or edits later (setting DEST to '') are folded at the next start.
 *
 * Two processes may migrate at once (two servers starting): each transaction first takes the
 * database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory
 * lock), then reads the version again, so the loser of the race finds the work done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "db/db.h"
#include "db/db_impl.h"

#define MIGRATION_DIR "src/db/migrations/"

/* The PostgreSQL advisory lock key migrations serialise on ("thuvien" in ASCII). */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(32765951005517166)"

#define SCHEMA_TABLE_SQL                                                                                     \
	"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "                        \
	"name TEXT NOT NULL, applied_at BIGINT NOT NULL)"

typedef struct migration {
	int version;
	char name[64]; /* "units_accounts" */
	const asset_t *asset;
} migration_t;

/* Parse an asset name "src/db/migrations/0001_units_accounts.sql". False for other assets and
 * for a migration name that does not have the NNNN_name.sql form. */
static bool parse_name(const asset_t *a, migration_t *m)
{
	size_t dirlen = strlen(MIGRATION_DIR);
	if (strncmp(a->name, MIGRATION_DIR, dirlen) != 0)
		return false;
	const char *base = a->name + dirlen;
	size_t len = strlen(base);
	if (len < 10 || strcmp(base + len - 4, ".sql") != 0 || base[4] != '_')
		return false;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		if (base[i] < '0' || base[i] > '9')
			return false;
		v = v * 10 + (base[i] - '0');
	}
	size_t nlen = len - 5 - 4;
	if (v == 0 || nlen >= sizeof m->name)
		return false;
	m->version = v;
	memcpy(m->name, base + 5, nlen);
	m->name[nlen] = '\0';
	m->asset = a;
	return true;
}

/* The migration with the lowest version above `above`, or false when there is none. */
static bool next_migration(int above, migration_t *out)
{
	size_t n = 0;
	const asset_t *list = asset_list(&n);
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		migration_t m;
		if (!parse_name(&list[i], &m) || m.version <= above)
			continue;
		if (!found || m.version < out->version) {
			*out = m;
			found = true;
		}
	}
	return found;
}

/* Two migrations with one number would leave one of them never applied (schema_migrations
 * records the number): refuse to migrate at all, naming both, so such a merge fails its first
 * test instead of a deployment. */
static int check_unique(err_t *err)
{
	size_t n = 0;
	const asset_t *list = asset_list(&n);
	for (size_t i = 0; i < n; i++) {
		migration_t m, o;
		if (!parse_name(&list[i], &m))
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (parse_name(&list[j], &o) && o.version == m.version)
				return db_fail(err, ERR_INTERNAL,
				               "migrations %04d_%s and %04d_%s share a number", m.version,
				               m.name, o.version, o.name);
	}
	return 0;
}

int db_migration_latest(void)
{
	size_t n = 0;
	const asset_t *list = asset_list(&n);
	int latest = 0;
	for (size_t i = 0; i < n; i++) {
		migration_t m;
		if (parse_name(&list[i], &m) && m.version > latest)
			latest = m.version;
	}
	return latest;
}

int db_schema_version(db_t *db, int *version, err_t *err)
{
	*version = 0;
	int64_t exists = 0, v = 0;
	/* Look before reading: on PostgreSQL a failed SELECT would abort an open transaction. */
	int rc = db_kind(db) == DB_POSTGRES
	             ? db_query_int(db, &exists, err,
	                            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE "
	                            "schemaname = current_schema() AND "
	                            "tablename = 'schema_migrations'",
	                            "")
	             : db_query_int(db, &exists, err,
	                            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
	                            "AND name = 'schema_migrations'",
	                            "");
	if (rc < 0 || !exists)
		return rc;
	rc = db_query_int(db, &v, err, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "");
	if (rc == 0)
		*version = (int)v;
	return rc;
}

/* The migration's text with the placeholders replaced for this backend. Caller frees.
 *   @ID@      the integer identity primary key
 *   @BINARY@  a byte-by-byte collation, for columns compared as ranges (unit paths): SQLite's
 *             default already is; PostgreSQL's database collation may be a locale's.
 *   @TEXT:path@  the embedded file path as a string literal ('' doubled). NULL when there is
 *             no such file, so the migration fails on its NOT NULL column rather than loading
 *             nothing.
 * A line starting with this backend's marker ("-- sqlite: ", "-- postgresql: ") loses the
 * marker; the other backend's lines are left as they are: comments. */
static char *migration_sql(db_t *db, const migration_t *m)
{
	int pg = db_kind(db) == DB_POSTGRES;
	static const struct {
		const char *name, *sqlite, *pg;
	} subst[] = {
		{ "@ID@", "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
		{ "@BINARY@", "", "COLLATE \"C\"" },
	};
	const char *marker = pg ? "-- postgresql: " : "-- sqlite: ";
	buf_t b = BUF_INIT;
	const char *p = (const char *)m->asset->data;
	while (*p) {
		if ((p == (const char *)m->asset->data || p[-1] == '\n') && strncmp(p, marker, strlen(marker)) == 0) {
			p += strlen(marker);
			continue;
		}
		if (strncmp(p, "@TEXT:", 6) == 0 && strchr(p + 6, '@')) {
			const char *end = strchr(p + 6, '@');
			char path[256];
			size_t n = (size_t)(end - p - 6);
			snprintf(path, sizeof path, "%.*s", (int)(n < sizeof path ? n : sizeof path - 1), p + 6);
			const asset_t *f = asset_find(path);
			if (!f) {
				buf_puts(&b, "NULL");
			} else {
				buf_putc(&b, '\'');
				for (size_t i = 0; i < f->len; i++) {
					char c = (char)f->data[i];
					if (c == '\'')
						buf_putc(&b, '\'');
					if (c)
						buf_putc(&b, c);
				}
				buf_putc(&b, '\'');
			}
			p = end + 1;
			continue;
		}
		size_t k = 0, nsubst = sizeof subst / sizeof subst[0];
		if (*p == '@') {
			for (; k < nsubst; k++)
				if (strncmp(p, subst[k].name, strlen(subst[k].name)) == 0)
					break;
		} else {
			k = nsubst;
		}
		if (k < nsubst) {
			buf_puts(&b, pg ? subst[k].pg : subst[k].sqlite);
			p += strlen(subst[k].name);
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

/* One transaction: lock, re-read the version, apply the next migration if there is one.
 * Returns 1 when a migration ran, 0 when the schema was already current, or an error. */
static int migrate_one(db_t *db, err_t *err)
{
	char *sql = NULL;
	int version, rc = db_begin(db, err);
	if (rc < 0)
		return rc;
	if (db_kind(db) == DB_POSTGRES && (rc = db_exec(db, err, MIGRATE_LOCK_SQL, "")) < 0)
		goto done;
	if ((rc = db_exec(db, err, SCHEMA_TABLE_SQL, "")) < 0)
		goto done;
	if ((rc = db_schema_version(db, &version, err)) < 0)
		goto done;

	migration_t m;
	if (!next_migration(version, &m)) {
		rc = db_commit(db, err);
		goto done;
	}
	sql = migration_sql(db, &m);
	if ((rc = db_exec_script(db, sql, err)) < 0) {
		if (err) {
			char detail[sizeof err->detail];
			memcpy(detail, err->detail, sizeof detail);
			snprintf(err->detail, sizeof err->detail, "migration %04d_%s: %.140s", m.version,
			         m.name, detail);
		}
		goto done;
	}
	rc = db_exec(db, err,
	             "INSERT INTO schema_migrations (version, name, applied_at) "
	             "VALUES (?, ?, ?)",
	             "isi", (int64_t)m.version, m.name, clock_now());
	if (rc < 0)
		goto done;
	rc = db_commit(db, err);
	if (rc == 0)
		rc = 1;

done:
	if (rc < 0)
		db_rollback(db);
	free(sql);
	return rc;
}

/* A fold directive: identifiers only (lower-case letters, digits, '_'), at most 6 sources. */
typedef struct fold_rule {
	char table[64], dest[64];
	char src[6][64];
	int nsrc;
} fold_rule_t;

static bool ident(const char *s, size_t n)
{
	if (n == 0 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Parse the rest of a "-- fold: " line (up to the newline). False when it is malformed. */
static bool parse_fold(const char *p, fold_rule_t *r)
{
	memset(r, 0, sizeof *r);
	int word = 0;
	while (*p && *p != '\n') {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " \n");
		if (n == 0)
			break;
		if (word == 0) {
			const char *dot = memchr(p, '.', n);
			if (!dot || !ident(p, (size_t)(dot - p)) ||
			    !ident(dot + 1, n - (size_t)(dot - p) - 1))
				return false;
			memcpy(r->table, p, (size_t)(dot - p));
			memcpy(r->dest, dot + 1, n - (size_t)(dot - p) - 1);
		} else {
			if (r->nsrc == 6 || !ident(p, n))
				return false;
			memcpy(r->src[r->nsrc++], p, n);
		}
		word++;
		p += n;
	}
	return word >= 2;
}

/* Fill one folded column (see the file comment), in one transaction. */
static int fold_fill(db_t *db, const fold_rule_t *r, err_t *err)
{
	buf_t sel = BUF_INIT, upd = BUF_INIT;
	buf_printf(&sel, "SELECT id");
	for (int i = 0; i < r->nsrc; i++)
		buf_printf(&sel, ", %s", r->src[i]);
	buf_printf(&sel, " FROM %s WHERE %s = ''", r->table, r->dest);
	buf_printf(&upd, "UPDATE %s SET %s = ? WHERE id = ?", r->table, r->dest);
	int64_t *ids = NULL;
	char **folds = NULL;
	size_t n = 0, cap = 0;
	int rc = db_begin(db, err);
	if (rc < 0)
		goto out;
	if (db_kind(db) == DB_POSTGRES && (rc = db_exec(db, err, MIGRATE_LOCK_SQL, "")) < 0)
		goto done;
	db_stmt_t *st = db_query(db, err, buf_str(&sel), "");
	if (!st) {
		rc = err->code;
		goto done;
	}
	while ((rc = db_step(st, err)) == DB_ROW) {
		buf_t text = BUF_INIT;
		for (int i = 0; i < r->nsrc; i++) {
			const char *v = db_col_text(st, i + 1);
			buf_printf(&text, "%s%s", i ? " " : "", v ? v : "");
		}
		char *f = text_fold_dup(buf_str(&text));
		buf_release(&text);
		if (!f || !*f) { /* invalid UTF-8 or nothing to fold: leave the row alone */
			free(f);
			continue;
		}
		if (n == cap) {
			size_t bigger = cap ? cap * 2 : 256;
			int64_t *ni = realloc(ids, bigger * sizeof *ids);
			ids = ni ? ni : ids;
			char **nf = ni ? realloc(folds, bigger * sizeof *folds) : NULL;
			folds = nf ? nf : folds;
			if (!ni || !nf) {
				free(f);
				rc = db_fail(err, ERR_INTERNAL, "fold %s.%s: out of memory", r->table,
				             r->dest);
				break;
			}
			cap = bigger;
		}
		ids[n] = db_col_int(st, 0);
		folds[n++] = f;
	}
	db_done(st);
	if (rc < 0)
		goto done;
	rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++)
		rc = db_exec(db, err, buf_str(&upd), "si", folds[i], ids[i]);
	if (rc >= 0)
		rc = db_commit(db, err);
done:
	if (rc < 0)
		db_rollback(db);
out:
	for (size_t i = 0; i < n; i++)
		free(folds[i]);
	free(folds);
	free(ids);
	buf_release(&sel);
	buf_release(&upd);
	return rc < 0 ? rc : 0;
}

/* Run every fold directive of the migrations applied (all of them, after db_migrate's loop). */
static int fold_all(db_t *db, err_t *err)
{
	size_t n = 0;
	const asset_t *list = asset_list(&n);
	static const char marker[] = "-- fold: ";
	for (size_t i = 0; i < n; i++) {
		migration_t m;
		if (!parse_name(&list[i], &m))
			continue;
		const char *start = (const char *)list[i].data;
		for (const char *p = start; (p = strstr(p, marker)) != NULL; p++) {
			if (p != start && p[-1] != '\n')
				continue;
			fold_rule_t r;
			if (!parse_fold(p + strlen(marker), &r))
				return db_fail(err, ERR_INTERNAL, "migration %04d_%s: bad fold line",
				               m.version, m.name);
			int rc = fold_fill(db, &r, err);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int db_migrate(db_t *db, int *applied, err_t *err)
{
	int n = 0, rc;
	if (applied)
		*applied = 0;
	if (!db)
		return db_fail(err, ERR_INTERNAL, "db_migrate: NULL connection");
	if (db_in_transaction(db))
		return db_fail(err, ERR_INTERNAL, "db_migrate: a transaction is open");
	if ((rc = check_unique(err)) < 0)
		return rc;
	while ((rc = migrate_one(db, err)) == 1) {
		n++;
		if (applied)
			*applied = n;
	}
	return rc < 0 ? rc : fold_all(db, err);
}
