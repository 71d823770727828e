/* counters_cost.c: the desk's cost of the report counters (migration 0018), in one process. Two
 * copies of bench/lending_gen's school, A with the counters' triggers and B with them dropped,
 * are lent from alternately: ROUNDS rounds of PAIRS checkout+return pairs through the domain
 * functions (circ_checkout, circ_return, each its own transaction), first on A then on B, so a
 * busy machine slows both alike. Prints each side's pairs per second and the ratio A/B. No HTTP:
 * the ratio is an upper bound of what the counters cost a request (bench/lending.sh measures
 * that, noisily).
 *
 *   counters_cost A.db B.db PASSWORD [ROUNDS [PAIRS]] */
#include <stdio.h>
#include <stdlib.h>

#include "accounts/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/i18n.h"
#include "circ/circ.h"
#include "db/db.h"

static int lend(db_t *db, const actor_t *who, long from, long pairs, arena_t *a)
{
	for (long i = from; i < from + pairs; i++) {
		char card[16], barcode[16];
		snprintf(card, sizeof card, "R%06ld", 1 + i % 2000);
		snprintf(barcode, sizeof barcode, "B%07ld", 1 + i % 30000);
		circ_result_t res;
		err_t err = { 0 };
		if (circ_checkout(db, who, card, 0, barcode, NULL, a, &res, &err) < 0 ||
		    circ_return(db, who, barcode, a, &res, &err) < 0) {
			fprintf(stderr, "counters_cost: pair %ld: %s %s\n", i, err.key ? err.key : "", err.detail);
			return -1;
		}
		arena_reset(a);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return fprintf(stderr, "usage: counters_cost A.db B.db PASSWORD [ROUNDS [PAIRS]]\n"), 2;
	long rounds = argc > 4 ? atol(argv[4]) : 6, pairs = argc > 5 ? atol(argv[5]) : 500;
	config_defaults();
	i18n_init();
	db_t *db[2] = { NULL, NULL };
	actor_t who[2];
	for (int k = 0; k < 2; k++) {
		err_t err = { 0 };
		session_t s;
		if (db_open(argv[1 + k], &db[k], &err) < 0 ||
		    auth_login(db[k], "thuthu.th0001", argv[3], NULL, &who[k], &s, &err) < 0)
			return fprintf(stderr, "counters_cost: %s: %s\n", argv[1 + k], err.detail), 1;
	}
	arena_t *a = arena_new(1 << 16);
	int64_t usec[2] = { 0, 0 };
	for (long r = 0; r < rounds; r++)
		for (int k = 0; k < 2; k++) {
			int64_t t0 = clock_usec();
			if (lend(db[k], &who[k], r * pairs, pairs, a) < 0)
				return 1;
			usec[k] += clock_usec() - t0;
		}
	double rate[2];
	for (int k = 0; k < 2; k++)
		rate[k] = (double)(rounds * pairs) / ((double)usec[k] / 1e6);
	printf("A %s: %.0f pairs/s; B %s: %.0f pairs/s; A/B = %.3f\n", argv[1], rate[0], argv[2], rate[1],
	       rate[0] / rate[1]);
	for (int k = 0; k < 2; k++)
		db_close(db[k]);
	arena_free(a);
	i18n_shutdown();
	return 0;
}
