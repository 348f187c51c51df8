-- wrk script: customers answering NPS Desk survey links (bench/survey_vs_peer.py drives it).
-- Env: TOKENS (a file of fresh survey tokens, one a line), NTHREADS (wrk -t), MODE:
--   post : every request is a valid POST of the answer to a fresh link (the submission itself)
--   flow : each simulated customer does GET page -> POST -> GET thank-you page (3 requests),
--          in that order: a link's POST is sent only once its page came back, its thank-you
--          GET only once its POST was acknowledged, and every link is used by one customer.
-- wrk does not say which request a response answers, and a thread's connections interleave,
-- so each page GET carries an X-Request-ID naming its link (the app echoes it back).
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
  acks, invalid, bad, forms, confirms, exhausted, unmatched = 0, 0, 0, 0, 0, 0, 0
  tokens = {}
  local i = 0
  for line in io.lines(os.getenv("TOKENS")) do
    -- each thread takes its own share of the file: no link is used by two threads
    if i % nthreads == tid - 1 then table.insert(tokens, line) end
    i = i + 1
  end
  next_token = 1
  -- FIFO queues with explicit head and tail (the # operator is unreliable once the head is nil)
  to_post = {}    -- links whose page came back: their answer goes next
  to_thank = {}   -- thank-you pages of acknowledged answers
  post_head, post_tail, thank_head, thank_tail = 1, 0, 1, 0
  math.randomseed(os.time() * 1000 + tid)
end

local post_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function fresh()
  local index = next_token
  if tokens[index] == nil then
    exhausted = exhausted + 1
    return nil, nil
  end
  next_token = next_token + 1
  return tokens[index], index
end

local function post(token)
  local body = "company_score=" .. math.random(0, 10) .. "&agent_score=" .. math.random(0, 10)
    .. "&why=" .. reasons[math.random(1, #reasons)]
  return wrk.format("POST", "/s/" .. token .. "/", post_headers, body)
end

function request()
  if mode == "post" then
    local token = fresh()
    if token == nil then return wrk.format("GET", "/healthz") end  -- out of links: counted, never reused
    return post(token)
  end
  local thanks = to_thank[thank_head]
  if thanks then
    to_thank[thank_head] = nil
    thank_head = thank_head + 1
    return wrk.format("GET", thanks)
  end
  local ready = to_post[post_head]
  if ready then
    to_post[post_head] = nil
    post_head = post_head + 1
    return post(ready)
  end
  local token, index = fresh()
  if token == nil then return wrk.format("GET", "/healthz") end
  return wrk.format("GET", "/s/" .. token .. "/", { ["X-Request-ID"] = "bench-" .. tid .. "-" .. index })
end

local function header(headers, name)
  return headers[name] or headers[string.lower(name)]
end

function response(status, headers, body)
  if status == 302 then
    local loc = header(headers, "Location") or ""
    local p = string.match(loc, "(/s/[%w_-]+/thanks/)")
    if p then
      acks = acks + 1
      if mode == "flow" then
        thank_tail = thank_tail + 1
        to_thank[thank_tail] = p
      end
    else
      bad = bad + 1
    end
  elseif status == 200 then
    if string.find(body, "outcome-done", 1, true) then
      confirms = confirms + 1
    elseif mode == "post" then
      if not string.find(body, '"status"', 1, true) then invalid = invalid + 1 end  -- /healthz is JSON
    elseif string.find(body, "company_score", 1, true) then
      forms = forms + 1
      local index = tonumber(string.match(header(headers, "X-Request-ID") or "", "^bench%-%d+%-(%d+)$") or "")
      if index and tokens[index] then
        post_tail = post_tail + 1
        to_post[post_tail] = tokens[index]
      else
        unmatched = unmatched + 1
      end
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local a, inv, b, f, c, x, u = 0, 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acks"); inv = inv + t:get("invalid"); b = b + t:get("bad")
    f = f + t:get("forms"); c = c + t:get("confirms"); x = x + t:get("exhausted")
    u = u + t:get("unmatched")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("WRK duration_s=%.1f http_requests=%d http_req_per_s=%.1f\n",
    secs, summary.requests, summary.requests / secs))
  io.write(string.format("WRK submissions_acked=%d submissions_per_s=%.1f invalid=%d bad_status=%d form_gets=%d confirm_gets=%d tokens_exhausted=%d unmatched=%d\n",
    a, a / secs, inv, b, f, c, x, u))
  io.write(string.format("WRK latency_ms p50=%.1f p90=%.1f p99=%.1f max=%.1f (per HTTP request)\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("WRK socket_errors connect=%d read=%d write=%d timeout=%d non2xx3xx=%d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
end
