/*
 * content_batv.h - the BATV part of the milter's content rules
 * (batv_milter.c), shared with content.c only.
 *
 * content.c owns one struct ng_content_batv (NULL when batv_keys is not
 * set) and forwards the public ng_content_batv_*() calls of content.h here
 * with what only it knows: whether the client is ours (our_networks or
 * SASL) and whether the client or recipient is exempt.  Immutable after
 * build (the clock setter aside, called before sharing).
 */
#ifndef NG_POLICY_CONTENT_BATV_H
#define NG_POLICY_CONTENT_BATV_H

#include "ndrguard/content.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct ng_policy;
struct ng_content_batv;

/* The milter's BATV rule: a copy of pol's (ng_policy_from_config read the
 * keys and batv_* settings once) that borrows pol's key handle, so pol
 * must outlive it; header: the tag header's name (borrowed too).  0 with
 * *out = NULL when BATV is off, 0 with *out set, or -1 with "out of
 * memory" in err. */
int ng_content_batv_build(const struct ng_policy *pol, const char *header,
                          struct ng_content_batv **out, char *err, size_t errlen);
void ng_content_batv_free(struct ng_content_batv *b);
void ng_content_batv_set_clock(struct ng_content_batv *b, time_t (*clock)(void *arg), void *arg);
/* "batv=on action=reject enforce_after=2024-01-01" or "batv=off". */
const char *ng_content_batv_describe(const struct ng_content_batv *b, char *buf, size_t cap);

/* ng_content_batv_outbound() with ours = our_networks or SASL. */
bool ng_content_batv_sign_msg(const struct ng_content_batv *b, struct ng_content_msg *m,
                              const char *sender, bool ours);
/* ng_content_batv_rcpt() with exempt = exempt network or recipient. */
bool ng_content_batv_check_rcpt(const struct ng_content_batv *b, struct ng_content_msg *m,
                                const char *rcpt, bool exempt, struct ng_content_reply *r);

#endif
