/*
 * ac.c - Aho-Corasick automaton compiled to a DFA over byte classes: dense
 * rows for the shallow states, one link record for the deep ones.
 *
 * Building phase: ng_ac_add() only records (folded) pattern bytes.  The
 * work happens in ng_ac_build():
 *
 *   1. Byte classes.  Every byte that occurs in some folded pattern gets a
 *      class of its own, all other bytes share class 0, and A-Z share the
 *      class of a-z.  A phrase table of English error messages needs about
 *      40 classes instead of 256, so a row of the table is small.
 *   2. Trie.  Patterns are inserted into a trie kept as child/sibling
 *      lists, so that memory for the tables is taken only for the states
 *      that exist.
 *   3. Failure links, breadth first over the trie.
 *   4. Outputs.  Each state's output list is its own patterns followed by the
 *      outputs of its failure state, flattened into one array.
 *   5. Dense or sparse.  Text spends most of its bytes in the first levels
 *      of the trie, where states branch; deeper, a state is nearly always
 *      one link in the chain of a single phrase.  The first levels, and any
 *      deeper state that branches, get a dense row: a copy of the failure
 *      state's row with the state's own trie edges put back, so a missing
 *      transition leads where the failure links would in one table load.
 *      Every other state is sparse: its one trie edge and its failure state,
 *      which always has a dense row, so it costs at most two loads.  A
 *      phrase table of thousands of phrases then needs a few hundred rows
 *      instead of ten thousand: less memory to build and fault in at start,
 *      and less to keep in the cache while scanning.
 *   6. Numbering.  Dense states come first, so "number < dense states" picks
 *      the path.  Table entries are 16-bit state values: the number and a
 *      flag for "has outputs", which the scan tests without touching memory.
 *
 * After a successful build the object is never written again, which is what
 * makes concurrent scans safe.  All sizes are overflow-checked; every
 * allocation failure returns -1 and leaves the object as it was.
 */
#include "util/ac.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* States are 16-bit numbers: the tables stay small enough for the cache.
 * Phrase tables of this project use a few thousand. */
#define NG_AC_STATES_MAX 32767
#define NG_AC_OUT        0x8000u /* flag in a state value: the state has outputs */
#define NG_AC_IDX        0x7fffu /* the state's number in a state value */

/* Trie depth up to which every state gets a dense row.  Deeper states are
 * mostly links of single phrases; they are kept sparse (see struct
 * ng_ac_link) unless they branch. */
#define NG_AC_DENSE_DEPTH 3

/* A sparse state: at most one trie edge (on class cls, to child), every
 * other byte goes where its failure state fail, which has a dense row, goes.
 * cls is NG_AC_NOCLASS for a leaf.  child is a state value. */
struct ng_ac_link {
	uint16_t cls;
	uint16_t child;
	uint16_t fail;
};
#define NG_AC_NOCLASS 0xffffu

struct ng_ac {
	/* Building phase: patterns, folded, concatenated. */
	unsigned char *pbytes; /* all patterns back to back */
	size_t pbytes_len, pbytes_cap;
	size_t *poff;  /* start of pattern i in pbytes; poff[npat] = end */
	uint32_t *pid; /* caller's id of pattern i */
	size_t npat, pcap;

	/* Built automaton. */
	bool built;
	uint16_t nclass;          /* row length */
	uint8_t cls[256];         /* byte -> class */
	uint16_t *delta;          /* ndense * nclass entries: next state values */
	struct ng_ac_link *links; /* per sparse state (numbers ndense and up) */
	uint32_t ndense;          /* states with a dense row: numbers 0 .. ndense-1 */
	uint32_t *out_off;        /* per state: [k] .. [k+1] in out_ids */
	uint32_t *out_ids;        /* flattened output lists */
	size_t nstates;
};

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* a * b without overflow, into *r; false on overflow. */
static bool mul_ok(size_t a, size_t b, size_t *r)
{
	if (b != 0 && a > SIZE_MAX / b)
		return false;
	*r = a * b;
	return true;
}

ng_ac *ng_ac_new(void)
{
	ng_ac *ac = calloc(1, sizeof(*ac));
	if (ac == NULL)
		return NULL;
	ac->poff = malloc(sizeof(*ac->poff));
	if (ac->poff == NULL) {
		free(ac);
		return NULL;
	}
	ac->poff[0] = 0;
	return ac;
}

int ng_ac_add(ng_ac *ac, const char *pat, size_t len, uint32_t id)
{
	if (ac == NULL || ac->built || pat == NULL || len == 0)
		return -1;
	if (len > SIZE_MAX - ac->pbytes_len || ac->npat >= UINT32_MAX - 1)
		return -1;
	if (ac->pbytes_len + len > ac->pbytes_cap) {
		size_t cap = ac->pbytes_cap ? ac->pbytes_cap : 256;
		while (cap < ac->pbytes_len + len) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		unsigned char *nb = realloc(ac->pbytes, cap);
		if (nb == NULL)
			return -1;
		ac->pbytes = nb;
		ac->pbytes_cap = cap;
	}
	if (ac->npat == ac->pcap) {
		size_t cap = ac->pcap ? ac->pcap * 2 : 32, sz;
		if (!mul_ok(cap + 1, sizeof(size_t), &sz))
			return -1;
		size_t *no = realloc(ac->poff, sz);
		if (no == NULL)
			return -1;
		ac->poff = no;
		if (!mul_ok(cap, sizeof(uint32_t), &sz))
			return -1;
		uint32_t *ni = realloc(ac->pid, sz);
		if (ni == NULL)
			return -1;
		ac->pid = ni;
		ac->pcap = cap;
	}
	for (size_t i = 0; i < len; i++)
		ac->pbytes[ac->pbytes_len + i] = fold((unsigned char)pat[i]);
	ac->pbytes_len += len;
	ac->pid[ac->npat] = id;
	ac->npat++;
	ac->poff[ac->npat] = ac->pbytes_len;
	return 0;
}

/* Scratch state of one build; freed whatever happens. */
struct build {
	uint32_t *rootrow; /* per class: the root's child, 0 = none */
	uint32_t *fail;    /* per state */
	uint32_t *queue;   /* BFS order */
	uint32_t *own;     /* per state: first own pattern + 1, 0 = none */
	uint32_t *next;    /* per pattern: next own pattern of the same state + 1 */
	uint32_t *cnt;     /* per state: flattened output count */
	uint8_t *depth;    /* per state: trie depth, capped at 255 */
	uint8_t *dense;    /* per state: 1 if it gets a dense row */
	uint32_t *newid;   /* per state: renumbered id */
	uint32_t *child;   /* per state: first trie child + 1, 0 = none */
	uint32_t *sib;     /* per state: next sibling + 1, 0 = none */
	uint16_t *ccls;    /* per state: the class on its incoming trie edge */
	size_t nc;         /* classes: the row length */
	uint32_t n;        /* states */
	size_t qt;         /* states in queue[] */
	uint32_t nout;     /* states with outputs */
	size_t total;      /* all output entries */
};

static void build_free(struct build *b)
{
	free(b->rootrow);
	free(b->fail);
	free(b->queue);
	free(b->own);
	free(b->next);
	free(b->cnt);
	free(b->depth);
	free(b->dense);
	free(b->newid);
	free(b->child);
	free(b->sib);
	free(b->ccls);
}

/* The trie child of state s on class c, or 0. */
static uint32_t find_child(const struct build *b, uint32_t s, uint16_t c)
{
	for (uint32_t k = b->child[s]; k != 0; k = b->sib[k - 1])
		if (b->ccls[k - 1] == c)
			return k - 1;
	return 0;
}

static int build_classes(ng_ac *ac)
{
	bool used[256] = {false};
	for (size_t i = 0; i < ac->pbytes_len; i++)
		used[ac->pbytes[i]] = true;
	uint16_t n = 1;
	uint8_t map[256] = {0};
	for (int c = 0; c < 256; c++) {
		if (used[c]) {
			if (n > 255)
				return -1; /* cannot happen: A-Z never used */
			map[c] = (uint8_t)n++;
		}
	}
	for (int c = 0; c < 256; c++)
		ac->cls[c] = map[fold((unsigned char)c)];
	ac->nclass = n;
	return 0;
}

static int build_alloc(const ng_ac *ac, struct build *b)
{
	size_t nmax = ac->pbytes_len + 1;

	if (nmax > UINT32_MAX)
		return -1;
	b->nc = ac->nclass;
	b->fail = calloc(nmax, sizeof(uint32_t));
	b->queue = calloc(nmax, sizeof(uint32_t));
	b->own = calloc(nmax, sizeof(uint32_t));
	b->next = calloc(ac->npat ? ac->npat : 1, sizeof(uint32_t));
	b->cnt = calloc(nmax, sizeof(uint32_t));
	b->depth = calloc(nmax, 1);
	b->dense = calloc(nmax, 1);
	b->newid = calloc(nmax, sizeof(uint32_t));
	b->child = calloc(nmax, sizeof(uint32_t));
	b->sib = calloc(nmax, sizeof(uint32_t));
	b->ccls = calloc(nmax, sizeof(uint16_t));
	b->rootrow = calloc(b->nc, sizeof(uint32_t));
	if (!b->fail || !b->queue || !b->own || !b->next || !b->cnt || !b->depth || !b->dense ||
	    !b->newid || !b->child || !b->sib || !b->ccls || !b->rootrow)
		return -1;
	return 0;
}

/* 2. The trie, as child/sibling lists; a state's own patterns keep their
 * insertion order (a tail walk). */
static void build_trie(const ng_ac *ac, struct build *b)
{
	b->n = 1;
	for (size_t p = 0; p < ac->npat; p++) {
		uint32_t s = 0;
		for (size_t i = ac->poff[p]; i < ac->poff[p + 1]; i++) {
			uint16_t c = (uint16_t)ac->cls[ac->pbytes[i]];
			uint32_t k = b->child[s];
			while (k != 0 && b->ccls[k - 1] != c)
				k = b->sib[k - 1];
			if (k == 0) {
				b->sib[b->n] = b->child[s];
				b->child[s] = b->n + 1;
				b->ccls[b->n] = c;
				k = ++b->n;
			}
			s = k - 1;
		}
		uint32_t *link = &b->own[s];
		while (*link != 0)
			link = &b->next[*link - 1];
		*link = (uint32_t)p + 1;
	}
}

/* 3. Failure links, breadth first: a child u of s on class c fails to the
 * first state on s's failure chain that has a child on c (the root's
 * children, and chains that reach the root without one, fail to the root).
 * The root's children are looked up in a dense row.  Leaves the BFS order
 * in b->queue[0..b->qt). */
static void build_fail(struct build *b)
{
	for (uint32_t k = b->child[0]; k != 0; k = b->sib[k - 1])
		b->rootrow[b->ccls[k - 1]] = k - 1;
	size_t qh = 0;
	b->qt = 0;
	b->queue[b->qt++] = 0;
	while (qh < b->qt) {
		uint32_t s = b->queue[qh++];
		for (uint32_t k = b->child[s]; k != 0; k = b->sib[k - 1]) {
			uint32_t u = k - 1;
			uint16_t c = b->ccls[u];
			uint32_t f = 0;
			for (uint32_t t = b->fail[s]; s != 0; t = b->fail[t]) {
				uint32_t g = t == 0 ? b->rootrow[c] : find_child(b, t, c);
				if (g != 0 || t == 0) {
					f = g;
					break;
				}
			}
			b->fail[u] = f;
			b->queue[b->qt++] = u;
		}
	}
}

/* 4. Output counts in BFS order (a failure state precedes its users);
 * -1 when they overflow. */
static int count_outputs(struct build *b)
{
	b->total = 0;
	b->nout = 0;
	for (size_t k = 0; k < b->qt; k++) {
		uint32_t s = b->queue[k];
		uint32_t c = 0;
		for (uint32_t p = b->own[s]; p != 0; p = b->next[p - 1])
			c++;
		if (s != 0) {
			if (b->cnt[b->fail[s]] > UINT32_MAX - c)
				return -1;
			c += b->cnt[b->fail[s]];
		}
		b->cnt[s] = c;
		if (c > 0) {
			b->nout++;
			if (b->total > UINT32_MAX - c)
				return -1;
			b->total += c;
		}
	}
	return 0;
}

/* 5, 6. Dense or sparse, and the final numbering.  A state gets a dense row
 * when it is shallow (where most of the text is scanned), branches, or fails
 * to a state without a row (a sparse state's failure state must have one,
 * so that a transition costs at most two table loads).  Dense states are
 * numbered from 0, sparse ones after them, each in trie order; -1 when there
 * are too many states for 15-bit numbers. */
static int number_states(struct build *b, uint32_t *ndense)
{
	uint32_t nd = 0, ns = 0;

	for (size_t k = 0; k < b->qt; k++) {
		uint32_t s = b->queue[k];
		unsigned kids = 0;
		for (uint32_t c = b->child[s]; c != 0 && kids < 2; c = b->sib[c - 1])
			kids++;
		for (uint32_t c = b->child[s]; c != 0; c = b->sib[c - 1])
			b->depth[c - 1] = b->depth[s] < 255 ? (uint8_t)(b->depth[s] + 1) : 255;
		b->dense[s] =
		    s == 0 || b->depth[s] <= NG_AC_DENSE_DEPTH || kids > 1 || !b->dense[b->fail[s]];
		nd += b->dense[s];
	}
	if (b->n > NG_AC_STATES_MAX)
		return -1;
	for (uint32_t s = 0; s < b->n; s++)
		b->newid[s] = b->dense[s] ? ns++ : nd + (s - ns);
	*ndense = nd;
	return 0;
}

/* A state value: the new number, flagged when the state has outputs. */
static uint16_t state_value(const struct build *b, uint32_t s)
{
	return (uint16_t)(b->newid[s] | (b->cnt[s] ? NG_AC_OUT : 0));
}

/* The tables, in BFS order: a dense state goes where its failure
 * state goes (a row already complete) except along its own trie edges.  A
 * sparse failure state has no row: its row is its own failure state's (a
 * dense one) with its edge put back, built in tmp.  The root's misses stay
 * at 0.  Sparse states get their link record. */
static void fill_goto(const struct build *b, uint16_t *delta, struct ng_ac_link *links, uint32_t nd,
                      uint16_t *tmp)
{
	const size_t nc = b->nc;
	for (size_t k = 0; k < b->qt; k++) {
		uint32_t st = b->queue[k];
		uint32_t f = b->fail[st];
		if (!b->dense[st]) {
			struct ng_ac_link *l = &links[b->newid[st] - nd];
			uint32_t c = b->child[st];
			l->cls = c != 0 ? b->ccls[c - 1] : NG_AC_NOCLASS;
			l->child = c != 0 ? state_value(b, c - 1) : 0;
			l->fail = (uint16_t)b->newid[f];
			continue;
		}
		uint16_t *row = &delta[(size_t)b->newid[st] * nc];
		if (st == 0) {
			memset(row, 0, nc * sizeof(uint16_t));
		} else if (b->dense[f]) {
			memcpy(row, &delta[(size_t)b->newid[f] * nc], nc * sizeof(uint16_t));
		} else {
			uint32_t ff = b->fail[f];
			memcpy(tmp, &delta[(size_t)b->newid[ff] * nc], nc * sizeof(uint16_t));
			uint32_t c = b->child[f];
			if (c != 0)
				tmp[b->ccls[c - 1]] = state_value(b, c - 1);
			memcpy(row, tmp, nc * sizeof(uint16_t));
		}
		for (uint32_t c = b->child[st]; c != 0; c = b->sib[c - 1])
			row[b->ccls[c - 1]] = state_value(b, c - 1);
	}
}

/* The flattened output lists, indexed by the new state numbers: offsets
 * first, then each list in BFS order, so that the failure state's list is
 * complete before it is copied. */
static void fill_outputs(const ng_ac *ac, const struct build *b, uint32_t *out_off,
                         uint32_t *out_ids)
{
	size_t acc = 0;
	for (uint32_t k = 0; k < b->n; k++)
		out_off[k] = 0;
	for (uint32_t s = 0; s < b->n; s++)
		out_off[b->newid[s]] = b->cnt[s];
	for (uint32_t k = 0; k < b->n; k++) {
		uint32_t c = out_off[k];
		out_off[k] = (uint32_t)acc;
		acc += c;
	}
	out_off[b->n] = (uint32_t)acc;
	for (size_t k = 0; k < b->qt; k++) {
		uint32_t s = b->queue[k];
		if (b->cnt[s] == 0)
			continue;
		uint32_t *dst = &out_ids[out_off[b->newid[s]]];
		for (uint32_t p = b->own[s]; p != 0; p = b->next[p - 1])
			*dst++ = ac->pid[p - 1];
		uint32_t f = b->fail[s];
		if (s != 0 && b->cnt[f] > 0) {
			const uint32_t *fl = &out_ids[out_off[b->newid[f]]];
			memcpy(dst, fl, (size_t)b->cnt[f] * sizeof(uint32_t));
		}
	}
}

int ng_ac_build(ng_ac *ac)
{
	if (ac == NULL)
		return -1;
	if (ac->built)
		return 0;
	if (build_classes(ac) < 0)
		return -1;

	struct build b = {0};
	int rc = -1;
	uint16_t *delta = NULL, *tmp = NULL;
	struct ng_ac_link *links = NULL;
	uint32_t *out_off = NULL, *out_ids = NULL;
	uint32_t nd = 0;
	size_t cells, sz;

	if (build_alloc(ac, &b) < 0)
		goto out;
	build_trie(ac, &b);
	build_fail(&b);
	if (count_outputs(&b) < 0 || number_states(&b, &nd) < 0)
		goto out;
	if (!mul_ok(nd, b.nc, &cells) || !mul_ok(cells, sizeof(uint16_t), &sz) ||
	    (delta = malloc(sz)) == NULL)
		goto out;
	links = malloc((b.n - nd ? b.n - nd : 1) * sizeof(*links));
	tmp = malloc(b.nc * sizeof(uint16_t));
	out_off = malloc(((size_t)b.n + 1) * sizeof(uint32_t));
	out_ids = malloc((b.total ? b.total : 1) * sizeof(uint32_t));
	if (links == NULL || tmp == NULL || out_off == NULL || out_ids == NULL)
		goto out;
	fill_goto(&b, delta, links, nd, tmp);
	fill_outputs(ac, &b, out_off, out_ids);

	ac->delta = delta;
	ac->links = links;
	ac->ndense = nd;
	ac->out_off = out_off;
	ac->out_ids = out_ids;
	ac->nstates = b.n;
	ac->built = true;
	delta = NULL;
	links = NULL;
	out_off = out_ids = NULL;
	free(ac->pbytes);
	free(ac->poff);
	free(ac->pid);
	ac->pbytes = NULL;
	ac->poff = NULL;
	ac->pid = NULL;
	ac->pbytes_len = ac->pbytes_cap = ac->npat = ac->pcap = 0;
	rc = 0;
out:
	free(delta);
	free(links);
	free(tmp);
	free(out_off);
	free(out_ids);
	build_free(&b);
	return rc;
}

int ng_ac_scan(const ng_ac *ac, const char *s, size_t len, ng_ac_hit_fn fn, void *ctx)
{
	if (ac == NULL || !ac->built || s == NULL || fn == NULL)
		return 0;
	const uint16_t *delta = ac->delta;
	const struct ng_ac_link *links = ac->links;
	const uint8_t *cls = ac->cls;
	const uint32_t nd = ac->ndense;
	const size_t nc = ac->nclass;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t st = 0; /* a state value */

	for (size_t i = 0; i < len; i++) {
		uint32_t c = cls[p[i]];
		uint32_t k = st & NG_AC_IDX;
		if (k < nd) {
			st = delta[k * nc + c];
		} else {
			/* a sparse state: its edge, else its failure state's row */
			const struct ng_ac_link *l = &links[k - nd];
			uint32_t miss = delta[l->fail * nc + c];
			st = c == l->cls ? l->child : miss;
		}
		if (__builtin_expect((st & NG_AC_OUT) != 0, 0)) {
			k = st & NG_AC_IDX;
			for (uint32_t j = ac->out_off[k]; j < ac->out_off[k + 1]; j++)
				if (fn(ctx, ac->out_ids[j], i + 1))
					return 1;
		}
	}
	return 0;
}

void ng_ac_free(ng_ac *ac)
{
	if (ac == NULL)
		return;
	free(ac->pbytes);
	free(ac->poff);
	free(ac->pid);
	free(ac->delta);
	free(ac->links);
	free(ac->out_off);
	free(ac->out_ids);
	free(ac);
}

size_t ng_ac_states(const ng_ac *ac)
{
	return (ac != NULL && ac->built) ? ac->nstates : 0;
}
