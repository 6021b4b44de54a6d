-- milter_listed_dsn.lua - a DSN (multipart/report) from a listed client with
-- a non-null sender (notifications@) is rejected 550 5.7.1 at end of data,
-- with the zone's TXT in the reply.  Variables: see milter_common.lua.
dofile(srcdir .. "/tests/integration/milter_common.lua")
local conn = open_conn(client)
send_eml(conn, "<notifications@mail.example.com>", { "<alice@example.com>" },
	srcdir .. "/examples/01-postfix-userunknown.eml")
check(body_reply == SMFIR_CONTINUE, "the candidate's body is read (CONTINUE)")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "end of message answers with a reply code")
-- (miltertest cannot show the reply text: the shell script checks it in
-- the milter's log line, reply="550 5.7.1 ...")
mt.disconnect(conn)
