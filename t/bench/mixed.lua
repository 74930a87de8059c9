-- wrk script of ./build.sh bench: a fixed number of requests cycling
-- through the given paths, then stop (run with -t1 for an exact count).
-- wrk itself still waits out its -d duration, so the script also creates
-- MARKER when it is done: run.sh waits for that and interrupts wrk, which
-- then prints its summary.
--
--   wrk -t1 -c16 -d300s -s mixed.lua http://127.0.0.1:PORT -- COUNT MARKER PATH...

local paths = {}
local limit = 0
local marker = nil
local sent = 0
local received = 0

function init(args)
   limit = tonumber(args[1])
   marker = args[2]
   for i = 3, #args do
      paths[#paths + 1] = args[i]
   end
end

function request()
   sent = sent + 1
   return wrk.format("GET", paths[(sent % #paths) + 1])
end

function response(status, headers, body)
   received = received + 1
   if received == limit then
      local f = io.open(marker, "w")
      if f then
         f:close()
      end
      wrk.thread:stop()
   end
end
