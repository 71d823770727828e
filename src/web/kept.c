/* kept.c: uploads kept between an import's preview and its commit (web.h, "kept uploads").
 *
 * A kept file lives in a private directory ($TMPDIR/thuvien-import, mode 0700, ours, not a
 * symbolic link) under "<kind>-<token>", the token 256 random bits in hex. Its first line says who
 * may take it back and when it was kept: "thuvien-kept 1 <unit> <account> <session> <time>
 * <options>", then the upload's bytes follow. A file of another school, account or session is
 * answered as an unknown token; after WEB_KEPT_TTL seconds it is expired and removed. A commit
 * claims the file by renaming it first, so two commits of one preview cannot both run. Files left
 * behind are swept by the next upload.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/clock.h"
#include "web/web.h"

/* The private directory, created when missing; NULL when it is unusable. */
static const char *kept_dir(web_req_t *r)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = arena_printf(r->arena, "%s/thuvien-import", tmp && *tmp ? tmp : "/tmp");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return NULL;
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return NULL;
	return dir;
}

static bool token_ok(const char *t)
{
	if (!t || strlen(t) != WEB_KEPT_TOKEN)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Remove the kept files older than WEB_KEPT_TTL. */
static void sweep(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	int64_t now = clock_now();
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[600];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && now - (int64_t)st.st_mtime > WEB_KEPT_TTL)
			unlink(path);
	}
	closedir(d);
}

int web_kept_put(web_req_t *r, const char *kind, const char *opts, const char *data, size_t len,
                 char token[WEB_KEPT_TOKEN + 1], err_t *err)
{
	const char *dir = kept_dir(r);
	if (!dir)
		return err_set(err, ERR_INTERNAL, "err.import.store", "temp dir");
	sweep(dir);
	unsigned char raw[WEB_KEPT_TOKEN / 2];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, WEB_KEPT_TOKEN + 1, raw, sizeof raw);
	char *path = arena_printf(r->arena, "%s/%s-%s", dir, kind, token);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, ERR_INTERNAL, "err.import.store", "%s", strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return err_set(err, ERR_INTERNAL, "err.import.store", "fdopen");
	}
	fprintf(f, "thuvien-kept 1 %lld %lld %lld %lld %s\n", (long long)r->actor->unit_id,
	        (long long)r->actor->account_id, (long long)(r->session ? r->session->id : 0),
	        (long long)clock_now(), opts ? opts : "");
	fwrite(data, 1, len, f);
	if (fclose(f) != 0) {
		unlink(path);
		return err_set(err, ERR_INTERNAL, "err.import.store", "write");
	}
	return 0;
}

int web_kept_get(web_req_t *r, const char *kind, const char *token, bool claim, const char **opts, char **data,
                 size_t *len, err_t *err)
{
	*data = NULL;
	*len = 0;
	if (opts)
		*opts = "";
	const char *dir = kept_dir(r);
	if (!dir || !token_ok(token))
		return err_set(err, ERR_NOTFOUND, "err.import.notfound", NULL);
	char *path = arena_printf(r->arena, "%s/%s-%s", dir, kind, token);
	char *claimed = arena_printf(r->arena, "%s/.%s-%s", dir, kind, token);
	const char *why = "err.import.notfound";
	char *buf = NULL, head[512];
	bool owned = false;
	int rc = ERR_NOTFOUND;
	FILE *f = fopen(path, "re");
	if (!f)
		goto done;
	long long unit = 0, account = 0, session = 0, created = 0;
	int used = 0;
	if (!fgets(head, sizeof head, f) || !strchr(head, '\n') ||
	    sscanf(head, "thuvien-kept 1 %lld %lld %lld %lld %n", &unit, &account, &session, &created, &used) != 4 ||
	    used == 0)
		goto done;
	if (unit != r->actor->unit_id || account != r->actor->account_id ||
	    session != (r->session ? r->session->id : 0))
		goto done;
	owned = claim;
	if (clock_now() - created > WEB_KEPT_TTL) {
		why = "err.import.expired";
		unlink(path);
		goto done;
	}
	/* The open stream still reads the file after the rename; a second claim finds nothing. */
	if (claim && rename(path, claimed) < 0) {
		owned = false;
		goto done;
	}
	if (opts) {
		head[strcspn(head, "\n")] = 0;
		*opts = arena_strdup(r->arena, head + used);
	}
	long start = ftell(f);
	if (start < 0 || fseek(f, 0, SEEK_END) < 0)
		goto done;
	long end = ftell(f);
	if (end < start || fseek(f, start, SEEK_SET) < 0)
		goto done;
	*len = (size_t)(end - start);
	buf = malloc(*len + 1);
	if (!buf || fread(buf, 1, *len, f) != *len)
		goto done;
	buf[*len] = 0;
	*data = buf;
	buf = NULL;
	rc = 0;
done:
	if (f)
		fclose(f);
	if (owned)
		unlink(claimed);
	free(buf);
	if (rc < 0)
		*len = 0;
	return rc < 0 ? err_set(err, ERR_NOTFOUND, why, NULL) : 0;
}
