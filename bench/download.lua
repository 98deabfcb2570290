-- wrk: GET /api/consumer/invoices/<id>/file, a random id of the list per
-- request, as the invoice's receiver.  Argument: ID_FILE, lines "<id> <receiver>".
local threads, counter = {}, 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end

local reqs = {}

function init(args)
    for line in io.lines(args[1]) do
        local id, receiver = line:match("^(%S+)%s+(%d+)$")
        if id then
            reqs[#reqs + 1] = wrk.format("GET", "/api/consumer/invoices/" .. id .. "/file",
                                         { Authorization = "consumer " .. receiver })
        end
    end
    assert(#reqs > 0, "no ids in " .. args[1])
    math.randomseed(os.time() * 16 + tid)
end

function request()
    return reqs[math.random(#reqs)]
end
