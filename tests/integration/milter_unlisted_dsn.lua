-- milter_unlisted_dsn.lua - the same DSN from an unlisted client is accepted;
-- with milter_tag_classified = yes it carries an X-Ndrguard header.
-- Variables: see milter_common.lua; tagged=1 expects the header.
dofile(srcdir .. "/tests/integration/milter_common.lua")
local conn = open_conn(client)
send_eml(conn, "<notifications@mail.example.com>", { "<alice@example.com>" },
	srcdir .. "/examples/01-postfix-userunknown.eml")
check(mt.getreply(conn) == SMFIR_CONTINUE, "end of message: accepted (CONTINUE)")
if tagged == "1" then
	check(mt.eom_check(conn, MT_HDRADD, "X-Ndrguard"), "X-Ndrguard header added")
else
	check(not mt.eom_check(conn, MT_HDRADD), "no header added")
end
mt.disconnect(conn)
