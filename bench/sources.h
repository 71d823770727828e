/* sources.h: the real records of bench/sources.sh ("title<TAB>authors<TAB>publisher" lines) read
 * into memory, for the generators of the search benches (search_gen.c, opac_gen.c). Lines without
 * the three fields, with an empty title, or not in UTF-8 are skipped. */
#ifndef THUVIEN_BENCH_SOURCES_H
#define THUVIEN_BENCH_SOURCES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

typedef struct {
	char *title, *authors, *publisher;
} source_t;

/* The records of path (malloc'ed, kept for the program's life), their number in *n; NULL when the
 * file cannot be read. */
static inline source_t *read_sources(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1024, cnt = 0;
	source_t *v = malloc(cap * sizeof *v);
	char *line = NULL;
	size_t len = 0;
	while (v && getline(&line, &len, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		char *t = line, *a = strchr(t, '\t'), *p = a ? strchr(a + 1, '\t') : NULL;
		if (!a || !p || !*t || !text_valid_utf8(t, strlen(t)))
			continue;
		*a++ = 0;
		*p++ = 0;
		if (cnt == cap) {
			source_t *w = realloc(v, (cap *= 2) * sizeof *v);
			if (!w)
				break; /* the records read so far */
			v = w;
		}
		v[cnt++] = (source_t){ strdup(t), strdup(a), strdup(p) };
	}
	free(line);
	fclose(f);
	*n = cnt;
	return v;
}

/* The check digit of the ISBN-13 whose first 12 digits are out[0..12), written at out[12] with
 * the NUL after it: the generators' made-up ISBNs are valid ones. */
static inline void isbn13_finish(char out[14])
{
	int sum = 0;
	for (int k = 0; k < 12; k++)
		sum += (out[k] - '0') * (k % 2 ? 3 : 1);
	out[12] = (char)('0' + (10 - sum % 10) % 10);
	out[13] = 0;
}

/* Free what read_sources returned. */
static inline void free_sources(source_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].title);
		free(v[i].authors);
		free(v[i].publisher);
	}
	free(v);
}

#endif
