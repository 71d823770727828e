/* arena.h: a region allocator. Everything a request builds comes from its arena and is freed at
 * once when the request ends (as nginx's pools, YAZ's NMEM), so handlers almost never free.
 *
 * Allocation never fails from the caller's view: on out-of-memory the process logs and aborts,
 * as there is no useful way to serve a request without memory.
 */
#ifndef THUVIEN_BASE_ARENA_H
#define THUVIEN_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(size_t first_block); /* release with arena_free */
void arena_free(arena_t *a);            /* frees every allocation; NULL is fine */
void arena_reset(arena_t *a);           /* forget all allocations, keep the first block */

void *arena_alloc(arena_t *a, size_t n);       /* 16-byte aligned, uninitialised */
void *arena_zalloc(arena_t *a, size_t n);      /* zeroed */
char *arena_strdup(arena_t *a, const char *s); /* NULL gives NULL */
/* Room for one more element in the growing array v of n elements of size bytes whose capacity is
 * *cap: v itself while n < *cap, else a copy in a with twice the room (first when *cap is 0) and
 * *cap updated. The old block stays in the arena. */
void *arena_grow(arena_t *a, void *v, size_t n, size_t *cap, size_t first, size_t size);
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena_t *a, const char *fmt, va_list ap);

#endif
