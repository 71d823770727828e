/* config.h: the server's settings, one global read-only after start-up.
 *
 * Sources, later ones winning: built-in defaults; a config file (`thuvien.conf` in the working
 * directory, or the file named by $THUVIEN_CONFIG or --config); environment variables
 * THUVIEN_<KEY in upper case>; the command line (--db, --listen, --log-level). The file is
 * `key = value` lines with `#` comments; keys are the field names below. docs/CONFIG.md lists
 * them all with their defaults.
 */
#ifndef THUVIEN_BASE_CONFIG_H
#define THUVIEN_BASE_CONFIG_H

#include <stdint.h>

#include "base/err.h"

typedef struct config {
	char listen[128];           /* HOST:PORT, default 127.0.0.1:8080 */
	char db[1024];              /* database URL: SQLite path or postgresql:// URL; default thuvien.db */
	char log_level[16];         /* debug, info (default: access log on), warn, error */
	int threads;                /* worker threads; 0 = one per core */
	int64_t max_body;           /* bytes of a request body (413 beyond); default 1 MiB */
	int64_t max_upload;         /* bytes of a file upload's body on R_UPLOAD routes; default 20 MiB */
	int64_t max_header;         /* bytes of the request line + headers (431 beyond); default 16 KiB */
	int max_connections;        /* open connections (503 beyond); default 1000 */
	int request_timeout;        /* seconds to receive a whole request (408 beyond), and idle
	                               keep-alive timeout; default 30 */
	int session_idle;           /* seconds a session lives without use; default 7200 (2 h) */
	int session_max;            /* seconds a session lives at most; default 43200 (12 h) */
	int lockout_attempts;       /* failed logins before a lock; default 5 */
	int lockout_minutes;        /* lock duration; default 15 */
	int password_min_length;    /* default 10 */
	int argon2_ops;             /* Argon2id passes (t); default 2 */
	int argon2_mem_kib;         /* Argon2id memory in KiB (m); default 19456 (19 MiB) */
	int cookie_secure;          /* 1: mark cookies Secure (behind HTTPS); default 0 */
	char copycat_targets[2048]; /* copy cataloguing's Z39.50/SRU servers: comma-separated
	                               name=host:port/database or sru:name=http://host:port/path
	                               (copycat.h); default none */
	/* The cataloguing form's classification scheme: DDC (default) or VN19 (catalog/classify.h). */
	char class_scheme[16];
	/* The author mark of a call number: how many letters, 1..10 (default 3); which part of the
	 * author's name: surname (default), given or full; diacritics kept ("Đỗ" -> "ĐỖ", the
	 * default: keep) or not ("DO": strip). */
	int author_mark_letters;
	char author_mark_part[16];
	char author_mark_diacritics[8];
	/* 1: a call number ends with the year of publication; default 0. */
	int call_number_year;
	int64_t import_async_bytes; /* an import commit of a file larger than this runs as a
	                               background job with a progress page; default 256 KiB, 0:
	                               always */
	int fines_enabled; /* 1: schools may set an overdue fine per day (circ_settings); default 0:
	                      no fines anywhere, whatever a school's row says */
} config_t;

extern config_t g_config;

/* Fill g_config with the defaults. */
void config_defaults(void);
/* Read a config file; a missing file is fine when !required. */
int config_load_file(const char *path, int required, err_t *err);
/* Apply THUVIEN_* environment variables. */
int config_load_env(err_t *err);
/* Set one key from text (file, environment, command line). ERR_INVALID for an unknown key or a
 * bad value, with the key in err->detail. */
int config_set(const char *key, const char *value, err_t *err);

#endif
