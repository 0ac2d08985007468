-- wrk as a cheaper driver of registrations (bench/writes.py): each connection, like a person, opens the form
-- (for its CSRF token and session cookie), posts it and reads the 'sent' page. One connection per wrk thread
-- (-t N -c N): the steps of one registration are kept in the thread's own state.
-- Arguments after `--`: a tag that makes the names and addresses of this run unique.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  tag = args[1] or "wrk"
  step, serial, ok, failed = "form", 0, 0, 0
  cookie, token = nil, nil
end

local function headers(extra)
  local h = {["Accept-Encoding"] = "gzip, deflate, br"}
  if cookie then h["Cookie"] = cookie end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function request()
  if step == "form" then
    -- The form's answer is read for its token: asked uncompressed (wrk cannot decompress).
    return wrk.format("GET", "/groep-aanmelden/", headers({["Accept-Encoding"] = "identity"}))
  elseif step == "post" then
    serial = serial + 1
    local who = tag .. "-" .. id .. "-" .. serial
    local body = "csrf_token=" .. token .. "&naam=Buurtapp+" .. who .. "&beheerder_naam=Bram+Beheerder"
      .. "&email=aanmelder" .. who .. "%40voorbeeld.invalid&buurten=BU04170324&actie=aanmelden"
    return wrk.format("POST", "/groep-aanmelden/",
      headers({["Content-Type"] = "application/x-www-form-urlencoded"}), body)
  end
  return wrk.format("GET", "/groep-aanmelden/verstuurd", headers())
end

function response(status, answer_headers, body)
  local set = answer_headers["Set-Cookie"]
  if set then cookie = set:match("^([^;]+)") end
  if step == "form" then
    token = body:match('name="csrf_token" value="([^"]+)"')
    if status == 200 and token then step = "post" else failed = failed + 1 end
  elseif step == "post" then
    if status == 302 then step = "sent" else failed = failed + 1; step = "form" end
  else
    if status == 200 then ok = ok + 1 else failed = failed + 1 end
    step = "form"
  end
end

function done(summary, latency, requests)
  local total_ok, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
  end
  io.write(string.format("registrations ok %d failed %d\n", total_ok, total_failed))
end
