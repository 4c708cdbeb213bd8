-- wrk script: paces each connection to about one request per 60 ms (64 connections, about 1,000 requests/s).
-- Usage: wrk -t2 -c64 -d30s --latency -s scripts/pace.lua "http://127.0.0.1:8090/forms/klinisk.pdf?region=01"
function delay()
  return 60
end
