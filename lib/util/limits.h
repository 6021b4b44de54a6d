/*
 * limits.h - every cap on a buffer that untrusted input fills.
 *
 * One place, so that an administrator or a reviewer can see at once how much
 * memory a hostile message can make ndrguard spend.  Parsers take these as
 * defaults; callers may lower them.  A value past a cap is truncated or
 * dropped and counted, never an error that loses the message.
 */
#ifndef NG_UTIL_LIMITS_H
#define NG_UTIL_LIMITS_H

/* MIME / RFC 5322 parser (lib/mime). */
#define NG_MIME_LINE_MAX     8192  /* raw or decoded line; longer lines are split */
#define NG_MIME_HEADER_MAX   16384 /* one unfolded header field */
#define NG_MIME_HEADERS_MAX  512   /* header fields per entity delivered to the consumer */
#define NG_MIME_DEPTH_MAX    32    /* nesting of multiparts and message/rfc822 */
#define NG_MIME_PARTS_MAX    1024  /* entities per message; later ones are skipped */
#define NG_MIME_BOUNDARY_MAX 200   /* RFC 2046 allows 70; be lenient */
#define NG_MIME_TYPE_MAX     96    /* "type/subtype" */
#define NG_MIME_PARAM_MAX    128   /* a Content-Type parameter; the file name */
#define NG_MIME_CHARSET_MAX  64    /* charset and report-type names */

/* Classifier (lib/classify): the verdict (include/ndrguard/classify.h). */
#define NG_CL_RCPTS_MAX           64   /* recipients reported per message */
#define NG_CL_ADDR_MAX            320  /* one address (RFC 5321: 64 + 1 + 255) */
#define NG_CL_DIAG_MAX            1024 /* diagnostic text kept per recipient */
#define NG_CL_FIELD_MAX           256  /* MTA names, original headers, the report's From */
#define NG_CL_ACTION_MAX          16   /* a DSN Action, lower-cased; longer ones are cut */
#define NG_CL_STATUS_MAX          16   /* an RFC 3463 status ("5.1.1", at most "5.999.999") */
#define NG_CL_FEEDBACK_TYPE_MAX   32   /* an ARF Feedback-Type ("abuse", "opt-out", ...) */
#define NG_CL_RECEIVED_MAX        16   /* Received headers kept from the original */
#define NG_CL_DKIM_MAX            8    /* DKIM domains kept from the original */
#define NG_CL_DKIM_DOMAIN_MAX     128  /* one d= domain of a DKIM-Signature */
#define NG_CL_EVIDENCE_MAX        24   /* evidence records per verdict */
#define NG_CL_EVIDENCE_DETAIL_MAX 96   /* the matched text an evidence record quotes */
/* an original header decoded (RFC 2047) before squeezing; a Received kept */
#define NG_CL_ORIG_HEADER_MAX (2 * NG_CL_FIELD_MAX)

/* Classifier (lib/classify): working state per message (internal.h). */
#define NG_CL_TEXT_LINES_MAX  4000 /* notification text lines examined */
#define NG_CL_TEXT_PARTS_MAX  3    /* text/plain parts read as the notification */
#define NG_CL_CANDS_MAX       64   /* recipient candidates found in the free text */
#define NG_CL_DSN_GROUPS_MAX  64   /* recipient blocks of delivery-status parts and SES JSON */
#define NG_CL_TEXT_MAX        4096 /* the notification text, squeezed: fallback diagnostic */
#define NG_CL_LEAD_MAX        NG_CL_DIAG_MAX /* text before the first recipient: a diagnostic */
#define NG_CL_PENDING_MAX     NG_CL_DIAG_MAX /* SMTP transcript waiting for its recipient */
#define NG_CL_INLINE_HDR_MAX  2048 /* one unfolded header field of an original quoted inline */
#define NG_CL_TOP_HEADER_MAX  1024 /* a top-level header value after RFC 2047 decoding */
#define NG_CL_SUBJECT_MAX     512  /* the report's Subject, decoded and squeezed */
#define NG_CL_X_FAILED_MAX    1024 /* X-Failed-Recipients fields, joined */
#define NG_CL_DISPOSITION_MAX 64   /* an MDN Disposition field */
#define NG_CL_FOLD_TAIL_MAX   40   /* an unfinished "(in reply to" carried to the next line */

/* Configuration file (lib/config): local and trusted, but still bounded. */
#define NG_CONF_FILE_MAX (4 * 1024 * 1024) /* the whole file */
#define NG_CONF_LINE_MAX (256 * 1024)      /* one logical line with its continuations */

/* Postfix policy delegation protocol (lib/policy/request.c, src/policyd).
 * A request longer than a cap is answered action=DUNNO and logged; only a
 * single malformed request that runs on past NG_POLICY_FLOOD_MAX bytes
 * without its empty line closes the connection. */
#define NG_POLICY_REQUEST_MAX 16384     /* bytes of one request, its lines included */
#define NG_POLICY_NAME_MAX    64        /* an attribute name */
#define NG_POLICY_VALUE_MAX   4096      /* an attribute value (ccert_subject, policy_context) */
#define NG_POLICY_ATTRS_MAX   128       /* attributes per request (Postfix 3.7 sends ~40) */
#define NG_POLICY_FLOOD_MAX   (1 << 20) /* one malformed request, then the connection closes */
#define NG_POLICY_INPUT_MAX   65536     /* unread pipelined input held per connection */
#define NG_POLICY_TXT_MAX     200       /* peer TXT quoted in a reply, printable ASCII */
#define NG_POLICY_REPLY_MAX   480       /* the action text (SMTP reply lines stay < 512) */

/* DNSBL client (lib/dnsbl; the per-answer caps are in include/ndrguard/dnsbl.h
 * and include/ndrguard/dns.h). */
#define NG_DNSBL_CACHE_MAX        (1u << 24) /* cache entries (dnsbl_cache_size) */
#define NG_DNSBL_CODES_TEXT_MAX   256        /* the CODES of one dnsbl_zones item */
#define NG_DNSBL_INFLIGHT_BUCKETS 256        /* hash buckets of the queries in flight */

/* Milter (src/milter, lib/policy/content.c).  A header value past the cap is
 * examined up to the cap; fields past the count only count.  The header
 * buffer holds a message's header section until end of headers decides
 * whether the message is classified; a longer header section is streamed
 * into the classifier from then on instead of buffered. */
#define NG_MILTER_VALUE_MAX       4096  /* bytes of one header value examined */
#define NG_MILTER_HEADERS_MAX     1000  /* header fields examined per message */
#define NG_MILTER_HEADER_BUF_MAX  65536 /* header section buffered before end of headers */
#define NG_MILTER_BATV_RCPT_MAX   8     /* BATV-signed recipients rewritten per message */
#define NG_MILTER_RELAY_RCPTS_MAX 1000  /* recipients a held message keeps (relay mode) */
/* The milter protocol (lib/milter): one packet from the MTA (Postfix sends
 * body chunks of at most 64 KiB but a header field of up to its
 * header_size_limit, 100 KiB by default, in one packet), the parameters
 * of MAIL or RCPT, and a reply text. */
#define NG_MILTER_PACKET_MAX (1 << 20)
#define NG_MILTER_ARGS_MAX   64
#define NG_MILTER_REPLY_MAX  2048
/* Milter connections served at once (one thread each; more wait in the
 * listen backlog) and how long a connection may stay silent (libmilter's
 * default, seconds). */
#define NG_MILTER_THREADS_MAX 2000
#define NG_MILTER_TIMEOUT     7210

/* Relay guard (lib/relay).  A Received hop of a returned original is cut
 * field by field; the relay_tenants map is local and trusted but bounded;
 * a bounce budget holds at most the keys its creator chooses, never more
 * than NG_RELAY_BUDGET_KEYS_MAX. */
#define NG_RELAY_RCV_NAME_MAX      256 /* a HELO, reverse-DNS or "by" host name (DNS: 253) */
#define NG_RELAY_RCV_IP_MAX        48  /* an address in text (INET6_ADDRSTRLEN is 46) */
#define NG_RELAY_RCV_WITH_MAX      64  /* "with": "ESMTPS", "Microsoft SMTP Server" */
#define NG_RELAY_RCV_ID_MAX        128 /* the "id" of a hop */
#define NG_RELAY_RCV_ADDR_MAX      320 /* the "for" address (RFC 5321: 64 + 1 + 255) */
#define NG_RELAY_RCV_DATE_MAX      80  /* the date after ';' (RFC 5322: ~31 + a comment) */
#define NG_RELAY_TENANTS_FILE_MAX  (16 * 1024 * 1024) /* the whole relay_tenants file */
#define NG_RELAY_TENANT_LINE_MAX   (256 * 1024)       /* a tenant's line and continuations */
#define NG_RELAY_TENANTS_MAX       100000             /* tenants in the map */
#define NG_RELAY_TENANT_ITEMS_MAX  1000000            /* networks and logins, all tenants */
#define NG_RELAY_TENANT_NAME_MAX   64                 /* a tenant name, NUL included */
#define NG_RELAY_LOGIN_MAX         256                /* a SASL login, NUL included */
#define NG_RELAY_BUDGET_KEY_MAX    400                /* a budget key ("d:" tenant "/" domain) */
#define NG_RELAY_BUDGET_KEYS_MAX   (1 << 22)          /* keys a budget may be created to hold */
#define NG_RELAY_BUDGET_MULTI_MAX  16                 /* keys checked or counted in one call */
#define NG_RELAY_BUDGET_LIMIT_MAX  1000000000u        /* N of a rate N/PERIOD */
#define NG_RELAY_BUDGET_PERIOD_MAX (31 * 86400)       /* PERIOD of a rate, seconds */

/* Sender-authentication and spam-verdict headers of the relay's message log
 * (lib/relay/authres.h): Authentication-Results (RFC 8601), Received-SPF
 * (RFC 7208 9.1) and the filters' spam headers.  A value past its cap is
 * cut and flagged; a resinfo past the count is counted, never kept. */
#define NG_AUTHRES_ID_MAX      256 /* an authserv-id (a domain name is at most 253) */
#define NG_AUTHRES_ENTRIES_MAX 12  /* resinfo kept per field (Gmail, Microsoft 365: 3-5) */
#define NG_AUTHRES_PROPS_MAX   4   /* properties kept per resinfo (header.d, header.s, ...) */
#define NG_AUTHRES_NAME_MAX    32  /* "ptype.property" or a result word, lower-cased */
#define NG_AUTHRES_VALUE_MAX   256 /* a property value; a Received-SPF value */
#define NG_AUTHRES_REASON_MAX  96  /* the text of reason= */
#define NG_AUTHRES_VERDICT_MAX 32  /* a spam header's verdict word, squeezed, compared */

/* SPF (lib/spf, include/ndrguard/spf.h; RFC 7208).  The protocol's own
 * limits (4.6.4) first, then what one check may hold: a stack of records
 * at most NG_SPF_DEPTH_MAX deep (every include counts as a lookup), one
 * DNS query in flight, a few names.  Past the record caps the check ends
 * in permerror, like a record that breaks a protocol limit. */
#define NG_SPF_LOOKUPS_MAX   10 /* terms that query DNS (include a mx ptr exists redirect) */
#define NG_SPF_VOID_MAX      2  /* lookups answering NXDOMAIN or no records */
#define NG_SPF_MX_MAX        10 /* MX names of one mx term; more is permerror */
#define NG_SPF_PTR_MAX       10 /* PTR names looked at; the rest are ignored */
#define NG_SPF_DEPTH_MAX     (NG_SPF_LOOKUPS_MAX + 1) /* records nested by include */
#define NG_SPF_RECORD_MAX    4096 /* one SPF record, NUL included (= NG_DNS_RDATA_MAX) */
#define NG_SPF_TERMS_MAX     256  /* terms of one record */
#define NG_SPF_IDENTITY_MAX  512  /* the sender address and the HELO name, NUL included */
#define NG_SPF_EXPAND_MAX    2048 /* the working buffer of one macro expansion */
#define NG_SPF_MECH_TEXT_MAX 128  /* the deciding term as reported (cut) */
#define NG_SPF_EXP_MAX       1024 /* the explanation as reported (cut) */

/* Authoritative DNS of the list zone (lib/zone, src/dnsbld).  A query past
 * its cap is dropped (UDP) or ends the connection (TCP), and is counted; the
 * configuration (dnsbld_txt_template, dnsbld_ns) is refused at start-up when
 * an answer could outgrow NG_DNSBLD_TCP_ANSWER_MAX. */
#define NG_DNSBLD_QUERY_MAX       1232       /* one query, UDP datagram or TCP message */
#define NG_DNSBLD_UDP_MAX         1232       /* the largest UDP answer: our EDNS payload size */
#define NG_DNSBLD_TCP_ANSWER_MAX  8192       /* the largest answer over TCP */
#define NG_DNSBLD_TXT_MAX         1024       /* the TXT text with every $ expanded */
#define NG_DNSBLD_NS_MAX          13         /* dnsbld_ns names */
#define NG_DNSBLD_LISTEN_MAX      16         /* dnsbld_listen addresses, each UDP + TCP */
#define NG_DNSBLD_BATCH           64         /* datagrams per recvmmsg/sendmmsg call */
#define NG_DNSBLD_BATCHES         8          /* batches per readable socket and loop turn */
#define NG_DNSBLD_RCVBUF          (8 << 20)  /* SO_RCVBUF asked for each UDP socket */
#define NG_DNSBLD_TCP_CLIENTS_MAX 512        /* TCP connections at once; more are closed */
#define NG_DNSBLD_TCP_IDLE_SEC    10         /* a silent TCP connection is closed (RFC 7766) */
#define NG_DNSBLD_TCP_QUERIES_MAX 10000      /* queries answered per TCP connection */
#define NG_DNSBLD_TCP_OUT_MAX     65536      /* unsent answer bytes before reading pauses */
#define NG_DNSBLD_RRL_SETS        16384      /* 4-way sets of the rate limiter (client prefixes) */
#define NG_DNSBLD_ENTRIES_MAX     (1u << 28) /* entries one index may hold */

/* Trap SMTP server (lib/smtp, include/ndrguard/smtp.h; src/trapd).  A command
 * line past NG_SMTP_LINE_MAX is skipped to its end and answered 500; one
 * that runs on past NG_SMTP_FLOOD_MAX closes the session.
 * Message content is never held past NG_TRAPD_SPOOL_MAX: a message that
 * fits is classified at end of data (one classifier serves them all); a
 * longer one streams into a classifier of its own, at most
 * NG_TRAPD_STREAMS_MAX at once (past that, it is judged on its first
 * NG_TRAPD_SPOOL_MAX bytes).  Its size is counted against
 * trapd_max_message_size (SIZE). */
#define NG_SMTP_LINE_MAX     2048  /* a command line with CRLF (RFC 5321: 512; as Postfix) */
#define NG_SMTP_FLOOD_MAX    65536 /* a line this long closes the session */
#define NG_SMTP_RCPTS_MAX    100   /* accepted recipients per transaction (RFC 5321 4.5.3.1.8) */
#define NG_SMTP_HOSTNAME_MAX 255   /* the name in the greeting and the EHLO reply */
#define NG_SMTP_OUTPUT_MAX   8192  /* replies waiting for the peer: parsing stops */
#define NG_SMTP_ENVELOPE_MAX (64 * 1024) /* HELO, sender and recipients of one transaction */
#define NG_SMTP_SIZE_DEFAULT 10485760    /* SIZE when the caller sets none */
#define NG_TRAPD_INPUT_MAX   65536       /* unparsed input held per session while replies wait */
#define NG_TRAPD_OUTPUT_MAX  65536       /* unsent replies per session before reading pauses */
#define NG_TRAPD_SPOOL_MAX   65536       /* content held per message until end of data */
#define NG_TRAPD_STREAMS_MAX 64          /* classifiers for messages past the spool */
#define NG_TRAPD_LOG_RCPTS   5           /* recipients named in a transaction's log line */

#endif
