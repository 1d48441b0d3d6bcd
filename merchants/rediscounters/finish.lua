-- finish.lua ends a rebuild: it recomputes every total from the held market
-- records, so totals are exact whatever happened before, and sets the built
-- marker.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- ARGV[1]  the building token; the rebuild is lost if it is gone
-- ARGV[2]  the value of the built marker (when the rebuild finished)
-- Returns the number of markets held.
local base = KEYS[1]
if redis.call('GET', base .. 'building') ~= ARGV[1] then
  return redis.error_reply('SAPQR_REBUILD_LOST the building token is gone: the counters were flushed or another rebuild started')
end

local metrics = {'declared', 'active', 'stalls_qr', 'vendors', 'vendors_qr', 'signs', 'transacting'}
local sums = {}
local function add(field, n)
  sums[field] = (sums[field] or 0) + n
end

local markets = 0
for _, prov in ipairs(redis.call('SMEMBERS', base .. 'ps')) do
  local all = redis.call('HGETALL', base .. 'p:' .. prov)
  for j = 2, #all, 2 do
    local f = {}
    for v in string.gmatch(all[j], '[^,]+') do f[#f + 1] = v end
    markets = markets + 1
    for _, u in ipairs({'n:', 'p:' .. prov .. ':', 'c:' .. f[2] .. ':'}) do
      add(u .. 'markets', 1)
      for k = 1, 7 do add(u .. metrics[k], tonumber(f[2 + k])) end
    end
  end
end

local tkey = base .. 't'
redis.call('DEL', tkey)
-- HSET in slices: Lua's unpack is limited to a few thousand values.
local flat = {}
for field, n in pairs(sums) do
  flat[#flat + 1] = field
  flat[#flat + 1] = n
  if #flat >= 2000 then
    redis.call('HSET', tkey, unpack(flat))
    flat = {}
  end
end
if #flat > 0 then redis.call('HSET', tkey, unpack(flat)) end

redis.call('SET', base .. 'built', ARGV[2])
redis.call('DEL', base .. 'building')
return markets
