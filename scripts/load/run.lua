-- wrk: POST /v1/run of the diamond workflow, waiting for each run's end;
-- counts responses that are not 200 so a failing server cannot look fast.
wrk.method = "POST"
wrk.body = '{"workflow": "diamond", "parameters": {}}'
wrk.headers["Content-Type"] = "application/json"

local bad = 0
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"completed"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d runs, %.0f runs/s, p50 %.2f ms, p99 %.2f ms, non-success %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + bad))
end
