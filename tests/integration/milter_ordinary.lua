-- milter_ordinary.lua - ordinary mail from the listed client is accepted
-- untouched, and its body is skipped (SMFIR_SKIP at the first chunk).
dofile(srcdir .. "/tests/integration/milter_common.lua")
local conn = open_conn(client)
send_eml(conn, "<nora@example.net>", { "<alice@example.com>" },
	srcdir .. "/examples/10-ordinary-mail.eml")
check(body_reply == SMFIR_SKIP, "the body is skipped (SKIP)")
check(mt.getreply(conn) == SMFIR_CONTINUE, "end of message: accepted (CONTINUE)")
check(not mt.eom_check(conn, MT_HDRADD), "no header added")
-- a second message on the same connection: a bounce sender is a candidate
send_eml(conn, "<>", { "<alice@example.com>" }, srcdir .. "/examples/01-postfix-userunknown.eml")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "then a DSN with <> on the same connection: rejected")
mt.disconnect(conn)
