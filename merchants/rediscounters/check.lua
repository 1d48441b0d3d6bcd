-- check.lua compares every held total with the sum of the held market
-- records (unit_sums, from sums.lua), atomically, and changes nothing.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- Returns {0} when the counters are not built, else {1, then the fields of
-- the units whose totals differ ("n", "p:CODE", "c:CODE")}.
local base = KEYS[1]
if redis.call('EXISTS', base .. 'built') == 0 then
  return {0}
end

local sums = unit_sums(base)

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
