-- wrk: GET /api/consumer/invoices/<id>/file as the invoice's receiver.
-- Arguments: ID_FILE (lines "<id> <receiver>") [once THREADS].
--   timed runs: a random id of the list per request;
--   "once": each id exactly once (thread t takes every THREADS-th, in
--   order), then the thread stops (as pay.lua does: the request it must
--   still return asks for a nonexistent id, answered 404, not counted):
--   every invoice delivered before the timed runs, its receipt written.
local threads, counter = {}, 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end

local reqs, once, next_req = {}, false, 0

function init(args)
    local nthreads = tonumber(args[3]) or 1
    local i = 0
    once = args[2] == "once"
    for line in io.lines(args[1]) do
        local id, receiver = line:match("^(%S+)%s+(%d+)$")
        if id and (not once or i % nthreads == tid) then
            reqs[#reqs + 1] = wrk.format("GET", "/api/consumer/invoices/" .. id .. "/file",
                                         { Authorization = "consumer " .. receiver })
        end
        i = i + 1
    end
    assert(#reqs > 0, "no ids in " .. args[1])
    math.randomseed(os.time() * 16 + tid)
end

function request()
    if not once then
        return reqs[math.random(#reqs)]
    end
    next_req = next_req + 1
    if next_req <= #reqs then
        return reqs[next_req]
    end
    if next_req == #reqs + 1 then
        wrk.thread:stop()
    end
    return wrk.format("GET", "/api/consumer/invoices/00000000-0000-0000-0000-000000000000/file",
                      { Authorization = "consumer 1" })
end
