// SPDX-License-Identifier: GPL-2.0
/*
 * The replay window's self-test, run at module load in DEBUG builds.
 * Included at the end of replay.c, so that it reaches that file's static
 * functions; the host unit test (selftests/unit/replay/) compiles the two
 * unchanged.
 */

#include "verdict.h"

#include <linux/slab.h>

/*
 * The self-test: scripted cases, then sweeps over the whole window, then
 * long random streams checked step by step against a naive model.
 */

#define ACCEPT NT_REPLAY_ACCEPT
#define DUP NT_REPLAY_DUPLICATE
#define OLD NT_REPLAY_TOO_OLD
#define LIMIT NT_REPLAY_EXHAUSTED
#define RESET (-1)	/* not a verdict: start a fresh window */

enum {
	WIN = COUNTER_WINDOW_SIZE,
	BPL = BITS_PER_LONG,
	RING = COUNTER_BITS_TOTAL,

	/* The naive model's span of counters, and a random stream's length. */
	MODEL_BITS = 8 * COUNTER_BITS_TOTAL,
	STREAM_STEPS = 40000,
	MAX_REPORTS = 8
};

#define REJ ((u64)REJECT_AFTER_MESSAGES)
#define BIG BIT_ULL(40)

struct replay_case {
	u64 counter;
	int expect;	/* a verdict, or RESET */
};

static const struct replay_case replay_cases[] = {
	/* A fresh window starts at 0; duplicates; out of order in a word. */
	{ 0, ACCEPT }, { 0, DUP }, { 1, ACCEPT }, { 1, DUP },
	{ 3, ACCEPT }, { 2, ACCEPT }, { 2, DUP }, { 3, DUP },
	/* Word boundaries. */
	{ BPL - 1, ACCEPT }, { BPL, ACCEPT }, { BPL - 1, DUP },
	{ BPL + 1, ACCEPT }, { 4, ACCEPT }, { BPL, DUP },
	/* Counter 0 exactly at the window's edge, then one past it. */
	{ WIN, ACCEPT }, { 0, DUP }, { 5, ACCEPT }, { WIN + 1, ACCEPT },
	{ 0, OLD }, { 1, DUP }, { 6, ACCEPT }, { 6, DUP },
	/* A jump of exactly one ring lands on the old top's bit. */
	{ WIN + 1 + RING, ACCEPT }, { WIN + 1, OLD }, { 1 + RING, ACCEPT },
	{ RING, OLD }, { WIN + RING, ACCEPT }, { WIN + RING, DUP },
	/* A jump of exactly the window. */
	{ 0, RESET }, { 0, ACCEPT }, { WIN, ACCEPT }, { 1, ACCEPT },
	{ WIN - 1, ACCEPT }, { 0, DUP }, { WIN + 1, ACCEPT }, { 0, OLD },
	{ 1, DUP }, { 2, ACCEPT },
	/* The first counter need not be 0; lower ones are in the window. */
	{ 0, RESET }, { 7, ACCEPT }, { 0, ACCEPT }, { 7, DUP }, { 0, DUP },
	/* A big jump clears everything; the window is then all new. */
	{ 0, RESET }, { 5, ACCEPT }, { BIG, ACCEPT }, { 5, OLD },
	{ BIG - 1, ACCEPT }, { BIG - WIN, ACCEPT }, { BIG - WIN - 1, OLD },
	{ BIG - WIN + 5, ACCEPT }, { BIG, DUP },
	/* The message limit: REJECT_AFTER_MESSAGES - 1 is the last one. */
	{ 0, RESET }, { REJ - 1, ACCEPT }, { REJ, LIMIT }, { REJ + 1, LIMIT },
	{ U64_MAX, LIMIT }, { REJ - 1, DUP }, { REJ - 2, ACCEPT },
	{ REJ - 1 - WIN, ACCEPT }, { REJ - 2 - WIN, OLD }, { REJ - 2, DUP },
	/* A counter past the limit never moves the window, even a fresh one. */
	{ 0, RESET }, { REJ, LIMIT }, { U64_MAX, LIMIT }, { 0, ACCEPT },
	{ U64_MAX - 1, LIMIT }, { 1, ACCEPT }, { 0, DUP },
};

/* xorshift64*: a fixed seed makes every failure reproducible. */
static u64 next_random(u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

/* A value below @bound (> 0), from 32 bits: no 64-bit division needed. */
static u32 random_below(u64 *state, u32 bound)
{
	return (u32)(next_random(state) >> 32) % bound;
}

struct replay_test {
	struct nt_replay r;
	unsigned int failures;
	unsigned int checks;
};

static void expect(struct replay_test *t, const char *what, u64 counter,
		   enum nt_replay_verdict want)
{
	enum nt_replay_verdict got = nt_replay_counter_check(&t->r, counter);

	++t->checks;
	if (likely(got == want))
		return;
	if (++t->failures <= MAX_REPORTS)
		pr_err("replay self-test, %s: counter %llu: verdict %d, expected %d\n",
		       what, counter, got, want);
}

static void run_cases(struct replay_test *t)
{
	unsigned int i;

	nt_replay_init(&t->r);
	for (i = 0; i < ARRAY_SIZE(replay_cases); ++i) {
		const struct replay_case *c = &replay_cases[i];

		if (c->expect == RESET)
			nt_replay_init(&t->r);
		else
			expect(t, "case", c->counter, c->expect);
	}
}

/* In order over three rings, each counter repeated at once and at the end. */
static void sweep_forward(struct replay_test *t)
{
	const u64 top = 3 * RING - 1;
	u64 c;

	nt_replay_init(&t->r);
	for (c = 0; c <= top; ++c) {
		expect(t, "forward", c, ACCEPT);
		expect(t, "forward repeat", c, DUP);
	}
	for (c = top - WIN; c <= top; ++c)
		expect(t, "forward window", c, DUP);
	expect(t, "forward edge", top - WIN - 1, OLD);
}

/* The top first, then every counter down to the window's edge (@top >= WIN). */
static void sweep_backward(struct replay_test *t, u64 top)
{
	u64 c;

	nt_replay_init(&t->r);
	expect(t, "backward top", top, ACCEPT);
	for (c = top; c-- > top - WIN;)
		expect(t, "backward", c, ACCEPT);
	for (c = top - WIN; c <= top; ++c)
		expect(t, "backward repeat", c, DUP);
	if (top > WIN)
		expect(t, "backward edge", top - WIN - 1, OLD);
}

/* The window's counters below the top in a random order, twice. */
static void sweep_permutation(struct replay_test *t, u64 base, u64 *rnd,
			      u32 *order)
{
	u32 i, j, tmp;
	int pass;

	nt_replay_init(&t->r);
	expect(t, "permutation top", base + WIN, ACCEPT);
	for (pass = 0; pass < 2; ++pass) {
		for (i = 0; i < WIN; ++i)
			order[i] = i;
		for (i = WIN - 1; i > 0; --i) {
			j = random_below(rnd, i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < WIN; ++i)
			expect(t, "permutation", base + order[i],
			       pass ? DUP : ACCEPT);
	}
	if (base)
		expect(t, "permutation edge", base - 1, OLD);
}

/*
 * The naive model: one bit per counter in [base, base + MODEL_BITS), the
 * highest counter accepted, and no ring. When the top nears the end of the
 * span, the span moves up by shifting the bits (model_rebase()).
 */
struct replay_model {
	unsigned long *seen;
	u64 base;
	u64 top;
	bool any;
};

static enum nt_replay_verdict model_check(struct replay_model *m, u64 counter)
{
	if (counter >= REJECT_AFTER_MESSAGES)
		return NT_REPLAY_EXHAUSTED;
	if (m->any && counter < m->top && m->top - counter > WIN)
		return NT_REPLAY_TOO_OLD;
	if (test_bit(counter - m->base, m->seen))
		return NT_REPLAY_DUPLICATE;
	__set_bit(counter - m->base, m->seen);
	if (!m->any || counter > m->top)
		m->top = counter;
	m->any = true;
	return NT_REPLAY_ACCEPT;
}

/* Keep [top - WIN - 4 * BPL, top] and drop the bits below it. */
static void model_rebase(struct replay_model *m)
{
	u64 shift;

	if (m->top - m->base <= MODEL_BITS / 2)
		return;
	shift = m->top - WIN - 4 * BPL - m->base;
	bitmap_shift_right(m->seen, m->seen, shift, MODEL_BITS);
	m->base += shift;
}

/* @step past @top, saturating at U64_MAX (which is past the limit). */
static u64 ahead(u64 top, u64 step)
{
	return top + step < top ? U64_MAX : top + step;
}

/*
 * A random stream of counters near the top: small steps forward, jumps of
 * more than a window, many counters behind the top inside and just outside
 * the window, and exact repeats, each compared with the model. The span
 * bounds: forward draws reach top + WIN + 2 * RING, under MODEL_BITS / 2.
 * Started near REJECT_AFTER_MESSAGES, the stream runs into the limit.
 */
static void sweep_random(struct replay_test *t, struct replay_model *m,
			 u64 base, u64 *rnd)
{
	u64 counter, back;
	unsigned int i;

	nt_replay_init(&t->r);
	bitmap_zero(m->seen, MODEL_BITS);
	m->base = base;
	m->top = base;
	m->any = false;
	for (i = 0; i < STREAM_STEPS; ++i) {
		model_rebase(m);
		switch (random_below(rnd, 16)) {
		case 0 ... 5:
			counter = ahead(m->top, random_below(rnd, 3 * BPL));
			break;
		case 6:
			counter = ahead(m->top, WIN + random_below(rnd, 2 * RING));
			break;
		case 7 ... 13:
			back = random_below(rnd, WIN + 2 * BPL);
			counter = m->top - min(back, m->top - m->base);
			break;
		default:
			back = random_below(rnd, 4);
			counter = m->top - min(back, m->top - m->base);
			break;
		}
		expect(t, "random", counter, model_check(m, counter));
	}
}

bool nt_replay_selftest(void)
{
	struct replay_model model = { };
	struct replay_test *t;
	u64 rnd = 0x6e6f697365747576ULL;
	u32 *order;
	bool pass;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	order = kcalloc(WIN, sizeof(*order), GFP_KERNEL);
	model.seen = bitmap_zalloc(MODEL_BITS, GFP_KERNEL);
	if (!t || !order || !model.seen) {
		pr_err("replay self-tests: out of memory\n");
		pass = false;
		goto out;
	}

	run_cases(t);
	sweep_forward(t);
	sweep_backward(t, WIN);
	sweep_backward(t, WIN + 1);
	sweep_backward(t, REJ - 1);
	sweep_permutation(t, 0, &rnd, order);
	sweep_permutation(t, BIG + 12345, &rnd, order);
	sweep_permutation(t, REJ - 1 - WIN, &rnd, order);
	sweep_random(t, &model, 0, &rnd);
	sweep_random(t, &model, BIG - 3, &rnd);
	sweep_random(t, &model, REJ - 2 * RING, &rnd);

	pass = selftest_verdict("replay", t->checks, t->failures);
out:
	bitmap_free(model.seen);
	kfree(order);
	kfree(t);
	return pass;
}
