-- Ceiling (a): the create POST answered without any database work. Reads
-- the whole body like the module does, answers 201 with a small JSON.
function handle(r)
    local body, size = r:requestbody()
    if not body then
        return 400
    end
    r.status = 201
    r.content_type = "application/json"
    r:puts('{"data":{"size":' .. size .. '}}')
    return apache2.OK
end
