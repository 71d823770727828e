-- login.lua: wrk script for login throughput (bench/run.sh). Each request is a form POST /login
-- (username, password) like the login page sends; the usernames rotate through TV_USERS so that
-- concurrent logins hit different accounts. A successful login answers 303 (to /); anything else
-- is counted as a failure and printed at the end.
--
--   TV_USERS="thuthu.th001 bgh.th001 ..." TV_PASSWORD=... wrk -t2 -c8 -d10s -s bench/login.lua URL
--
-- TV_PASSWORD must not need URL-encoding (run.sh uses letters, digits and '-').

local users = {}
for u in string.gmatch(os.getenv("TV_USERS") or "", "%S+") do
	users[#users + 1] = u
end
local password = os.getenv("TV_PASSWORD") or ""
local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

function init(args)
	if #users == 0 or password == "" then
		error("login.lua: set TV_USERS and TV_PASSWORD")
	end
	n = (tid or 0) * 7
	ok = 0
	other = 0
	statuses = ""
end

function request()
	n = n + 1
	local body = "username=" .. users[(n % #users) + 1] .. "&password=" .. password
	return wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
	if status == 303 then
		ok = ok + 1
	else
		other = other + 1
		if #statuses < 200 then
			statuses = statuses .. " " .. status
		end
	end
end

function done(summary, latency, requests)
	local total_ok, total_other, seen = 0, 0, ""
	for _, t in ipairs(threads) do
		total_ok = total_ok + t:get("ok")
		total_other = total_other + t:get("other")
		seen = seen .. t:get("statuses")
	end
	io.write(string.format("login.lua: %d logged in (303), %d other%s\n", total_ok, total_other,
		total_other > 0 and (" (statuses:" .. seen .. ")") or ""))
end
