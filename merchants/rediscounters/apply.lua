-- apply.lua stores market counts that are newer than the ones held and moves
-- the commune, province and national totals by the difference, atomically.
--
-- KEYS[1]  the key prefix, e.g. "{sapqr:v1}:"
-- ARGV[1]  "apply": take strictly newer versions;
--          "rebuild": also take equal versions (a recount repairs drift),
--          only while the building key still holds the token ARGV[2]
-- ARGV[3…] groups of 11: market ID, province, commune, version, then the
--          counts declared, active, stalls_qr, vendors, vendors_qr, signs,
--          transacting
-- Returns the number of markets whose held counts changed.
--
-- A total is one field of the hash KEYS[1].."t" per unit ("n" for the
-- country, "p:CODE", "c:CODE") holding "markets,7 sums". The differences
-- of the whole batch are added up here first, so a unit costs one read and
-- one write per batch however many of its markets changed.
local base = KEYS[1]
local rebuild = ARGV[1] == 'rebuild'
if rebuild and redis.call('GET', base .. 'building') ~= ARGV[2] then
  return redis.error_reply('SAPQR_REBUILD_LOST the building token is gone: the counters were flushed or another rebuild started')
end

local idx = base .. 'idx'
local delta = {} -- unit field -> {markets, 7 sums}

local function add(unit, sign, counts, marketSign)
  local d = delta[unit]
  if d == nil then
    d = {0, 0, 0, 0, 0, 0, 0, 0}
    delta[unit] = d
  end
  d[1] = d[1] + marketSign
  for k = 1, 7 do d[k + 1] = d[k + 1] + sign * counts[k] end
end

-- move adds sign × counts, and sign markets, to the units of (prov, comm).
local function move(prov, comm, counts, sign)
  add('n', sign, counts, sign)
  add('p:' .. prov, sign, counts, sign)
  add('c:' .. comm, sign, counts, sign)
end

local changed = 0
for i = 3, #ARGV, 11 do
  local id, prov, comm, ver = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local new = {}
  for k = 1, 7 do new[k] = tonumber(ARGV[i + 3 + k]) end

  local oldProv = redis.call('HGET', idx, id)
  local old = nil
  if oldProv then
    local rec = redis.call('HGET', base .. 'p:' .. oldProv, id)
    if rec then
      local f = {}
      for v in string.gmatch(rec, '[^,]+') do f[#f + 1] = v end
      old = {ver = tonumber(f[1]), comm = f[2], counts = {}}
      for k = 1, 7 do old.counts[k] = tonumber(f[2 + k]) end
    end
  end

  if old == nil or old.ver < ver or (rebuild and old.ver == ver) then
    if old ~= nil then
      move(oldProv, old.comm, old.counts, -1)
      if oldProv ~= prov then redis.call('HDEL', base .. 'p:' .. oldProv, id) end
    end
    move(prov, comm, new, 1)
    local rec = ARGV[i + 3] .. ',' .. comm
    for k = 4, 10 do rec = rec .. ',' .. ARGV[i + k] end
    redis.call('HSET', base .. 'p:' .. prov, id, rec)
    if oldProv ~= prov then
      redis.call('HSET', idx, id, prov)
      redis.call('SADD', base .. 'ps', prov)
    end
    if old == nil or old.comm ~= comm then
      redis.call('HSET', base .. 'cp', comm, prov)
    end
    changed = changed + 1
  end
end

local tkey = base .. 't'
for unit, d in pairs(delta) do
  local moved = false
  for k = 1, 8 do
    if d[k] ~= 0 then moved = true end
  end
  if moved then
    local cur = redis.call('HGET', tkey, unit)
    local sums = {0, 0, 0, 0, 0, 0, 0, 0}
    if cur then
      local k = 0
      for v in string.gmatch(cur, '[^,]+') do
        k = k + 1
        sums[k] = tonumber(v)
      end
    end
    for k = 1, 8 do sums[k] = string.format('%d', sums[k] + d[k]) end
    redis.call('HSET', tkey, unit, table.concat(sums, ','))
  end
end
return changed
