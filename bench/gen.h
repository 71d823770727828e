/* gen.h: what the benches' generators share: a deterministic xorshift generator (the same
 * sequence on every run, so a city is the same city), a 64-bit mix for per-entry choices, and
 * Vietnamese names to make readers from. */
#ifndef THUVIEN_BENCH_GEN_H
#define THUVIEN_BENCH_GEN_H

#include <stdint.h>

#define N(a) (sizeof a / sizeof a[0])

static uint64_t gen_state = 88172645463325252ull;

static inline uint64_t gen_next(void)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return gen_state;
}

/* Uniform in [0, 1). */
static inline double gen_unit(void)
{
	return (double)(gen_next() >> 11) / (double)(1ull << 53);
}

/* Uniform in [0, n), 0 when n <= 0. */
static inline long gen_below(long n)
{
	return n > 0 ? (long)(gen_next() % (uint64_t)n) : 0;
}

/* A well-spread 32 bits of x (splitmix's finaliser): the same x, the same choice. */
static inline uint32_t gen_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static const char *const gen_family[] = { "Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Huỳnh", "Phan",  "Vũ",
	                                  "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý" };
static const char *const gen_middle[] = { "Văn", "Thị", "Minh",  "Ngọc",  "Thanh",
	                                  "Gia", "Bảo", "Hoàng", "Khánh", "Anh" };
static const char *const gen_given[] = { "An",    "Bình", "Châu", "Dũng", "Giang", "Hà",   "Hải",
	                                 "Hạnh",  "Hùng", "Khoa", "Lan",  "Linh",  "Long", "Mai",
	                                 "Minh",  "Nam",  "Ngân", "Phúc", "Quân",  "Tâm",  "Thảo",
	                                 "Trang", "Tú",   "Vy",   "Yến" };

#endif
