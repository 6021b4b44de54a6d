-- milter_common.lua - helpers shared by the milter_*.lua miltertest scripts.
--
-- miltertest exits 1 without a word when an assert fails, so every check
-- here prints what it expected first (check()), and exits 1 itself.
-- Variables come from the command line (miltertest -D NAME=VALUE):
--   port     the milter's TCP port on 127.0.0.1
--   srcdir   the source tree (messages are read from examples/)
--   client   the client IP the MTA reports
-- A step the milter negotiated away (SMFIP_NO*) is not sent; a step it
-- negotiated as no-reply (SMFIP_NR_*) still reads as CONTINUE here.

function check(cond, what)
	if cond then
		mt.echo("ok   " .. what)
	else
		mt.echo("FAIL " .. what)
		os.exit(1)
	end
end

function open_conn(client_ip, client_name)
	local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.3)
	check(conn ~= nil, "connect to the milter on port " .. port)
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
	check(mt.test_option(conn, SMFIP_NOHELO), "negotiated away HELO (SMFIP_NOHELO)")
	check(mt.test_option(conn, SMFIP_SKIP), "asked for SMFIP_SKIP")
	check(mt.conninfo(conn, client_name or "client.example", client_ip) == nil, "conninfo")
	return conn
end

-- Split an .eml file into header fields (unfolded: name, value) and body.
function read_eml(path)
	local f = assert(io.open(path, "rb"))
	local text = f:read("*a")
	f:close()
	text = text:gsub("\r\n", "\n")
	local head, body = text:match("^(.-)\n\n(.*)$")
	local fields = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\r\n" .. line
		else
			local name, value = line:match("^([^:]+):[ \t]*(.*)$")
			if name then
				fields[#fields + 1] = { name = name, value = value }
			end
		end
	end
	return fields, body:gsub("\n", "\r\n")
end

-- Send one message; skip[] names header fields to leave out (Return-Path,
-- Delivered-To: what the final delivery added).  Returns the connection
-- with the end-of-message reply read; the body reply is in body_reply.
body_reply = nil
function send_eml(conn, from, rcpts, path, extra, skip)
	skip = skip or { ["return-path"] = true, ["delivered-to"] = true }
	check(mt.mailfrom(conn, from) == nil, "MAIL FROM " .. from)
	for _, r in ipairs(rcpts) do
		check(mt.rcptto(conn, r) == nil, "RCPT TO " .. r)
	end
	local fields, body = read_eml(path)
	for _, h in ipairs(extra or {}) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	for _, h in ipairs(fields) do
		if not skip[h.name:lower()] then
			check(mt.header(conn, h.name, h.value) == nil, "header " .. h.name)
		end
	end
	check(mt.eoh(conn) == nil, "end of headers")
	check(mt.bodystring(conn, body) == nil, "body")
	body_reply = mt.getreply(conn)
	check(mt.eom(conn) == nil, "end of message")
	return conn
end
