/*
 * cmd_classify.c - `ndrguard classify [--format json|text|none] PATH...`
 *
 * PATH is a message file, a Maildir (its new/ and cur/), a directory of
 * message files, an mbox, or "-" for standard input.  Files are streamed
 * into the classifier in 64 KiB chunks: a message of any size is classified
 * in constant memory.  An mbox is split at "From " lines that follow a blank
 * line (or start the file); a file named *.eml is always one message, its
 * first "From " line an envelope line.
 *
 * Output: one JSON object per message (--format json), a table (text, the
 * default), or nothing (none: for benchmarks with --repeat N, which
 * classifies every input N times in one process).
 */
#include "cli.h"
#include "readahead.h"

#include <ndrguard/classify.h>

#include "util/buf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

enum format { FMT_TEXT, FMT_JSON, FMT_NONE };

struct run {
	ng_classifier *cl;
	enum format fmt;
	bool force_mbox;
	ng_buf out;
	unsigned long messages;
	unsigned long errors;
	bool header_done;
	/* The directory of the last file opened, held open: the files of a
	 * mailbox share it, and openat(2) relative to it spares the kernel
	 * the walk down the whole path for each of them. */
	int dirfd; /* -1: none */
	char dir[4096];
	/* Read-ahead (readahead.h), NULL without io_uring: one for the paths
	 * of the command line, one for the files of a directory among them,
	 * whose batches run while the first's results wait. */
	struct ng_ra *ra_top, *ra_dir;
};

void ng_help_classify(void)
{
	printf("usage: ndrguard classify [--format json|text|none] [--mbox] [--repeat N] PATH...\n"
	       "\n"
	       "Classify each message: ndr (failed delivery report), delay, success,\n"
	       "autoreply, challenge, av-notice, feedback (ARF), mdn (read receipt) or none,\n"
	       "with per-recipient status, SMTP reply code, reason and hard/soft, the\n"
	       "reporting MTA, the returned original's headers and the evidence.\n"
	       "\n"
	       "PATH: a message file, a Maildir, a directory of message files, an mbox,\n"
	       "or - for standard input.\n"
	       "\n"
	       "  -f, --format json   one JSON object per message (keys: source, class,\n"
	       "                      confidence, recipients, reporting_mta, original,\n"
	       "                      evidence; feedback_type for ARF reports)\n"
	       "  -f, --format text   a table (the default)\n"
	       "  -f, --format none   no output (with --repeat, for benchmarks)\n"
	       "  --mbox              read every file as an mbox, even *.eml\n"
	       "  --repeat N          classify every input N times (benchmarks)\n"
	       "\n"
	       "Exit: 0 all paths read, 3 a path could not be read, 2 usage error.\n");
}

static const char *shorten(const char *s, size_t max, char *tmp, size_t cap)
{
	size_t n = strlen(s);
	if (n <= max || max + 1 > cap)
		return s;
	snprintf(tmp, cap, "...%s", s + n - (max - 3));
	return tmp;
}

/* A field for the terminal: control characters become '?', so a crafted
 * address or path cannot send escape sequences. */
static const char *printable(const char *s, char *tmp, size_t cap)
{
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < cap; i++)
		tmp[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	tmp[i] = '\0';
	return tmp;
}

static void emit(struct run *r, const ng_verdict *v, const char *source)
{
	r->messages++;
	if (r->fmt == FMT_NONE)
		return;
	if (r->fmt == FMT_JSON) {
		ng_buf_reset(&r->out);
		ng_verdict_json(v, source, &r->out);
		ng_buf_append(&r->out, "\n", 1);
		if (r->out.data)
			fwrite(r->out.data, 1, r->out.len, stdout);
		return;
	}
	if (!r->header_done) {
		printf("%-36s %-9s %4s  %-32s %-7s %-4s %-15s %s\n", "SOURCE", "CLASS", "CONF",
		       "RECIPIENT", "STATUS", "CODE", "REASON", "HARD");
		r->header_done = true;
	}
	char t1[64], t2[64], p1[64], p2[64], p3[16], code[16];
	const char *src = printable(shorten(source, 36, t1, sizeof(t1)), p1, sizeof(p1));
	if (v->nrcpt == 0) {
		printf("%-36s %-9s %4.2f  %-32s %-7s %-4s %-15s %s\n", src, ng_class_name(v->cls),
		       v->confidence, "-", "-", "-", "-", "-");
		return;
	}
	for (unsigned i = 0; i < v->nrcpt; i++) {
		const ng_rcpt *rc = &v->rcpt[i];
		if (rc->reply_code > 0)
			snprintf(code, sizeof(code), "%d", rc->reply_code);
		else
			snprintf(code, sizeof(code), "-");
		printf("%-36s %-9s %4.2f  %-32s %-7s %-4s %-15s %s\n", i == 0 ? src : "",
		       i == 0 ? ng_class_name(v->cls) : "", v->confidence,
		       rc->address[0]
		           ? printable(shorten(rc->address, 32, t2, sizeof(t2)), p2, sizeof(p2))
		           : "-",
		       rc->status[0] ? printable(rc->status, p3, sizeof(p3)) : "-", code,
		       rc->reason ? rc->reason : "-",
		       rc->reason == NULL || v->cls != NG_CLASS_NDR ? "-"
		       : rc->hard                                   ? "hard"
		                                                    : "soft");
	}
}

/*
 * The mbox splitter: a push state machine over the bytes of the file.
 * Every line start is examined for "From " (held back until 5 bytes are
 * known); a separator after a blank line ends one message and starts the
 * next.  The separator line itself is not part of the message.
 */
struct mbox {
	struct run *r;
	const char *path;
	unsigned n; /* messages started */
	bool in_msg;
	bool line_start;
	bool skip_line;    /* inside a separator line */
	bool prev_blank;   /* the previous line was empty */
	bool cur_nonblank; /* the current line has content */
	char pend[5];
	size_t npend;
};

static void mbox_end(struct mbox *m)
{
	if (!m->in_msg)
		return;
	char src[4096];
	const ng_verdict *v = ng_classify_end(m->r->cl);
	snprintf(src, sizeof(src), "%s:%u", m->path, m->n);
	emit(m->r, v, src);
	m->in_msg = false;
}

static void mbox_begin(struct mbox *m)
{
	mbox_end(m);
	ng_classify_begin(m->r->cl, NULL);
	m->in_msg = true;
	m->n++;
}

static void mbox_bytes(struct mbox *m, const char *s, size_t n)
{
	if (!m->in_msg)
		mbox_begin(m); /* text before the first separator */
	ng_classify_feed(m->r->cl, s, n);
}

static void mbox_feed(struct mbox *m, const char *s, size_t len)
{
	while (len > 0) {
		if (m->line_start) {
			/* gather up to 5 bytes to decide about "From " */
			while (len > 0 && m->npend < 5 && s[0] != '\n') {
				m->pend[m->npend++] = *s++;
				len--;
			}
			if (m->npend < 5 && len == 0)
				return;
			m->line_start = false;
			if (m->npend == 5 && memcmp(m->pend, "From ", 5) == 0 &&
			    (m->prev_blank || m->n == 0)) {
				mbox_begin(m);
				m->skip_line = true;
			} else {
				m->cur_nonblank =
				    !(m->npend == 0 || (m->npend == 1 && m->pend[0] == '\r'));
				if (m->npend > 0)
					mbox_bytes(m, m->pend, m->npend);
			}
			m->npend = 0;
			continue;
		}
		const char *nl = memchr(s, '\n', len);
		size_t take = nl ? (size_t)(nl - s) + 1 : len;
		if (!m->skip_line) {
			for (size_t i = 0; i < take; i++)
				if (s[i] != '\n' && s[i] != '\r') {
					m->cur_nonblank = true;
					break;
				}
			mbox_bytes(m, s, take);
		}
		s += take;
		len -= take;
		if (nl != NULL) {
			m->prev_blank = !m->cur_nonblank && !m->skip_line;
			m->skip_line = false;
			m->cur_nonblank = false;
			m->line_start = true;
		}
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Read up to cap bytes (less only at end of file); -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* classify_fd()'s size for a regular file whose size is not known: the
 * directory entry said DT_REG, and no fstat(2) was made. */
#define SIZE_REGULAR ((off_t)-1)

/* One read(2) of a regular file: fewer bytes than asked only at its end. */
static ssize_t read_once(int fd, char *buf, size_t cap)
{
	ssize_t n;
	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Classify what fd delivers.  Plain read(2) into one static buffer: for the
 * many small files of a bounce mailbox, stdio's extra fstat and copies cost
 * more than the classification itself.  size: what fstat(2) gave for a
 * regular file, SIZE_REGULAR for one of unknown size, 0 for anything else.
 */
/*
 * The first n bytes of a file are at chunk (n < 0: its first read failed);
 * unless whole, the rest is read from fd into chunk, cap bytes at a time.
 */
static int classify_from(struct run *r, int fd, const char *path, bool may_be_mbox,
                         const char *first, char *chunk, size_t cap, ssize_t n, bool whole)
{
	const char *data = first;
	bool mbox = r->force_mbox || (may_be_mbox && n >= 5 && memcmp(data, "From ", 5) == 0);

	if (mbox) {
		struct mbox m = {.r = r, .path = path, .line_start = true};
		while (n > 0) {
			mbox_feed(&m, data, (size_t)n);
			n = whole ? 0 : read_full(fd, chunk, cap);
			data = chunk;
		}
		if (m.npend > 0)
			mbox_bytes(&m, m.pend, m.npend);
		mbox_end(&m);
	} else if (n >= 0) {
		ng_classify_begin(r->cl, NULL);
		while (n > 0) {
			ng_classify_feed(r->cl, data, (size_t)n);
			n = (whole || n < (ssize_t)cap) ? 0 : read_full(fd, chunk, cap);
			data = chunk;
		}
		emit(r, ng_classify_end(r->cl), path);
	}
	if (n < 0) {
		fprintf(stderr, "ndrguard: classify: %s: read error: %s\n", path, strerror(errno));
		r->errors++;
		return -1;
	}
	return 0;
}

static int classify_fd(struct run *r, int fd, const char *path, bool may_be_mbox, off_t size)
{
	static char chunk[65536];
	/* A regular file that fits: one read of the size fstat(2) gave, and no
	 * second read to see the end; what is appended later is not read.  Of
	 * unknown size: a read that comes back short was at its end. */
	bool whole = size > 0 && (size_t)size <= sizeof(chunk);
	ssize_t n = size == SIZE_REGULAR
	                ? read_once(fd, chunk, sizeof(chunk))
	                : read_full(fd, chunk, whole ? (size_t)size : sizeof(chunk));
	if (size == SIZE_REGULAR && n >= 0 && (size_t)n < sizeof(chunk))
		whole = true;
	return classify_from(r, fd, path, may_be_mbox, chunk, chunk, sizeof(chunk), n, whole);
}

static void classify_dir_files(struct run *r, const char *dir);
static void classify_dir(struct run *r, const char *path);

/* A handle on a directory only to open files in it: O_PATH needs no read
 * permission on the directory, only the search permission open(2) needs. */
#ifdef O_PATH
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif

/*
 * open(2) path for reading.  A path with a directory part is opened relative
 * to that directory, kept open in r for the next file of the same directory
 * (the same string; a directory that cannot be opened is not kept, and the
 * whole path is opened instead).  Returns the fd or -1 with errno set.
 */
static int open_in_dir(struct run *r, const char *path)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
	const char *slash = strrchr(path, '/');
	if (slash == NULL || slash[1] == '\0')
		return open(path, flags);
	size_t dl = slash == path ? 1 : (size_t)(slash - path); /* "/x": the root */
	if (dl >= sizeof(r->dir))
		return open(path, flags);
	if (r->dirfd < 0 || strncmp(r->dir, path, dl) != 0 || r->dir[dl] != '\0') {
		if (r->dirfd >= 0)
			close(r->dirfd);
		memcpy(r->dir, path, dl);
		r->dir[dl] = '\0';
		r->dirfd = open(r->dir, DIR_FLAGS);
		if (r->dirfd < 0)
			return open(path, flags);
	}
	return openat(r->dirfd, slash + 1, flags);
}

/* A path that cannot be read: say why (errno), count it. */
static void report(struct run *r, const char *path)
{
	fprintf(stderr, "ndrguard: classify: %s: %s\n", path, strerror(errno));
	r->errors++;
}

/* dir "/" name into out (one slash between them). */
static void join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	snprintf(out, cap, "%s%s%s", dir, slash ? "" : "/", name);
}

/* A path: a file, or a directory (Maildir or plain); reports what fails. */
static void classify_file_or_dir(struct run *r, const char *path, bool top)
{
	struct stat st;
	int fd = open_in_dir(r, path);
	if (fd < 0) {
		report(r, path);
		return;
	}
	if (fstat(fd, &st) != 0) {
		report(r, path);
		close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (top)
			classify_dir(r, path);
		return;
	}
	classify_fd(r, fd, path, !ends_with(path, ".eml"), S_ISREG(st.st_mode) ? st.st_size : 0);
	close(fd);
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A file its directory entry says is regular: no fstat(2) needed. */
static void classify_regular(struct run *r, const char *path)
{
	int fd = open_in_dir(r, path);
	if (fd < 0) {
		report(r, path);
		return;
	}
	classify_fd(r, fd, path, !ends_with(path, ".eml"), SIZE_REGULAR);
	close(fd);
}

/*
 * What read-ahead found for path: a whole regular file is classified from
 * its buffer; anything else takes the file-by-file way, which opens it
 * again and reports what is wrong, so the outcome is the same either way.
 */
static void classify_result(struct run *r, const char *path, const struct ng_ra_result *res,
                            bool top)
{
	switch (res->kind) {
	case NG_RA_WHOLE:
		classify_from(r, -1, path, !ends_with(path, ".eml"), res->data, NULL, 0,
		              (ssize_t)res->len, true);
		break;
	case NG_RA_DIR:
		if (top)
			classify_dir(r, path);
		break;
	case NG_RA_OTHER:
		classify_file_or_dir(r, path, top);
		break;
	}
}

static bool dir_entry_wanted(const struct dirent *d)
{
	return d->d_type == DT_REG || d->d_type == DT_UNKNOWN || d->d_type == DT_LNK;
}

/* The entries of a directory listing, NG_RA_BATCH at a time through
 * read-ahead, names relative to the directory; false when the directory
 * cannot be opened for it (the caller goes file by file). */
static bool dir_files_ahead(struct run *r, const char *dir, struct dirent **list, int n)
{
	int dfd = open(dir, DIR_FLAGS);
	if (dfd < 0)
		return false;
	char(*path)[4096] = malloc(NG_RA_BATCH * sizeof(*path));
	if (path == NULL) {
		close(dfd);
		return false;
	}
	int i = 0;
	while (i < n) {
		const char *names[NG_RA_BATCH];
		struct ng_ra_result res[NG_RA_BATCH];
		size_t m = 0;
		for (; i < n && m < NG_RA_BATCH; i++) {
			if (!dir_entry_wanted(list[i]))
				continue;
			join(path[m], sizeof(path[m]), dir, list[i]->d_name);
			names[m++] = list[i]->d_name;
		}
		ng_ra_read(r->ra_dir, dfd, names, m, res); /* a failure: every result OTHER */
		for (size_t k = 0; k < m; k++)
			classify_result(r, path[k], &res[k], false);
	}
	free(path);
	close(dfd);
	return true;
}

/* Every regular file of a directory, in name order. */
static void classify_dir_files(struct run *r, const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, skip_dot, alphasort);
	if (n < 0) {
		report(r, dir);
		return;
	}
	if (r->ra_dir == NULL || !dir_files_ahead(r, dir, list, n)) {
		for (int i = 0; i < n; i++) {
			char path[4096];
			join(path, sizeof(path), dir, list[i]->d_name);
			if (list[i]->d_type == DT_REG)
				classify_regular(r, path);
			else if (dir_entry_wanted(list[i]))
				classify_file_or_dir(r, path, false);
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* The paths of the command line, from argv[*k] on: a batch of those that
 * are not "-" through read-ahead; *k moves past what was done. */
static void classify_args_ahead(struct run *r, char **argv, int argc, int *k)
{
	const char *names[NG_RA_BATCH];
	struct ng_ra_result res[NG_RA_BATCH];
	size_t m = 0;
	while (*k + (int)m < argc && m < NG_RA_BATCH && strcmp(argv[*k + (int)m], "-") != 0) {
		names[m] = argv[*k + (int)m];
		m++;
	}
	ng_ra_read(r->ra_top, AT_FDCWD, names, m, res); /* a failure: every result OTHER */
	for (size_t j = 0; j < m; j++)
		classify_result(r, names[j], &res[j], true);
	*k += (int)m;
}

/* A directory: a Maildir (new/ then cur/), or a folder of message files. */
static void classify_dir(struct run *r, const char *path)
{
	char sub[4096];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/cur", path);
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(sub, sizeof(sub), "%s/new", path);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			classify_dir_files(r, sub);
		snprintf(sub, sizeof(sub), "%s/cur", path);
		classify_dir_files(r, sub);
		return;
	}
	classify_dir_files(r, path);
}

static void classify_path(struct run *r, const char *path)
{
	if (strcmp(path, "-") == 0)
		classify_fd(r, STDIN_FILENO, "-", false, 0);
	else
		classify_file_or_dir(r, path, true);
}

static bool parse_format(const char *s, enum format *fmt)
{
	if (strcmp(s, "json") == 0)
		*fmt = FMT_JSON;
	else if (strcmp(s, "text") == 0)
		*fmt = FMT_TEXT;
	else if (strcmp(s, "none") == 0)
		*fmt = FMT_NONE;
	else
		return false;
	return true;
}

int ng_cmd_classify(int argc, char **argv)
{
	struct run r = {.fmt = FMT_TEXT, .dirfd = -1};
	unsigned long repeat = 1;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0 ||
		    strncmp(a, "--format=", 9) == 0) {
			const char *fv = a[1] == '-' && a[8] == '=' ? a + 9 : NULL;
			if (fv == NULL) {
				if (++i >= argc)
					goto usage;
				fv = argv[i];
			}
			if (!parse_format(fv, &r.fmt)) {
				fprintf(stderr, "ndrguard: classify: unknown format '%s'\n", fv);
				return NG_EXIT_USAGE;
			}
		} else if (strcmp(a, "--repeat") == 0) {
			if (++i >= argc)
				goto usage;
			char *end;
			errno = 0;
			repeat = strtoul(argv[i], &end, 10);
			if (errno != 0 || *end != '\0' || repeat == 0 || repeat > 1000000) {
				fprintf(stderr, "ndrguard: classify: bad --repeat '%s'\n", argv[i]);
				return NG_EXIT_USAGE;
			}
		} else if (strcmp(a, "--mbox") == 0) {
			r.force_mbox = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			ng_help_classify();
			return NG_EXIT_OK;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "ndrguard: classify: unknown option '%s'\n", a);
			goto usage;
		} else {
			break;
		}
	}
	if (i >= argc)
		goto usage;

	r.cl = ng_classifier_new();
	if (r.cl == NULL) {
		fprintf(stderr, "ndrguard: classify: out of memory\n");
		return NG_EXIT_RUNTIME;
	}
	ng_buf_init(&r.out, 1 << 20);
	r.ra_top = ng_ra_new();
	r.ra_dir = r.ra_top != NULL ? ng_ra_new() : NULL;
	for (unsigned long pass = 0; pass < repeat; pass++)
		for (int k = i; k < argc;) {
			if (r.ra_top != NULL && strcmp(argv[k], "-") != 0)
				classify_args_ahead(&r, argv, argc, &k);
			else
				classify_path(&r, argv[k++]);
		}
	ng_ra_free(r.ra_dir);
	ng_ra_free(r.ra_top);
	fflush(stdout);
	if (r.dirfd >= 0)
		close(r.dirfd);
	ng_buf_free(&r.out);
	ng_classifier_free(r.cl);
	return r.errors > 0 ? NG_EXIT_RUNTIME : NG_EXIT_OK;
usage:
	fprintf(stderr, "usage: ndrguard classify [--format json|text|none] [--mbox] [--repeat N] "
	                "PATH...\n");
	return NG_EXIT_USAGE;
}
