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
local base = KEYS[1]
local rebuild = ARGV[1] == 'rebuild'
if rebuild and redis.call('GET', base .. 'building') ~= ARGV[2] then
  return redis.error_reply('SAPQR_REBUILD_LOST the building token is gone: the counters were flushed or another rebuild started')
end

local metrics = {'declared', 'active', 'stalls_qr', 'vendors', 'vendors_qr', 'signs', 'transacting'}
local tkey = base .. 't'
local idx = base .. 'idx'

local function unitPrefixes(prov, comm)
  return {'n:', 'p:' .. prov .. ':', 'c:' .. comm .. ':'}
end

-- move adds sign × counts to every unit of (prov, comm), and sign to its
-- market count.
local function move(prov, comm, counts, sign)
  for _, u in ipairs(unitPrefixes(prov, comm)) do
    redis.call('HINCRBY', tkey, u .. 'markets', sign)
    for k = 1, 7 do
      if counts[k] ~= 0 then
        redis.call('HINCRBY', tkey, u .. metrics[k], sign * counts[k])
      end
    end
  end
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
    if old ~= nil and oldProv == prov and old.comm == comm then
      local diff = {}
      for k = 1, 7 do diff[k] = new[k] - old.counts[k] end
      for _, u in ipairs(unitPrefixes(prov, comm)) do
        for k = 1, 7 do
          if diff[k] ~= 0 then redis.call('HINCRBY', tkey, u .. metrics[k], diff[k]) end
        end
      end
    else
      if old ~= nil then
        move(oldProv, old.comm, old.counts, -1)
        if oldProv ~= prov then redis.call('HDEL', base .. 'p:' .. oldProv, id) end
      end
      move(prov, comm, new, 1)
    end
    local rec = ARGV[i + 3] .. ',' .. comm
    for k = 4, 10 do rec = rec .. ',' .. ARGV[i + k] end
    redis.call('HSET', base .. 'p:' .. prov, id, rec)
    redis.call('HSET', idx, id, prov)
    redis.call('HSET', base .. 'cp', comm, prov)
    redis.call('SADD', base .. 'ps', prov)
    changed = changed + 1
  end
end
return changed
