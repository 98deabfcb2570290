-- wrk: POST /api/consumer/invoices/<id>/pay over distinct payable ids, each
-- sent at most once.  Arguments: ID_FILE FIRST COUNT THREADS; lines of
-- ID_FILE are "<id> <receiver>", lines FIRST .. FIRST+COUNT-1 (0-based) are
-- this run's, thread t takes every THREADS-th of them starting at t.
-- A thread that runs out stops (wrk.thread:stop(): wrk's rate is over the
-- time it really ran); the request it must still return pays a nonexistent
-- id, sent as the thread stops, whose answer is never read (not counted).
-- done() says so on stdout ("pay.lua: ... ran out"), which run.sh reports.
local threads, counter = {}, 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    threads[#threads + 1] = thread
end

local reqs, next_req = {}, 0
exhausted = 0

function init(args)
    local first, count, nthreads = tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
    local i = 0
    for line in io.lines(args[1]) do
        if i >= first and i < first + count and (i - first) % nthreads == tid then
            local id, receiver = line:match("^(%S+)%s+(%d+)$")
            reqs[#reqs + 1] = wrk.format("POST", "/api/consumer/invoices/" .. id .. "/pay",
                                         { Authorization = "consumer " .. receiver })
        end
        i = i + 1
    end
    assert(#reqs > 0, "no ids for thread " .. tid)
end

function request()
    next_req = next_req + 1
    if next_req <= #reqs then
        return reqs[next_req]
    end
    exhausted = exhausted + 1
    if exhausted == 1 then
        wrk.thread:stop()
    end
    return wrk.format("POST", "/api/consumer/invoices/00000000-0000-0000-0000-000000000000/pay",
                      { Authorization = "consumer 1" })
end

function done(summary, latency, requests)
    for _, t in ipairs(threads) do
        local e = t:get("exhausted")
        if e and e > 0 then
            io.write("pay.lua: thread " .. t:get("tid") .. " ran out of ids and stopped\n")
        end
    end
end
