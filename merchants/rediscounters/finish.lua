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

local sums = {} -- unit field -> {markets, 7 sums}
local function add(unit, counts)
  local s = sums[unit]
  if s == nil then
    s = {0, 0, 0, 0, 0, 0, 0, 0}
    sums[unit] = s
  end
  s[1] = s[1] + 1
  for k = 1, 7 do s[k + 1] = s[k + 1] + counts[k] end
end

local markets = 0
for _, prov in ipairs(redis.call('SMEMBERS', base .. 'ps')) do
  local all = redis.call('HGETALL', base .. 'p:' .. prov)
  for j = 2, #all, 2 do
    local f = {}
    for v in string.gmatch(all[j], '[^,]+') do f[#f + 1] = v end
    local counts = {}
    for k = 1, 7 do counts[k] = tonumber(f[2 + k]) end
    markets = markets + 1
    add('n', counts)
    add('p:' .. prov, counts)
    add('c:' .. f[2], counts)
  end
end

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
