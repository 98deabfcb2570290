-- wrk: the seed's create (POST /api/sender/invoices), as sender SENDER, and
-- with KEYED "key" a fresh Idempotency-Key per request (PREFIX-thread-n).
-- Arguments: BODY_FILE SENDER KEYED PREFIX.
local counter = 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
end

local body, headers, keyed, prefix
local n = 0

function init(args)
    local f = assert(io.open(args[1], "rb"))
    body = f:read("*a")
    f:close()
    headers = { Authorization = "sender " .. args[2], ["Content-Type"] = "application/json" }
    keyed = args[3] == "key"
    prefix = args[4] .. "-" .. tid
end

function request()
    n = n + 1
    if keyed then
        headers["Idempotency-Key"] = prefix .. "-" .. n
    end
    return wrk.format("POST", "/api/sender/invoices", headers, body)
end
