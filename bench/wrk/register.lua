-- wrk script for bench/intake.py: POST /api/v1/appeals, every request a different body and
-- Idempotency-Key. Counts 201 (created), 200 (idempotent replay) and other statuses per
-- thread; done() prints one machine-readable line with wrk's own latency percentiles.
--
--   wrk -t2 -c32 -d60s -s bench/wrk/register.lua http://127.0.0.1:PORT -- TOKEN RUNTAG

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local kinds = {"complaint", "help", "consult", "report", "suggestion", "complaint", "help"}
local texts = {
  "小区门口的路灯坏了一个多月，晚上出行不安全",
  "楼下烧烤店每天营业到凌晨两点，油烟和噪音严重扰民",
  "单位拖欠三个月工资至今未发，请劳动监察部门介入",
  "学校附近的十字路口没有红绿灯，学生过马路非常危险",
  "自来水水质发黄有异味，已经持续一周",
  "小区电梯经常故障停运，物业一直拖着不修",
  "建筑工地夜间施工噪音太大，影响周边居民休息",
  "公交站台拆除后一直没有恢复，老人出行不便",
  "暖气不热，室温只有十四度，家里有老人孩子",
  "咨询孩子入学需要准备哪些材料",
  "小区井盖缺失，存在安全隐患",
}
local categories = {}

function init(args)
  token = args[1]
  tag = args[2] or "run"
  for i = 3, #args do categories[#categories + 1] = args[i] end
  created, replayed, failed, sent = 0, 0, 0, 0
  math.randomseed(id * 7919 + os.time())
end

function request()
  sent = sent + 1
  local key = string.format("%s-%d-%d", tag, id, sent)
  local cat = ""
  if #categories > 0 and sent % 3 ~= 0 then
    cat = string.format(',"category":"%s"', categories[(sent % #categories) + 1])
  end
  local body = string.format(
    '{"kind":"%s","content":"%s（来电%d-%d，%s）","requester_phone":"13%09d",' ..
    '"requester_name":"市民%d","address":"第%d区第%d街道%d号"%s}',
    kinds[(sent % #kinds) + 1], texts[math.random(#texts)], id, sent, key,
    math.random(0, 999999999), sent % 1000, math.random(1, 16), math.random(1, 8),
    math.random(1, 300), cat)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
  }
  return wrk.format("POST", "/api/v1/appeals", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    replayed = replayed + 1
  else
    failed = failed + 1
    if failed <= 3 then io.stderr:write("non-201: " .. status .. " " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local c, r, f = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    r = r + t:get("replayed")
    f = f + t:get("failed")
  end
  io.write(string.format(
    "JIESU created=%d replayed=%d failed=%d socket_errors=%d duration_us=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    c, r, f,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
