-- wrk script for `make bench` (tests/bench/run.sh): GET
-- /api/v1/funds/county-summary as the county users of many counties.
--
--   wrk ... -s tests/bench/summary.lua URL -- TOKENS
--
-- TOKENS: a file with one county bearer token a line.

local counter = 1

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

local toks, n

function init(args)
	toks = {}
	for line in io.lines(args[1]) do
		if line ~= "" then
			toks[#toks + 1] = "Bearer " .. line
		end
	end
	n = #toks
	math.randomseed(os.time() + 7919 * tid)
end

function request()
	return wrk.format("GET", "/api/v1/funds/county-summary",
	    { ["Authorization"] = toks[math.random(n)] })
end
