-- finish.lua ends a rebuild: it recomputes every total from the held market
-- records, so totals are exact whatever happened before, and sets the built
-- marker. unit_sums comes from sums.lua.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- ARGV[1]  the building token; the rebuild is lost if it is gone
-- ARGV[2]  the value of the built marker (when the rebuild finished)
-- Returns the number of markets held.
local base = KEYS[1]
if redis.call('GET', base .. 'building') ~= ARGV[1] then
  return redis.error_reply('SAPQR_REBUILD_LOST the building token is gone: the counters were flushed or another rebuild started')
end

local sums, markets = unit_sums(base)

local tkey = base .. 't'
redis.call('DEL', tkey)
-- HSET in slices: Lua's unpack is limited to a few thousand values.
local flat = {}
for unit, s in pairs(sums) do
  for k = 1, 8 do s[k] = string.format('%d', s[k]) end
  flat[#flat + 1] = unit
  flat[#flat + 1] = table.concat(s, ',')
  if #flat >= 2000 then
    redis.call('HSET', tkey, unpack(flat))
    flat = {}
  end
end
if #flat > 0 then redis.call('HSET', tkey, unpack(flat)) end

redis.call('SET', base .. 'built', ARGV[2])
redis.call('DEL', base .. 'building')
return markets
