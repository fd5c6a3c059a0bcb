/** The Lua file the sandbox writes next to haproxy.cfg (data key meshloom.lua): fault-injection delays. */
export const MESHLOOM_LUA = `-- Meshloom sandbox: fault-injection delay.
-- http-request lua.meshloom_delay <milliseconds> [if <condition>]
core.register_action("meshloom_delay", { "http-req" }, function(txn, ms)
  local n = tonumber(ms)
  if n ~= nil and n > 0 then
    core.msleep(math.floor(n))
  end
end, 1)
`;
