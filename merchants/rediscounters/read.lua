-- read.lua returns the held records of a commune, a province, some markets
-- or every market, in one round trip.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- ARGV[1]  "all", "province" (ARGV[2] the code), "commune" (ARGV[2] the
--          code) or "ids" (ARGV[2…] market IDs)
-- Returns {0} when the counters are not built, else {1, then triples of
-- market ID, province, record}.
local base = KEYS[1]
if redis.call('EXISTS', base .. 'built') == 0 then
  return {0}
end

local out = {1}
local function emit(prov, all, comm)
  for j = 1, #all, 2 do
    if comm == nil or string.match(all[j + 1], '^[^,]+,([^,]+),') == comm then
      out[#out + 1] = all[j]
      out[#out + 1] = prov
      out[#out + 1] = all[j + 1]
    end
  end
end

local mode = ARGV[1]
if mode == 'all' then
  for _, prov in ipairs(redis.call('SMEMBERS', base .. 'ps')) do
    emit(prov, redis.call('HGETALL', base .. 'p:' .. prov), nil)
  end
elseif mode == 'province' then
  emit(ARGV[2], redis.call('HGETALL', base .. 'p:' .. ARGV[2]), nil)
elseif mode == 'commune' then
  local prov = redis.call('HGET', base .. 'cp', ARGV[2])
  if prov then
    emit(prov, redis.call('HGETALL', base .. 'p:' .. prov), ARGV[2])
  end
elseif mode == 'ids' then
  for i = 2, #ARGV do
    local prov = redis.call('HGET', base .. 'idx', ARGV[i])
    if prov then
      local rec = redis.call('HGET', base .. 'p:' .. prov, ARGV[i])
      if rec then
        out[#out + 1] = ARGV[i]
        out[#out + 1] = prov
        out[#out + 1] = rec
      end
    end
  end
else
  return redis.error_reply('unknown read mode ' .. tostring(mode))
end
return out
