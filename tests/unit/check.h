/* check.h: the unit tests' few macros. Each test file is one program with a main() that calls
 * its test functions through RUN(); it prints one line per failed check and ends with
 * "N passed, N failed" for its file. Exit status is non-zero when anything failed.
 *
 *     static void test_fold(void) { CHECK_STR(text_fold(a, "Đại"), "dai"); }
 *     int main(void) { RUN(test_fold); return check_summary("text"); }
 */
#ifndef THUVIEN_TESTS_CHECK_H
#define THUVIEN_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed, check_current_failed;
static const char *check_current = "";

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "  FAIL %s (%s:%d): %s\n", check_current, __FILE__, __LINE__,        \
			        #cond);                                                                      \
			check_current_failed++;                                                              \
		}                                                                                            \
	} while (0)

#define CHECK_INT(got, want)                                                                                 \
	do {                                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                                     \
		if (g_ != w_) {                                                                              \
			fprintf(stderr, "  FAIL %s (%s:%d): %s = %lld, want %lld\n", check_current,          \
			        __FILE__, __LINE__, #got, g_, w_);                                           \
			check_current_failed++;                                                              \
		}                                                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                                                 \
	do {                                                                                                 \
		const char *g_ = (got), *w_ = (want);                                                        \
		if (!g_ || !w_ ? g_ != w_ : strcmp(g_, w_) != 0) {                                           \
			fprintf(stderr, "  FAIL %s (%s:%d): %s = \"%s\", want \"%s\"\n", check_current,      \
			        __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
			check_current_failed++;                                                              \
		}                                                                                            \
	} while (0)

#define RUN(fn)                                                                                              \
	do {                                                                                                 \
		check_current = #fn;                                                                         \
		check_current_failed = 0;                                                                    \
		fn();                                                                                        \
		if (check_current_failed) {                                                                  \
			check_failed++;                                                                      \
			fprintf(stderr, "not ok %s\n", #fn);                                                 \
		} else {                                                                                     \
			check_passed++;                                                                      \
			printf("ok %s\n", #fn);                                                              \
		}                                                                                            \
	} while (0)

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
