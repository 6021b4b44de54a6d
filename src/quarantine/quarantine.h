/*
 * quarantine.h - what the files of `ndrguard quarantine` share.
 *
 *   cmd_quarantine.c  the command: list, show, release, delete, expire
 *   smtp.c            the SMTP client that re-injects a released message
 */
#ifndef NG_QUARANTINE_CMD_H
#define NG_QUARANTINE_CMD_H

#include <ndrguard/config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Send the message in `msg` (LF lines, as the quarantine keeps it) to
 * `to` from `sender` ("" = <>) to rcpts.  0 delivered to every recipient
 * (err holds the server's final reply, e.g. its queue id); 1 delivered to
 * *accepted of them, ok[i] saying which (err says why not the others); -1
 * not delivered (err says why).  ok has nrcpts elements.  Blocking, with a
 * 60 s timeout on every read and write. */
int qr_smtp_send(const struct ng_listen *to, const char *helo, const char *sender,
                 char *const *rcpts, size_t nrcpts, FILE *msg, bool *ok, size_t *accepted,
                 char *err, size_t errlen);

#endif
