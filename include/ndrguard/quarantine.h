/*
 * quarantine.h - the relay guard's quarantine: a Maildir of held messages
 * indexed in the store.
 *
 * A message the relay guard holds back (relay_backscatter_action =
 * quarantine) is written, as it streams in, to a file in the Maildir's
 * tmp/ directory (ng_quarantine_spool, ng_qspool_write).  When the verdict
 * says "hold", ng_quarantine_commit() flushes it to disk, renames it into
 * new/ (the Maildir delivery step: a reader never sees half a message) and
 * writes its index record (struct ng_qmeta: envelope, tenant, verdict,
 * expiry) to the store under "q/" + ID, ID being the Maildir file name.
 * Otherwise ng_qspool_abort() removes the spool file.  The file and the
 * record together are the quarantined message: the envelope lives only in
 * the record, so `ndrguard quarantine release` can re-inject the message
 * to its original recipients with its original (usually null) sender.
 *
 * Files are written with LF line ends (CRLF from the MTA is converted), as
 * every Maildir reader expects; the release converts back.  Directories
 * are created 0700, files 0600.
 *
 * Thread-safety: a struct ng_quarantine may be shared by threads (the
 * store is thread-safe, the rest is read-only after open); a spool belongs
 * to one thread.  Several processes may use one quarantine at once (the
 * milter writes, the CLI lists and releases).
 */
#ifndef NDRGUARD_QUARANTINE_H
#define NDRGUARD_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/store.h"

#define NG_QID_MAX 128 /* a quarantine ID (a Maildir file name) and its NUL */

struct ng_quarantine;
struct ng_qspool;

/* What the index keeps of one held message.  Strings are NUL-terminated;
 * rcpts is an array of nrcpts addresses (without <>). */
struct ng_qmeta {
	char id[NG_QID_MAX];
	int64_t time;    /* when it was held (unix seconds) */
	int64_t expires; /* when `ndrguard quarantine expire` removes it */
	char tenant[128];
	char client[64];
	char sender[320]; /* "" = the null sender */
	char **rcpts;
	size_t nrcpts;
	char cls[16];     /* the classifier's class */
	char verdict[16]; /* "backscatter", ... */
	int score;
	char rules[256]; /* the rules that fired, for the list */
	char subject[256];
	char orig_message_id[256];
	uint64_t size; /* bytes in the file */
};

/* Open (creating dir, dir/tmp, dir/new, dir/cur when missing) the
 * quarantine in `dir`, indexed in `store` (borrowed: it must outlive the
 * quarantine).  NULL with a message in err. */
struct ng_quarantine *ng_quarantine_open(const char *dir, struct ng_store *store, char *err,
                                         size_t errlen);
void ng_quarantine_close(struct ng_quarantine *q);

/* Start a spool file in tmp/; NULL with a message in err. */
struct ng_qspool *ng_quarantine_spool(struct ng_quarantine *q, char *err, size_t errlen);
/* Append message bytes (CRLF becomes LF, also across calls); 0, or -1
 * when the write failed (the error is kept and reported by commit). */
int ng_qspool_write(struct ng_qspool *sp, const void *data, size_t len);
/* Bytes written so far (after the line-end conversion). */
uint64_t ng_qspool_size(const struct ng_qspool *sp);
/* Remove the spool file and free the spool.  NULL is accepted. */
void ng_qspool_abort(struct ng_qspool *sp);
/*
 * Hold the spooled message: fsync, rename into new/, write the index
 * record from meta (meta->id, ->size are filled in here).  The spool is
 * freed in every case.  0, or -1 with a message in err: then nothing is
 * held (the file is removed again) and the caller must not drop the
 * message (the milter answers tempfail).
 */
int ng_quarantine_commit(struct ng_quarantine *q, struct ng_qspool *sp, struct ng_qmeta *meta,
                         char *err, size_t errlen);

/* The index record of ID into *meta (rcpts allocated: ng_qmeta_free()).
 * 0 found, 1 no such message, -1 error (message in err). */
int ng_quarantine_get(struct ng_quarantine *q, const char *id, struct ng_qmeta *meta, char *err,
                      size_t errlen);
void ng_qmeta_free(struct ng_qmeta *meta);
/* The message file's path into buf; false when it does not fit or the ID
 * is not a safe file name. */
bool ng_quarantine_path(const struct ng_quarantine *q, const char *id, char *buf, size_t cap);
/* Every held message, oldest first... in ID order (IDs start with the
 * time); fn returns non-zero to stop.  meta is valid during the call.
 * 0, the value fn stopped with, or -1 with a message in err. */
typedef int ng_qlist_fn(void *arg, const struct ng_qmeta *meta);
int ng_quarantine_list(struct ng_quarantine *q, ng_qlist_fn *fn, void *arg, char *err,
                       size_t errlen);
/* Rewrite the index record of meta->id from *meta (after a partial
 * release: the recipients still to be served).  0, or -1 with err. */
int ng_quarantine_set_rcpts(struct ng_quarantine *q, const struct ng_qmeta *meta, char *err,
                            size_t errlen);
/* Remove ID: the index record and the file.  0, 1 no such message, -1
 * error. */
int ng_quarantine_delete(struct ng_quarantine *q, const char *id, char *err, size_t errlen);
/* Remove every message whose expiry is at or before now; *removed set. */
int ng_quarantine_expire(struct ng_quarantine *q, int64_t now, size_t *removed, char *err,
                         size_t errlen);

/* The index record in its stored form (for tests and the fuzzer): encode
 * into a malloc'd buffer (NULL when out of memory), decode (0, or -1 on a
 * record without an id). */
char *ng_qmeta_encode(const struct ng_qmeta *meta, size_t *len);
int ng_qmeta_decode(const void *rec, size_t len, struct ng_qmeta *meta);

#endif
