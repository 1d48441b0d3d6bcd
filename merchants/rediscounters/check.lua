-- check.lua compares every held total with the sum of the held market
-- records, atomically, and changes nothing.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- Returns {0} when the counters are not built, else {1, then the fields of
-- the units whose totals differ ("n", "p:CODE", "c:CODE")}.
local base = KEYS[1]
if redis.call('EXISTS', base .. 'built') == 0 then
  return {0}
end

local sums = {}
local function add(unit, counts)
  local s = sums[unit]
  if s == nil then
    s = {0, 0, 0, 0, 0, 0, 0, 0}
    sums[unit] = s
  end
  s[1] = s[1] + 1
  for k = 1, 7 do s[k + 1] = s[k + 1] + counts[k] end
end
for _, prov in ipairs(redis.call('SMEMBERS', base .. 'ps')) do
  local all = redis.call('HGETALL', base .. 'p:' .. prov)
  for j = 2, #all, 2 do
    local f = {}
    for v in string.gmatch(all[j], '[^,]+') do f[#f + 1] = v end
    local counts = {}
    for k = 1, 7 do counts[k] = tonumber(f[2 + k]) end
    add('n', counts)
    add('p:' .. prov, counts)
    add('c:' .. f[2], counts)
  end
end

local out = {1}
local seen = {}
local held = redis.call('HGETALL', base .. 't')
for j = 1, #held, 2 do
  local unit = held[j]
  seen[unit] = true
  local want = sums[unit] or {0, 0, 0, 0, 0, 0, 0, 0}
  local k = 0
  local same = true
  for v in string.gmatch(held[j + 1], '[^,]+') do
    k = k + 1
    if tonumber(v) ~= want[k] then same = false end
  end
  if not same or k ~= 8 then out[#out + 1] = unit end
end
for unit, _ in pairs(sums) do
  if not seen[unit] then out[#out + 1] = unit end
end
return out
