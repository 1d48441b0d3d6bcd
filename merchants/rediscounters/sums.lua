-- sums.lua is the start of the scripts that recompute totals from the held
-- market records (check.lua, finish.lua; see redis.go).
--
-- unit_sums(base) adds up the market records of every province under the
-- key prefix base into the totals of the nation ("n"), each province
-- ("p:CODE") and each commune ("c:CODE"): unit field -> {markets, then
-- the 7 counts}. It also returns the number of markets.
local function unit_sums(base)
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
  return sums, markets
end

