-- wrk script for `make bench` (tests/bench/dashboard.sh): GET
-- /api/v1/dashboard/summary as the county users of the dashboard's
-- benchmark counties.
--
--   wrk ... -s tests/bench/dashboard.lua URL -- TOKENS [revalidate]
--
-- TOKENS: a file with one line per county: its bearer token, and after a
-- tab the ETag of its summary.  With "revalidate" every request carries
-- If-None-Match with that ETag (the answer is 304 while nothing changes);
-- otherwise none does (the full summary, 200).

local counter = 1

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

local toks, tags, n, reval

function init(args)
	toks, tags = {}, {}
	for line in io.lines(args[1]) do
		local tok, tag = line:match("^([^\t]+)\t?(.*)$")
		if tok then
			toks[#toks + 1] = "Bearer " .. tok
			tags[#tags + 1] = tag
		end
	end
	n = #toks
	reval = args[2] == "revalidate"
	math.randomseed(os.time() + 7919 * tid)
end

function request()
	local i = math.random(n)
	local h = { ["Authorization"] = toks[i] }
	if reval then
		h["If-None-Match"] = tags[i]
	end
	return wrk.format("GET", "/api/v1/dashboard/summary", h)
end
