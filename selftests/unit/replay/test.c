// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit test of the replay window: module/replay.c compiled
 * unchanged against shim/ (included here, so that its static helpers and
 * its DEBUG self-test, naive model included, are reachable).
 *
 * Run: make run [SEED=n]. Prints KTAP, exits non-zero on failure.
 */

#include "replay.c"

#include <stdarg.h>

#include "../ktap.h"

static struct replay_test *new_test(void)
{
	struct replay_test *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	nt_replay_init(&t->r);
	return t;
}

static void new_model(struct replay_model *m, u64 base)
{
	if (!m->seen)
		m->seen = bitmap_zalloc(MODEL_BITS, GFP_KERNEL);
	if (!m->seen)
		abort();
	bitmap_zero(m->seen, MODEL_BITS);
	m->base = base;
	m->top = base;
	m->any = false;
}

/* The module's own self-test, exactly as it runs at load. */
static void test_module_selftest(void)
{
	report(nt_replay_selftest(), "nt_replay_selftest()");
}

static void test_cases(void)
{
	struct replay_test *t = new_test();
	unsigned int resets = 0, i;

	for (i = 0; i < ARRAY_SIZE(replay_cases); ++i)
		resets += replay_cases[i].expect == RESET;
	run_cases(t);
	report(!t->failures && t->checks >= 34,
	       "scripted cases: %u checks in %u windows", t->checks,
	       resets + 1);
	free(t);
}

/*
 * Every jump size that matters to the ring (within three words of each
 * multiple of a word up to three rings, and random ones beyond), from a
 * window holding a random sparse set of counters: afterwards every counter
 * from below the window's edge to past the top must get the model's answer.
 */
static void test_slide_exact(u64 *rnd)
{
	struct replay_model m = { };
	struct replay_test *t = new_test();
	unsigned int jumps = 0;
	u64 d, start, c, top;

	new_model(&m, 0);
	for (d = 1; d < 3 * RING + 4 * BPL; ++d) {
		u64 near = d % BPL;

		if (near > 3 && near < BPL - 3 && random_below(rnd, 64))
			continue;
		++jumps;
		nt_replay_init(&t->r);
		new_model(&m, 0);
		start = WIN + random_below(rnd, 4 * BPL);
		for (c = 0; c <= start; c += 1 + random_below(rnd, 96))
			expect(t, "slide fill", c, model_check(&m, c));
		expect(t, "slide start", start, model_check(&m, start));
		top = start + d;
		expect(t, "slide jump", top, model_check(&m, top));
		for (c = top - WIN - 2 * BPL; c <= top + 2 * BPL; ++c)
			expect(t, "slide probe", c, model_check(&m, c));
	}
	report(!t->failures, "slide exactness: %u jump sizes, %u checks", jumps,
	       t->checks);
	free(t);
	bitmap_free(m.seen);
}

/*
 * Long random streams against the model, from several starting points, with
 * the step mix of the module's self-test and two others: a mostly in-order
 * stream, and one that mostly reorders deep inside the window.
 */
static void test_random_streams(u64 *rnd, unsigned int streams,
				unsigned int steps)
{
	static const u64 bases[] = { 0, 1, BIG - 3, REJ - 2 * RING,
				     REJ - 5 * RING, REJ - MODEL_BITS };
	struct replay_model m = { };
	struct replay_test *t = new_test();
	u64 counter, back;
	unsigned int s, i, mix;

	for (s = 0; s < streams; ++s) {
		nt_replay_init(&t->r);
		new_model(&m, bases[s % ARRAY_SIZE(bases)]);
		mix = s % 3;
		for (i = 0; i < steps; ++i) {
			u32 dice = random_below(rnd, 100);

			model_rebase(&m);
			if (dice < (mix == 1 ? 90 : 35)) {
				counter = ahead(m.top, random_below(rnd, 3 * BPL));
			} else if (dice < (mix == 1 ? 91 : 40)) {
				counter = ahead(m.top,
						WIN + random_below(rnd, 2 * RING));
			} else if (dice < 90 || mix == 2) {
				back = random_below(rnd, WIN + 2 * BPL);
				counter = m.top - min(back, m.top - m.base);
			} else {
				back = random_below(rnd, 4);
				counter = m.top - min(back, m.top - m.base);
			}
			expect(t, "stream", counter, model_check(&m, counter));
		}
	}
	report(!t->failures, "random streams: %u streams, %u checks", streams,
	       t->checks);
	free(t);
	bitmap_free(m.seen);
}

/*
 * Several threads offer the same counters to one window, each in order, so
 * that they race on every counter and on every slide. Any thread that has
 * got past a counter offered it already, so no counter can be too old for
 * everyone: each must be accepted exactly once in total.
 */
enum { THREADS = 4, THREAD_COUNTERS = 4 * COUNTER_BITS_TOTAL * 8 };

struct race {
	struct nt_replay r;
	unsigned char accepted[THREAD_COUNTERS];
	pthread_barrier_t start;
};

static void *race_thread(void *arg)
{
	struct race *race = arg;
	u64 c;

	pthread_barrier_wait(&race->start);
	for (c = 0; c < THREAD_COUNTERS; ++c)
		if (nt_replay_counter_check(&race->r, c) == NT_REPLAY_ACCEPT)
			__atomic_add_fetch(&race->accepted[c], 1,
					   __ATOMIC_RELAXED);
	return NULL;
}

static void test_threads(void)
{
	struct race *race = calloc(1, sizeof(*race));
	pthread_t threads[THREADS];
	unsigned int bad = 0, i;

	if (!race)
		abort();
	nt_replay_init(&race->r);
	pthread_barrier_init(&race->start, NULL, THREADS);
	for (i = 0; i < THREADS; ++i)
		pthread_create(&threads[i], NULL, race_thread, race);
	for (i = 0; i < THREADS; ++i)
		pthread_join(threads[i], NULL);
	for (i = 0; i < THREAD_COUNTERS; ++i)
		bad += race->accepted[i] != 1;
	report(!bad, "%d threads racing on one window: %u counters, %u not accepted exactly once",
	       THREADS, THREAD_COUNTERS, bad);
	pthread_barrier_destroy(&race->start);
	free(race);
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5eed;
	u64 rnd = seed ? seed : 1;

	printf("KTAP version 1\n1..6\n");
	printf("# seed %llu, BITS_PER_LONG %d, window %d of %d bits\n", seed,
	       BITS_PER_LONG, COUNTER_WINDOW_SIZE, COUNTER_BITS_TOTAL);
	test_module_selftest();
	test_cases();
	report(WIN == COUNTER_BITS_TOTAL - BITS_PER_LONG &&
	       REJ == 0xffffffffffffdfffULL,
	       "constants: window %d, REJECT_AFTER_MESSAGES %#llx", WIN, REJ);
	test_slide_exact(&rnd);
	test_random_streams(&rnd, 60, 200000);
	test_threads();
	printf("# %d passed, %d failed\n", test_number - failed_tests,
	       failed_tests);
	return failed_tests ? 1 : 0;
}
