/* log.h: the server's log, to standard error, one line per event.
 *
 * Lines look like `2026-11-25T16:13:47Z INFO  message`. The access log is its own call so a
 * deployment can switch it off (log level "warn") without losing errors.
 */
#ifndef THUVIEN_BASE_LOG_H
#define THUVIEN_BASE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

void log_set_level(enum log_level lv);
enum log_level log_get_level(void);
/* Parse "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *s);

void log_msg(enum log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* One access-log line: method, path, status, microseconds. Written at level info. */
void log_access(const char *method, const char *path, int status, long long usec);

#endif
