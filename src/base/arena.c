/* arena.c: the region allocator of arena.h.
 *
 * An arena is a chain of blocks; allocation bumps a pointer in the current block. When a request
 * does not fit, a new block twice the size of the last one (capped) becomes current. A request
 * bigger than half a block gets a block of its own, linked into the chain but never made current,
 * so one large string does not waste the rest of the current block. The arena header lives in
 * the first block's allocation, which arena_reset keeps: a per-request arena reused across
 * requests then costs no malloc at all in the common case.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"

#define ALIGN     16
#define MIN_BLOCK 256
#define MAX_BLOCK (1u << 20)

struct block {
	struct block *next;
	size_t cap; /* bytes of data[] */
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct arena {
	struct block *first; /* kept by arena_reset; allocated together with the arena */
	struct block *cur;   /* where small allocations bump */
	struct block *chain; /* every block but first, newest first */
	size_t next_size;    /* data size of the next regular block */
};

/* The first block sits right after the arena header, in the same allocation. */
#define HEADER_SIZE ((sizeof(struct arena) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static _Noreturn void out_of_memory(size_t n)
{
	log_error("out of memory allocating %zu bytes", n);
	abort();
}

static void *xaligned(size_t n)
{
	void *p = NULL;
	if (posix_memalign(&p, ALIGN, n) != 0)
		out_of_memory(n);
	return p;
}

/* n rounded up to ALIGN; aborts on overflow, which only a corrupt size can cause. */
static size_t round_up(size_t n)
{
	if (n > SIZE_MAX - ALIGN)
		out_of_memory(n);
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

arena_t *arena_new(size_t first_block)
{
	size_t cap = round_up(first_block < MIN_BLOCK ? MIN_BLOCK : first_block);
	if (cap > SIZE_MAX - HEADER_SIZE - sizeof(struct block))
		out_of_memory(cap);
	arena_t *a = xaligned(HEADER_SIZE + sizeof(struct block) + cap);
	a->first = (struct block *)((char *)a + HEADER_SIZE);
	a->first->next = NULL;
	a->first->cap = cap;
	a->first->used = 0;
	a->cur = a->first;
	a->chain = NULL;
	a->next_size = cap < MAX_BLOCK ? cap * 2 : cap;
	return a;
}

static void free_chain(arena_t *a)
{
	struct block *b = a->chain;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	a->chain = NULL;
}

void arena_free(arena_t *a)
{
	if (!a)
		return;
	free_chain(a);
	free(a);
}

void arena_reset(arena_t *a)
{
	free_chain(a);
	a->first->used = 0;
	a->cur = a->first;
	a->next_size = a->first->cap < MAX_BLOCK ? a->first->cap * 2 : a->first->cap;
}

static struct block *new_block(arena_t *a, size_t cap)
{
	if (cap > SIZE_MAX - sizeof(struct block))
		out_of_memory(cap);
	struct block *b = xaligned(sizeof(struct block) + cap);
	b->cap = cap;
	b->used = 0;
	b->next = a->chain;
	a->chain = b;
	return b;
}

void *arena_alloc(arena_t *a, size_t n)
{
	n = round_up(n ? n : 1);
	struct block *b = a->cur;
	if (b->cap - b->used < n) {
		if (n > a->next_size / 2) {
			b = new_block(a, n); /* its own block; cur stays where it was */
			b->used = n;
			return b->data;
		}
		b = new_block(a, a->next_size);
		a->cur = b;
		if (a->next_size < MAX_BLOCK)
			a->next_size *= 2;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void *arena_zalloc(arena_t *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

void *arena_grow(arena_t *a, void *v, size_t n, size_t *cap, size_t first, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? 2 * *cap : first;
	void *w = arena_alloc(a, ncap * size);
	if (n)
		memcpy(w, v, n * size);
	*cap = ncap;
	return w;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

/* Formats straight into the current block when the result fits (the usual case), so most calls
 * run vsnprintf once; otherwise measures, allocates and formats again. */
char *arena_vprintf(arena_t *a, const char *fmt, va_list ap)
{
	struct block *b = a->cur;
	char *dst = (char *)b->data + b->used;
	size_t avail = b->cap - b->used;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(dst, avail, fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return arena_strdup(a, "");
	}
	if ((size_t)n < avail) {
		va_end(ap2);
		b->used += round_up((size_t)n + 1); /* fits: cap and used are multiples of ALIGN */
		return dst;
	}
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
