-- milter_multi_rcpt.lua - a bounce (null sender) from an unlisted client to
-- two recipients is accepted with the X-Ndrguard header (multi-rcpt rule,
-- bounce_multi_rcpt_action = tag); with Return-Path kept the header names
-- that rule too.
dofile(srcdir .. "/tests/integration/milter_common.lua")
local conn = open_conn(client)
send_eml(conn, "<>", { "<alice@example.com>", "<bob@example.com>" },
	srcdir .. "/examples/01-postfix-userunknown.eml")
check(mt.getreply(conn) == SMFIR_CONTINUE, "end of message: accepted (CONTINUE)")
check(mt.eom_check(conn, MT_HDRADD, "X-Ndrguard"), "X-Ndrguard header added")
local v = mt.getheader(conn, "X-Ndrguard", 0)
check(v ~= nil and v:find("multi%-rcpt") ~= nil, "the header names rule multi-rcpt: " .. tostring(v))
check(v:find("class=ndr") ~= nil, "the header names the class ndr")
mt.disconnect(conn)
