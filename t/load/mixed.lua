-- wrk script of t/load/run.sh: mixed traffic through the gateway, every
-- answer checked against what its kind of request must get.
--
--   wrk ... -s mixed.lua http://127.0.0.1:PORT -- EXPECTATIONS_FILE
--
-- Each line of EXPECTATIONS_FILE is
--   PATH WEIGHT STATUS HEADER BODY_FILE
-- PATH is sent WEIGHT times per cycle as a PUT of a small body; the answer
-- must carry STATUS, exactly the bytes of BODY_FILE, and the header HEADER
-- ("-": no S3-Denial header at all).  The gateway echoes the request's
-- URI in X-Kind, so that an answer can be matched to its kind although
-- wrk does not say which request it answers.
--
-- Every request asks for "Connection: close": nginx ends a reload by
-- closing its idle keepalive connections, and a request a client had
-- just sent on one is lost (clients retry those, wrk counts a read
-- error).  With one connection per request, a read error is a real one.

local expect = {}     -- path -> { status, header, body }
local cycle = {}      -- ready-made requests, in sending order
local sent = 0

-- tallies of this thread, read by done() through thread:get()
answers = {}          -- path -> answers that were as expected
unexpected = 0
examples = {}         -- the first few unexpected answers, described

local threads = {}

local function read_file(path)
   local fh = assert(io.open(path, "rb"))
   local text = fh:read("*a")
   fh:close()
   return text
end

function setup(thread)
   threads[#threads + 1] = thread
end

function init(args)
   local headers = { ["Content-Type"] = "text/plain",
                     ["Connection"] = "close" }
   local fh = assert(io.open(args[1], "r"))
   for line in fh:lines() do
      local path, weight, status, header, file =
         line:match("^(%S+)%s+(%d+)%s+(%d+)%s+(%S+)%s+(%S+)$")
      if path then
         expect[path] = { status = tonumber(status), header = header,
                          body = read_file(file) }
         answers[path] = 0
         for _ = 1, tonumber(weight) do
            cycle[#cycle + 1] = wrk.format("PUT", path, headers, "hello")
         end
      end
   end
   fh:close()
   assert(#cycle > 0, "no expectations in " .. args[1])
end

function request()
   sent = sent + 1
   return cycle[(sent % #cycle) + 1]
end

local function note(what)
   unexpected = unexpected + 1
   if #examples < 5 then
      examples[#examples + 1] = what
   end
end

function response(status, headers, body)
   local kind = headers["X-Kind"]
   local want = kind and expect[kind]

   if not want then
      note(string.format("status %d without a known X-Kind (%s)", status,
                         tostring(kind)))
      return
   end

   if status ~= want.status then
      note(string.format("%s: status %d, expected %d", kind, status,
                         want.status))
   elseif body ~= want.body then
      note(string.format("%s: body of %d bytes differs from the expected %d",
                         kind, #body, #want.body))
   elseif want.header == "-" and headers["S3-Denial"] ~= nil then
      note(kind .. ": S3-Denial on a response that must pass through")
   elseif want.header ~= "-" and headers[want.header] == nil then
      note(kind .. ": no " .. want.header .. " header")
   else
      answers[kind] = answers[kind] + 1
   end
end

function done(summary, latency, requests)
   local total = {}
   local bad = 0
   local shown = {}

   for _, thread in ipairs(threads) do
      for path, n in pairs(thread:get("answers")) do
         total[path] = (total[path] or 0) + n
      end
      bad = bad + thread:get("unexpected")
      for _, e in ipairs(thread:get("examples")) do
         if #shown < 5 then
            shown[#shown + 1] = e
         end
      end
   end

   local paths = {}
   for path in pairs(total) do
      paths[#paths + 1] = path
   end
   table.sort(paths)

   for _, path in ipairs(paths) do
      io.write(string.format("load-kind %s %d\n", path, total[path]))
   end
   for _, e in ipairs(shown) do
      io.write("load-unexpected-example " .. e .. "\n")
   end

   local e = summary.errors
   io.write(string.format(
      "load-result requests=%d duration_us=%d unexpected=%d connect=%d "
      .. "read=%d write=%d timeout=%d p99_ms=%.1f max_ms=%.1f\n",
      summary.requests, summary.duration, bad, e.connect, e.read, e.write,
      e.timeout, latency:percentile(99) / 1000, latency.max / 1000))
end
