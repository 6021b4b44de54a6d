/*
 * noop_milter.c - the anchor for bench/bench-milter.sh: a libmilter milter
 * that registers every message callback and answers SMFIS_CONTINUE to all of
 * them, so the MTA sends every step (connect, helo, mail, rcpt, data, each
 * header, end of headers, each body chunk, end of message, abort, close,
 * unknown) and waits for every reply.  It negotiates nothing away: no
 * xxfi_negotiate, so libmilter offers no SMFIP_NO* / SMFIP_NR_* flags and
 * the MTA waits for a reply to every command.  This is what a naive milter
 * costs; ndrguard's milter must cost no more.
 *
 * usage: noop_milter [-N] [-r STEPS] [-b BACKLOG] SOCKET
 *   SOCKET  a libmilter connection spec: inet:PORT@127.0.0.1 or unix:/path
 *           (local:/path), as for smfi_setconn
 *   -N      set TCP_NODELAY on the listening socket before libmilter
 *           accepts on it (Linux: accepted sockets inherit it).  libmilter
 *           8.17 does not expose the listening descriptor, so after
 *           smfi_opensocket() it is found as the one descriptor of this
 *           process that is a listening socket (SO_ACCEPTCONN).  Used by the
 *           benchmark to show what the Nagle/delayed-ACK stall costs.
 *   -r STEPS  not the anchor: negotiate SMFIP_NR_* for the listed steps
 *           (comma-separated: conn,helo,mail,rcpt,data,unkn,eoh,body,hdr or
 *           all) and answer SMFIS_NOREPLY there, so the MTA writes those
 *           commands without waiting for a reply (what a tuned milter
 *           does); shows the Nagle/delayed-ACK stall over TCP.
 *
 * The unix socket is created world-writable (umask 0) so Postfix's smtpd
 * (user postfix) can connect.  Build: cc -O2 -o noop_milter noop_milter.c
 * $(pkg-config --cflags --libs milter) -pthread.  SIGTERM/SIGINT stop it
 * (libmilter's own handler; it may take a few seconds to exit).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* -r STEPS: negotiate SMFIP_NR_* for those steps (and no NO* flag), so the
 * MTA sends every step but waits for no reply there.  Not the anchor: a
 * probe for the Nagle/delayed-ACK stall, which needs a command the MTA
 * writes while an unanswered one is still unacknowledged. */
static int opt_noreply;
static unsigned long opt_nr_mask; /* the NR flags -r asks for */

static sfsistat nr(unsigned long flag)
{
	return opt_noreply && (opt_nr_mask & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx, (void)host, (void)addr;
	return nr(SMFIP_NR_CONN);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx, (void)helo;
	return nr(SMFIP_NR_HELO);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return nr(SMFIP_NR_MAIL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return nr(SMFIP_NR_RCPT);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx, (void)name, (void)value;
	return nr(SMFIP_NR_HDR);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return nr(SMFIP_NR_EOH);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx, (void)chunk, (void)len;
	return nr(SMFIP_NR_BODY);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat cb_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx, (void)cmd;
	return nr(SMFIP_NR_UNKN);
}

static sfsistat cb_data(SMFICTX *ctx)
{
	(void)ctx;
	return nr(SMFIP_NR_DATA);
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long nr = opt_nr_mask;

	(void)ctx, (void)f2, (void)f3;
	*pf0 = f0 & 0; /* no actions */
	*pf1 = f1 & nr;
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "noop",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = 0,
    .xxfi_connect = cb_connect,
    .xxfi_helo = cb_helo,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_unknown = cb_unknown,
    .xxfi_data = cb_data,
    .xxfi_negotiate = NULL, /* offer everything, negotiate nothing away */
};

/* Set TCP_NODELAY on every listening TCP socket of this process: after
 * smfi_opensocket() that is libmilter's listener. Returns how many. */
static int nodelay_listeners(void)
{
	int n = 0, one = 1;

	for (int fd = 3; fd < 1024; fd++) {
		int acc = 0, type = 0;
		socklen_t len = sizeof(acc);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
			n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int opt, nodelay = 0, backlog = 128;

	while ((opt = getopt(argc, argv, "Nr:b:")) != -1) {
		switch (opt) {
		case 'N':
			nodelay = 1;
			break;
		case 'r': {
			static const struct {
				const char *name;
				unsigned long flag;
			} names[] = {{"conn", SMFIP_NR_CONN}, {"helo", SMFIP_NR_HELO},
			             {"mail", SMFIP_NR_MAIL}, {"rcpt", SMFIP_NR_RCPT},
			             {"data", SMFIP_NR_DATA}, {"unkn", SMFIP_NR_UNKN},
			             {"eoh", SMFIP_NR_EOH},   {"body", SMFIP_NR_BODY},
			             {"hdr", SMFIP_NR_HDR}};
			char *list = optarg, *tok, *save = NULL;

			opt_noreply = 1;
			desc.xxfi_negotiate = cb_negotiate;
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				size_t k;

				for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
					if (strcmp(tok, names[k].name) == 0 ||
					    strcmp(tok, "all") == 0)
						opt_nr_mask |= names[k].flag;
				if (strcmp(tok, "all") != 0 && opt_nr_mask == 0) {
					fprintf(stderr, "noop_milter: -r: unknown step %s\n", tok);
					return 2;
				}
			}
			break;
		}
		case 'b':
			backlog = (int)strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: noop_milter [-N] [-r STEPS] [-b BACKLOG] SOCKET\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: noop_milter [-N] [-r STEPS] [-b BACKLOG] SOCKET\n");
		return 2;
	}
	umask(0);
	if (smfi_setconn(argv[optind]) != MI_SUCCESS || smfi_setbacklog(backlog) != MI_SUCCESS) {
		fprintf(stderr, "noop_milter: bad socket %s\n", argv[optind]);
		return 1;
	}
	if (smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "noop_milter: smfi_register failed\n");
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "noop_milter: cannot listen on %s\n", argv[optind]);
		return 1;
	}
	if (nodelay && strncmp(argv[optind], "inet", 4) == 0 && nodelay_listeners() != 1) {
		fprintf(stderr, "noop_milter: -N: did not find exactly one listening socket\n");
		return 1;
	}
	fprintf(stderr, "noop_milter: listening on %s%s\n", argv[optind],
	        nodelay ? " (TCP_NODELAY)" : "");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
