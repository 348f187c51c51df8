-- wrk script: customers answering NPS Desk survey links (bench/survey_vs_peer.py drives it).
-- Env: TOKENS (a file of fresh survey tokens, one a line), NTHREADS (wrk -t), MODE:
--   post : every request is a valid POST of the answer to a fresh link (the submission itself)
--   flow : each simulated customer does GET page -> POST -> GET thank-you page (3 requests)
-- Scores are random 0..10, "why" is blank for half of the answers: as the peer's submit.lua.
local mode = os.getenv("MODE") or "post"
local nthreads = tonumber(os.getenv("NTHREADS") or "2")
local reasons = { "", "", "", "Quick+and+kind", "Had+to+call+twice", "Solved+my+problem+on+the+first+call" }
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  acks, invalid, bad, forms, confirms, exhausted = 0, 0, 0, 0, 0, 0
  pending = {}
  tokens = {}
  step = 0
  local i = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if i % nthreads == tid - 1 then table.insert(tokens, line) end
    i = i + 1
  end
  next_token = 1
  current = nil
  math.randomseed(os.time() * 1000 + tid)
end

local post_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function fresh()
  local token = tokens[next_token]
  if token == nil then
    exhausted = exhausted + 1
    token = tokens[1]
  else
    next_token = next_token + 1
  end
  return token
end

local function post(token)
  local body = "company_score=" .. math.random(0, 10) .. "&agent_score=" .. math.random(0, 10)
    .. "&why=" .. reasons[math.random(1, #reasons)]
  return wrk.format("POST", "/s/" .. token .. "/", post_headers, body)
end

function request()
  if mode == "post" then
    return post(fresh())
  end
  step = step + 1
  local k = step % 3
  if k == 1 then
    current = fresh()
    return wrk.format("GET", "/s/" .. current .. "/")
  elseif k == 2 then
    return post(current)
  else
    local loc = table.remove(pending)
    if loc then
      return wrk.format("GET", loc)
    end
    return wrk.format("GET", "/s/" .. fresh() .. "/")  -- no answer back yet: another customer's page
  end
end

function response(status, headers, body)
  if status == 302 then
    local loc = headers["Location"] or headers["location"] or ""
    local p = string.match(loc, "(/s/[%w_-]+/thanks/)")
    if p then
      acks = acks + 1
      if mode == "flow" and #pending < 1000 then table.insert(pending, p) end
    else
      bad = bad + 1
    end
  elseif status == 200 then
    if string.find(body, "outcome-done", 1, true) then
      confirms = confirms + 1
    elseif mode == "post" then
      invalid = invalid + 1
    else
      forms = forms + 1
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local a, inv, b, f, c, x = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acks"); inv = inv + t:get("invalid"); b = b + t:get("bad")
    f = f + t:get("forms"); c = c + t:get("confirms"); x = x + t:get("exhausted")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("WRK duration_s=%.1f http_requests=%d http_req_per_s=%.1f\n",
    secs, summary.requests, summary.requests / secs))
  io.write(string.format("WRK submissions_acked=%d submissions_per_s=%.1f invalid=%d bad_status=%d form_gets=%d confirm_gets=%d tokens_exhausted=%d\n",
    a, a / secs, inv, b, f, c, x))
  io.write(string.format("WRK latency_ms p50=%.1f p90=%.1f p99=%.1f max=%.1f (per HTTP request)\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("WRK socket_errors connect=%d read=%d write=%d timeout=%d non2xx3xx=%d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
end
