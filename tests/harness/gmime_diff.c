/*
 * gmime_diff.c - differential test of the MIME parser against GMime 3.
 *
 * For every message file in the directories given as arguments, both
 * parsers produce the MIME tree as a list of entities in document order;
 * each entry is the entity's depth and content type, and for leaves the
 * length and a hash of the transfer-decoded body.  The lists must be equal.
 * ndrguard asks for NG_MIME_BODY_RAW on every leaf and counts what body()
 * delivers (part->decoded); GMime's leaves are decoded with
 * g_mime_data_wrapper_write_to_stream() into a memory stream.
 *
 * How the two models are mapped, and what is normalised (each of these is
 * a legitimate reading of the RFCs, not a bug on either side):
 *
 *  - message/rfc822 (and message/global) that is not base64/QP encoded:
 *    ndrguard emits the message/rfc822 entity and then the nested message's
 *    root entity one level deeper; GMime's GMimeMessagePart holds a
 *    GMimeMessage whose MIME part is listed the same way.  When such a part
 *    IS base64/QP encoded, ndrguard keeps it a leaf (mime.h); a GMime
 *    GMimeMessagePart is then listed as a leaf whose body is not compared
 *    ("len=?"), and a GMime GMimePart leaf is compared normally.
 *  - text/rfc822-headers (and message/rfc822-headers), not encoded:
 *    ndrguard parses the content as a nested message (headers and, after
 *    a blank line, a body), GMime keeps a text leaf.  The GMime side parses
 *    that leaf's decoded content with a second GMimeParser and lists the
 *    resulting message below it, so both sides have the same shape.
 *  - Line ends at the end of a leaf: the EOL before a boundary belongs to
 *    the boundary (RFC 2046), and ndrguard also holds back the last EOL of
 *    a body at the end of the message; GMime keeps it there.  Trailing CR
 *    and LF bytes of every leaf are therefore not counted on either side.
 *  - An mbox "From " first line is skipped by ndrguard; it is removed
 *    before GMime sees the message.
 *  - Content types are compared lower-cased, parameters dropped; a
 *    multipart without a usable boundary is a leaf for ndrguard and its
 *    children (GMime's guess) are not compared.
 *
 * Usage: gmime_diff [-v] DIR...  (-v prints every tree)
 * Exit: 0 all trees equal, 1 a difference (both lists printed), 2 an input
 * could not be read.
 */
#include <ndrguard/mime.h>

#include "util/buf.h"

#include "files.h"

#include <gmime/gmime.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----- the tree as text: one line per entity ----- */

static uint32_t fnv(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

static size_t strip_eol(const unsigned char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static void put_entity(ng_buf *out, unsigned depth, const char *type)
{
	char t[128];
	size_t n = strlen(type);
	if (n >= sizeof(t))
		n = sizeof(t) - 1;
	for (size_t i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)type[i]);
	t[n] = '\0';
	for (unsigned i = 0; i < depth; i++)
		ng_buf_puts(out, "  ");
	ng_buf_puts(out, t);
}

static void put_leaf(ng_buf *out, const unsigned char *body, size_t len)
{
	size_t n = strip_eol(body, len);
	ng_buf_printf(out, " len=%zu hash=%08x\n", n, fnv(body, n));
}

/* ----- ndrguard ----- */

struct ng_side {
	ng_buf *out;
	ng_buf body;
	bool leaf;
};

static bool is_nested_type(const char *t)
{
	return strcmp(t, "message/rfc822") == 0 || strcmp(t, "message/global") == 0 ||
	       strcmp(t, "text/rfc822-headers") == 0 || strcmp(t, "message/rfc822-headers") == 0;
}

static int ng_begin(void *ctx, const ng_mime_part *p)
{
	struct ng_side *s = ctx;
	put_entity(s->out, p->depth, p->type);
	s->leaf = !p->multipart && !(is_nested_type(p->type) && p->enc == NG_MIME_ENC_7BIT);
	if (!s->leaf)
		ng_buf_puts(s->out, "\n");
	ng_buf_reset(&s->body);
	/* a multipart's mode applies to its preamble, which is not compared */
	return p->multipart ? NG_MIME_BODY_SKIP : NG_MIME_BODY_RAW;
}

static void ng_body(void *ctx, const ng_mime_part *p, const char *d, size_t n)
{
	struct ng_side *s = ctx;
	(void)p;
	ng_buf_append(&s->body, d, n);
}

static void ng_end(void *ctx, const ng_mime_part *p)
{
	struct ng_side *s = ctx;
	if (!s->leaf)
		return;
	if (p->decoded != s->body.len)
		ng_buf_printf(s->out, " [decoded %llu != delivered %zu]", p->decoded, s->body.len);
	put_leaf(s->out, (const unsigned char *)(s->body.data ? s->body.data : ""), s->body.len);
	s->leaf = false; /* a leaf's end is followed by its parents' ends */
}

static void ndrguard_tree(const char *msg, size_t len, ng_buf *out)
{
	struct ng_side s = {.out = out};
	ng_buf_init(&s.body, 256u << 20);
	ng_mime_cb cb = {NULL, ng_begin, ng_body, ng_end};
	ng_mime *p = ng_mime_new(&cb, &s);
	if (p == NULL) {
		ng_buf_puts(out, "(out of memory)\n");
	} else {
		ng_mime_feed(p, msg, len);
		ng_mime_finish(p);
		ng_mime_free(p);
	}
	ng_buf_free(&s.body);
}

/* ----- GMime ----- */

static void gm_object(GMimeObject *o, unsigned depth, ng_buf *out);

static char *gm_type(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	return ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("text/plain");
}

static bool gm_encoded(GMimeObject *o)
{
	const char *cte = g_mime_object_get_header(o, "Content-Transfer-Encoding");
	if (cte == NULL)
		return false;
	while (*cte == ' ' || *cte == '\t')
		cte++;
	return g_ascii_strncasecmp(cte, "base64", 6) == 0 ||
	       g_ascii_strncasecmp(cte, "quoted-printable", 16) == 0;
}

static void gm_message(GMimeMessage *m, unsigned depth, ng_buf *out)
{
	GMimeObject *root = m ? g_mime_message_get_mime_part(m) : NULL;
	if (root == NULL) {
		/* a message with no body at all: ndrguard still has its entity */
		put_entity(out, depth, "text/plain");
		put_leaf(out, (const unsigned char *)"", 0);
		return;
	}
	gm_object(root, depth, out);
}

static GByteArray *gm_decoded(GMimePart *part, GMimeStream **keep)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	if (w != NULL)
		g_mime_data_wrapper_write_to_stream(w, mem);
	*keep = mem;
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
}

static void gm_object(GMimeObject *o, unsigned depth, ng_buf *out)
{
	char *type = gm_type(o);
	put_entity(out, depth, type);

	if (GMIME_IS_MULTIPART(o)) {
		ng_buf_puts(out, "\n");
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			gm_object(g_mime_multipart_get_part(mp, i), depth + 1, out);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		if (gm_encoded(o)) {
			ng_buf_puts(out, " len=?\n");
		} else {
			ng_buf_puts(out, "\n");
			gm_message(g_mime_message_part_get_message(GMIME_MESSAGE_PART(o)),
			           depth + 1, out);
		}
	} else if (GMIME_IS_PART(o)) {
		GMimeStream *keep;
		GByteArray *b = gm_decoded(GMIME_PART(o), &keep);
		bool headers = g_ascii_strcasecmp(type, "text/rfc822-headers") == 0 ||
		               g_ascii_strcasecmp(type, "message/rfc822-headers") == 0;
		if (headers && !gm_encoded(o)) {
			/* parsed as a message by ndrguard: do the same */
			ng_buf_puts(out, "\n");
			GMimeStream *s =
			    g_mime_stream_mem_new_with_buffer((const char *)b->data, b->len);
			GMimeParser *ps = g_mime_parser_new_with_stream(s);
			GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
			gm_message(m, depth + 1, out);
			if (m)
				g_object_unref(m);
			g_object_unref(ps);
			g_object_unref(s);
		} else {
			put_leaf(out, b->data, b->len);
		}
		g_object_unref(keep);
	} else {
		ng_buf_puts(out, " (unknown GMime object)\n");
	}
	g_free(type);
}

static void gmime_tree(const char *msg, size_t len, ng_buf *out)
{
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);
		size_t skip = nl ? (size_t)(nl - msg) + 1 : len;
		msg += skip;
		len -= skip;
	}
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *ps = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
	if (m == NULL)
		ng_buf_puts(out, "(GMime: no message)\n");
	else
		gm_message(m, 0, out);
	if (m)
		g_object_unref(m);
	g_object_unref(ps);
	g_object_unref(s);
}

/* ----- driver ----- */

struct run {
	ng_buf a, b;
	bool verbose;
	int rc;
	unsigned files, same;
};

static int one_file(const char *path, void *ctx)
{
	struct run *r = ctx;
	size_t len;
	char *msg = ng_test_slurp(path, &len);
	if (msg == NULL) {
		fprintf(stderr, "gmime_diff: %s: cannot read\n", path);
		r->rc = 2;
		return 0;
	}
	r->files++;
	ng_buf_reset(&r->a);
	ng_buf_reset(&r->b);
	ndrguard_tree(msg, len, &r->a);
	gmime_tree(msg, len, &r->b);
	free(msg);
	const char *ta = r->a.data ? r->a.data : "", *tb = r->b.data ? r->b.data : "";
	if (r->verbose)
		printf("%s:\n%s", path, ta);
	if (strcmp(ta, tb) == 0) {
		r->same++;
		return 0;
	}
	printf("gmime_diff: %s: MIME trees differ\n--- ndrguard ---\n%s--- GMime ---\n%s", path, ta,
	       tb);
	if (r->rc == 0)
		r->rc = 1;
	return 0;
}

int main(int argc, char **argv)
{
	g_mime_init();
	struct run r = {.verbose = argc > 1 && strcmp(argv[1], "-v") == 0};
	ng_buf_init(&r.a, 1 << 20);
	ng_buf_init(&r.b, 1 << 20);
	for (int i = r.verbose ? 2 : 1; i < argc; i++) {
		if (ng_test_each_file(argv[i], ".eml", one_file, &r) < 0) {
			fprintf(stderr, "gmime_diff: %s: %s\n", argv[i], strerror(errno));
			r.rc = 2;
		}
	}
	printf("gmime_diff: %u of %u messages have the same MIME tree\n", r.same, r.files);
	ng_buf_free(&r.a);
	ng_buf_free(&r.b);
	g_mime_shutdown();
	return r.files == 0 ? 2 : r.rc;
}
