/* audit.c: the append-only audit trail (audit.h). */
#include <string.h>

#include "base/buf.h"

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"

int audit_write(db_t *db, const actor_t *actor, const char *username, int64_t unit_id, const char *unit_path,
                const char *action, const char *entity, int64_t entity_id, const char *detail, const char *ip,
                err_t *err)
{
	int rc = db_exec(db, err,
	                 "INSERT INTO audit (at, account_id, username, unit_id, unit_path, action, entity, "
	                 "entity_id, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 "iisisssiss", clock_now(), actor ? actor->account_id : 0,
	                 actor ? actor->username : username, unit_id, unit_path ? unit_path : "", action,
	                 entity, entity_id, detail, ip ? ip : actor && actor->ip[0] ? actor->ip : NULL);
	return rc < 0 ? rc : 0;
}

int audit_list(db_t *db, const actor_t *actor, const audit_filter_t *f, arena_t *a, audit_entry_t **out,
               size_t *n, err_t *err)
{
	if (!actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int limit = f && f->limit > 0 ? (f->limit > 500 ? 500 : f->limit) : 50;
	const char *action = f && f->action && *f->action ? f->action : NULL;
	const char *user = f && f->username && *f->username ? f->username : NULL;
	int64_t before = f && f->before_id > 0 ? f->before_id : INT64_MAX;
	/* One statement for every filter combination: a NULL parameter switches its test off.
	 * An action filter matches the action itself or its family ("login" matches "login.fail"). */
	char *family = NULL;
	if (action) {
		/* The family pattern: the action with LIKE's wildcards escaped, then ".%". */
		buf_t b = BUF_INIT;
		for (const char *p = action; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_puts(&b, ".%");
		family = arena_strdup(a, buf_str(&b));
		buf_release(&b);
	}
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT id, at, account_id, username, unit_id, unit_path, action, entity, entity_id, detail, ip "
	    "FROM audit WHERE unit_path >= ? AND unit_path < ? AND id < ? "
	    "AND (CAST(? AS TEXT) IS NULL OR action = ? OR action LIKE ? ESCAPE '\\') "
	    "AND (CAST(? AS TEXT) IS NULL OR username = ?) "
	    "ORDER BY id DESC LIMIT ?",
	    "ssisssssi", actor->unit_path, actor_path_end(a, actor->unit_path), before, action, action,
	    family, user, user, (int64_t)limit);
	if (!st)
		return err->code;
	audit_entry_t *v = arena_zalloc(a, (size_t)limit * sizeof *v);
	size_t cnt = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		audit_entry_t *e = &v[cnt++];
		e->id = db_col_int(st, 0);
		e->at = db_col_int(st, 1);
		e->account_id = db_col_int(st, 2);
		e->username = arena_strdup(a, db_col_text(st, 3));
		e->unit_id = db_col_int(st, 4);
		e->unit_path = arena_strdup(a, db_col_text(st, 5));
		e->action = arena_strdup(a, db_col_text(st, 6));
		e->entity = arena_strdup(a, db_col_text(st, 7));
		e->entity_id = db_col_int(st, 8);
		e->detail = arena_strdup(a, db_col_text(st, 9));
		e->ip = arena_strdup(a, db_col_text(st, 10));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = cnt;
	return 0;
}

void audit_change(arena_t *a, buf_t *b, const char *field, const char *old, const char *new_)
{
	old = old ? old : "";
	new_ = new_ ? new_ : "";
	if (!strcmp(old, new_))
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_printf(b, "%s: \"%s\" -> \"%s\"", field, text_cut(a, old, 80), text_cut(a, new_, 80));
}
