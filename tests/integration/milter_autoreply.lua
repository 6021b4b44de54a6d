-- milter_autoreply.lua - an auto-reply (Auto-Submitted: auto-replied) from
-- the listed client gets milter_content_action: reject by default.
dofile(srcdir .. "/tests/integration/milter_common.lua")
local conn = open_conn(client)
send_eml(conn, "<greta@example.net>", { "<alice@example.com>" },
	srcdir .. "/examples/08-autoreply-vacation.eml")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "end of message answers with a reply code")
-- (miltertest cannot show the reply text: the shell script checks it in
-- the milter's log line, reply="550 5.7.1 ...")
mt.disconnect(conn)
