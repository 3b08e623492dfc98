-- wrk script for `make bench` (tests/bench/run.sh): POST
-- /api/v1/fund-projects/{id}/disbursements spread over many in_progress
-- projects, each with a token of its own township.
--
--   wrk ... -s tests/bench/disburse.lua URL -- ITEMS RUN PAID_ON AMOUNT
--
-- ITEMS: a file of lines "project-id<TAB>payee_kind<TAB>bearer token".
-- RUN: a prefix unique to this wrk run (the warm-up uses another), so
-- every request of every thread carries an Idempotency-Key and a
-- voucher_no of its own: each one is a first payment, never a replay.
-- PAID_ON: today in Asia/Shanghai (a payment may not be dated later).
-- AMOUNT: fen per payment.

local counter = 1

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

local items, n, run, paid_on, amount
local seq = 0

function init(args)
	items = {}
	for line in io.lines(args[1]) do
		local id, payee, tok = line:match("^(%S+)\t(%S+)\t(%S+)$")
		if id ~= nil then
			items[#items + 1] = {
				path = "/api/v1/fund-projects/" .. id ..
				    "/disbursements",
				payee = payee,
				auth = "Bearer " .. tok,
			}
		end
	end
	n = #items
	run = args[2]
	paid_on = args[3]
	amount = args[4]
	-- Threads draw different sequences of projects.
	math.randomseed(os.time() + 7919 * tid)
end

function request()
	local it = items[math.random(n)]
	local key

	seq = seq + 1
	key = run .. "-" .. tid .. "-" .. seq
	return wrk.format("POST", it.path, {
		["Authorization"] = it.auth,
		["Content-Type"] = "application/json",
		["Idempotency-Key"] = key,
	}, '{"amount_fen":' .. amount .. ',"payee_kind":"' .. it.payee ..
	    '","payee_name":"压测收款方","voucher_no":"BENCH-' .. key ..
	    '","paid_on":"' .. paid_on .. '"}')
end
