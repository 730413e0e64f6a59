"""Every string the workshop dashboard shows, in 简体中文 and English.

`t(key, lang)` looks a string up; `lang` is one of `LANGS` ("zh" first: the workshop's language).
Strings may hold `{placeholders}`, filled from keyword arguments: `t("day", "zh", day=12)`.
An unknown key raises KeyError (a typo should fail in a test, not show up on a trainer's screen).

Keys, by group:

- controls: `play`, `pause`, `step`, `reset`, `speed`, `speed_unit`, `scenario`, `seed`,
  `emergency`, `start_emergency`, `side_by_side`, `language`, `export_png`, `export_gif`,
  `levers`, `levers_side`, `side_A`, `side_B`, `day`, `day_of`, `emergency_running`,
  `emergency_none`, `rebuilt`, `lang_name.zh`, `lang_name.en`;
- the calendar: `date_line` (see `date_text`), `weekday.0` … `weekday.6` (Monday first), `day_kind.KIND`
  for each kind of day of `DAY_KINDS`;
- lever controls, for each policy lever (`sim.params.levers()`), from `LEVER_TEXT`: `lever.KEY` (label
  with its unit), `lever_short.KEY` (a short name) and `lever_help.KEY` (one or two sentences for a
  tooltip); a choice lever's options from `LEVER_OPTIONS` (`lever_option.KEY.VALUE`), a subset lever's
  from its scenario catalogue's names, `CATALOGUE_NAMES` (`catalogue.CATALOGUE.NAME`; a name without
  one is shown as written): see `option_label`;
- lever headings: `lever_group.GROUP` for each group of `session.LEVER_GROUPS`; `switch_on`, `switch_off`,
  `lever_none` (a set of choices with nothing chosen); `lever_note.*`, why a lever is not offered for
  the loaded scenario (`session.DISTRICT_FIXED_LEVERS`: an imported district's grid size and re-partitioning);
- report panel: `report_title`, `report_outcome`, `report_note` (outcome names come from `sim.labels`);
- map: `map_title`, `map.*` legend entries (meetings, disputes by mediation level, petitions
  included), `map.colorbar`, `map.km`, `map.emergency_status`, `map.regrid_status` (grids that adjust);
- charts: `chart.SERIES` for the five daily series (taken from `sim.labels`, so the dashboard
  and the reports name an outcome the same way), `chart.date`, `chart.rolling`, `chart.daily`,
  `chart.emergency_shade`, `chart.regrid` (a day grids were split or merged), `charts_title`;
- difference panel: `diff_title`, `diff_note`, `diff_off`, and for each key of
  `session.DIFFERENCE_KEYS`: `diff.KEY` (name), `diff_label.KEY` (name with unit, for a table whose
  values are bare numbers) and `diff_help.KEY` (what exactly is compared); `diff_units.*`, `diff_none`;
- emergencies: `emergency.TYPE` for each emergency type, `emergency.demo_cold_wave`;
- animation and errors: `anim.*`, `err.*`;
- the budget game (`budget_game`, `budget_text`, `budget_view`): `budget.*` (the player's panel, the
  room's table and chart, the reveal).
"""

from __future__ import annotations

import datetime as dt

from .. import labels as _labels
from ..params import EMERGENCY_TYPES, PARAM_BY_KEY, levers

LANGS = ("zh", "en")

# key -> (简体中文, English), in the order of LANGS.
STRINGS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- controls
    "app_title": ("基层治理沙盘推演", "Grassroots governance workshop"),
    "play": ("播放", "Play"),
    "pause": ("暂停", "Pause"),
    "step": ("前进一天", "Step one day"),
    "reset": ("重置", "Reset"),
    "speed": ("速度", "Speed"),
    "speed_unit": ("天/秒", "days/s"),
    "scenario": ("场景", "Scenario"),
    "seed": ("随机种子", "Random seed"),
    "emergency": ("应急事件", "Emergency"),
    "start_emergency": ("立即启动应急事件", "Start emergency now"),
    "side_by_side": ("方案 A / B 并排比较", "Side by side (A / B)"),
    "language": ("语言", "Language"),
    "export_png": ("导出图片（PNG）", "Export PNG"),
    "export_gif": ("导出动画（GIF）", "Export animation (GIF)"),
    "levers": ("政策杠杆", "Policy levers"),
    "levers_side": ("方案 {side} 的政策杠杆", "Policy levers of option {side}"),
    "side_A": ("方案 A", "Option A"),
    "side_B": ("方案 B", "Option B"),
    "day": ("第 {day} 天", "Day {day}"),
    "day_of": ("第 {day} 天 / 共 {days} 天", "Day {day} of {days}"),
    "scenario_end": ("已到场景最后一天：按“重置”重新开始", "The scenario's last day: reset to start again"),
    # the calendar day of the model's clock (day 0 = sim.start_date): date, weekday and kind of day
    "date_line": ("{date} {weekday} · {kind}", "{weekday} {date} · {kind}"),
    "weekday.0": ("周一", "Mon"),
    "weekday.1": ("周二", "Tue"),
    "weekday.2": ("周三", "Wed"),
    "weekday.3": ("周四", "Thu"),
    "weekday.4": ("周五", "Fri"),
    "weekday.5": ("周六", "Sat"),
    "weekday.6": ("周日", "Sun"),
    "day_kind.workday": ("工作日", "working day"),
    "day_kind.weekend": ("周末休息", "weekend, rest day"),
    "day_kind.holiday": ("法定节假日", "public holiday, rest day"),
    "day_kind.makeup": ("调休上班", "make-up working day (调休)"),
    "emergency_running": ("应急事件进行中：{name}", "Emergency under way: {name}"),
    "emergency_none": ("常态化管理（无应急事件）", "Routine operation (no emergency)"),
    "rebuilt": ("参数已更改：模型已按新参数从第 0 天重新运行至第 {day} 天（同一随机种子）",
                "Lever changed: the model was rebuilt with the new value and re-run from day 0 to day {day} "
                "(same seed)"),
    "lang_name.zh": ("中文", "中文"),
    "lang_name.en": ("English", "English"),
    # ----------------------------------------------------- lever headings
    "lever_group.service": ("服务与放权", "Service and devolution"),
    "lever_group.grids": ("网格与减负", "Grids and burden reduction"),
    "lever_group.emergencies": ("应急管理", "Emergencies"),
    "lever_group.volunteers": ("志愿服务", "Volunteers"),
    "lever_group.deliberation": ("议事协商", "Deliberation"),
    "lever_group.safety": ("平安建设（矛盾纠纷调解）", "Safe communities (mediation)"),
    "switch_on": ("开", "on"),
    "switch_off": ("关", "off"),
    "lever_none": ("无", "none"),
    "lever_note.district_grids": ("每格户数不可调：导入的辖区网格来自边界文件（改网格需重新导入）",
                                  "Households per grid is fixed: an imported district's grids come from its "
                                  "boundaries file (import again to change them)"),
    "lever_note.district_regrid": ("网格动态调整不可用：拆分合并导入辖区的网格多边形需要 shapely（安装 gis 扩展）",
                                   "Grids that adjust are off: splitting and merging an imported district's grid "
                                   "polygons needs shapely (install the gis extra)"),
    # ------------------------------------------------------------ report
    "report_title": ("议事协商与平安建设", "Deliberation and safe communities"),
    "report_outcome": ("指标", "Outcome"),
    "report_note": ("议事会、议题和参与率为第 0 天起的累计；矛盾纠纷各项只计预热期（前 {warmup} 天）之后发生的纠纷。",
                    "Meetings, issues and participation count from day 0; the dispute outcomes count the disputes "
                    "arising after the warm-up (the first {warmup} days)."),
    # ----------------------------------------------------------------- map
    "map_title": ("{scenario}（{side}）— 第 {day} 天 · {date}", "{scenario} ({side}) — day {day} · {date}"),
    "map.households": ("居民户（颜色：满意度）", "Households (colour: satisfaction)"),
    "map.colorbar": ("居民户潜在满意度（0–1）", "Household latent satisfaction (0–1)"),
    "map.grid_boundaries": ("网格边界", "Grid boundaries"),
    "map.community_boundaries": ("社区边界", "Community boundaries"),
    "map.committee_office": ("居委会办公点", "Residents' committee office"),
    "map.township_office": ("街道（乡镇）办事处", "Street / township office"),
    "map.grid_workers": ("网格员", "Grid workers"),
    "map.worker_free": ("网格员（走访巡查 / 在岗）", "Grid worker (visits, patrol, office)"),
    "map.worker_case": ("网格员（处理案件）", "Grid worker (on a case)"),
    "map.worker_emergency": ("网格员（应急任务）", "Grid worker (emergency duty)"),
    "map.open_cases": ("未结案件（已上报）", "Open cases (reported)"),
    "map.emergency_footprint": ("应急影响范围", "Emergency footprint"),
    "map.meeting": ("今日召开居民议事会", "Residents' council meeting today"),
    "map.dispute_grid": ("矛盾纠纷：网格员调解中", "Dispute: with the grid worker"),
    "map.dispute_committee": ("矛盾纠纷：居委会人民调解中", "Dispute: committee mediation (人民调解)"),
    "map.dispute_township": ("矛盾纠纷：街道司法所、综治中心调解中", "Dispute: township (司法所、综治中心)"),
    "map.petition": ("信访（近 {days} 天）", "Petition (信访, last {days} days)"),
    "map.km": ("千米", "km"),
    "map.emergency_status": ("应急：{name}（第 {day} 天起）", "Emergency: {name} (since day {day})"),
    "map.regrid_status": ("网格动态调整：已拆分 {splits} 次、合并 {merges} 次；现有 {grids} 个网格，每格 {low}–{high} 户",
                          "Grids adjusting: splits {splits}, merges {merges} so far; {grids} grids of "
                          "{low}–{high} households"),
    # -------------------------------------------------------------- charts
    "charts_title": ("逐日指标", "Daily outcomes"),
    "chart.date": ("日期", "Date"),
    "chart.daily": ("逐日值", "daily"),
    "chart.rolling": ("7日滚动平均", "7-day mean"),
    "chart.emergency_shade": ("应急期间", "emergency"),
    "chart.regrid": ("网格拆分 / 合并", "grids split / merged"),
    "chart.no_emergency": ("（启动应急事件后显示）", "(shown once an emergency starts)"),
    # ----------------------------------------------------- difference panel
    "diff_title": ("方案 B 与方案 A 的差异（B − A）", "Option B minus option A (B − A)"),
    "diff_note": ("至今逐日值的平均；两方案使用同一随机种子（公共随机数），差异只来自政策杠杆。",
                  "Means of the daily values so far; both options use the same seed (common random numbers), "
                  "so differences come from the levers alone."),
    "diff_none": ("无数据", "no data"),
    "diff_off": ("开启并排比较后显示方案差异", "Turn on side by side to see differences"),
    "diff.response_mean_h": ("平均响应时间", "Mean response time"),
    "diff.satisfaction_rate": ("满意率（好差评）", "Satisfaction rate (好差评)"),
    "diff.backlog": ("积压案件", "Backlog"),
    "diff.vulnerable_reached_share": ("已联系困难群体比例", "Vulnerable households reached"),
    "diff.active_volunteers": ("在岗志愿者", "Active volunteers"),
    "diff.latent_satisfaction": ("潜在满意度", "Latent satisfaction"),
    "diff_label.response_mean_h": ("平均响应时间（小时）", "Mean response time (h)"),
    "diff_label.satisfaction_rate": ("满意率（好差评，百分点）", "Satisfaction rate (好差评, pp)"),
    "diff_label.backlog": ("积压案件（件）", "Backlog (cases)"),
    "diff_label.vulnerable_reached_share": ("已联系困难群体比例（百分点）", "Vulnerable reached (pp)"),
    "diff_label.active_volunteers": ("在岗志愿者（人）", "Active volunteers"),
    "diff_label.latent_satisfaction": ("潜在满意度（百分点）", "Latent satisfaction (pp)"),
    "diff_help.response_mean_h": (
        "各天平均响应时间（从上报到首次响应，小时）的平均值，不计当天无响应的日子。",
        "Mean over the days run of each day's mean response time (report to first response, hours); "
        "days without a response are skipped."),
    "diff_help.satisfaction_rate": (
        "各天好差评满意率（前三档评价所占比例）的平均值，不计当天无评价的日子；差异以百分点表示。",
        "Mean over the days run of each day's 好差评 satisfaction rate (share of ratings in the top three "
        "grades); days without ratings are skipped; the difference is in percentage points."),
    "diff_help.backlog": (
        "各天末已知未结案件数（已上报或已发现、尚未办结或放弃）的平均值。",
        "Mean over the days run of the backlog at each day's end (known open cases: reported or "
        "discovered, not yet resolved nor abandoned)."),
    "diff_help.vulnerable_reached_share": (
        "应急事件开始以来各天末已联系到的困难群体户（独居老人、残疾人家庭）比例的平均值；差异以百分点表示。"
        "比例越早升高，平均值越高。",
        "Mean, over the days since the latest emergency began, of the share of its vulnerable households "
        "(elderly living alone, a disabled member) contacted by each day's end; in percentage points. "
        "Reaching them sooner raises the mean."),
    "diff_help.active_volunteers": (
        "应急期间各天在岗志愿者人数的平均值。",
        "Mean number of volunteers on shift per day, over the days an emergency was under way."),
    "diff_help.latent_satisfaction": (
        "各天末全体居民潜在满意度（0–1）的平均值；差异以百分点表示。",
        "Mean over the days run of all residents' mean latent satisfaction (0–1) at each day's end; "
        "in percentage points."),
    "diff_units.h": ("小时", "h"),
    "diff_units.pp": ("个百分点", "pp"),
    "diff_units.cases": ("件", "cases"),
    "diff_units.persons": ("人", "persons"),
    # ---------------------------------------------------------- emergencies
    "emergency.demo_cold_wave": ("寒潮（演示：中心区域约两成住户）",
                                 "Cold wave (demo: about a fifth of households, centre)"),
    "emergency.cold_wave": ("寒潮", "Cold wave"),
    "emergency.waterlogging": ("城市内涝", "Urban waterlogging"),
    "emergency.fire": ("火灾", "Fire"),
    "emergency.gas_leak": ("燃气泄漏", "Gas leak"),
    "emergency.outbreak": ("疫情", "Outbreak"),
    # ------------------------------------------------------------ animation
    "anim.written": ("已写入 {path}：{frames} 帧（第 1 至 {days} 天，每 {every} 天一帧）",
                     "wrote {path}: {frames} frames (days 1 to {days}, one every {every} days)"),
    # -------------------------------------------------------------- errors
    "err.no_ffmpeg": ("写 MP4 需要 ffmpeg，但未找到；请安装 ffmpeg 或改用 .gif 文件名",
                      "writing MP4 needs ffmpeg, which was not found; install ffmpeg or write a .gif"),
    "err.format": ("不支持的动画格式 {suffix!r}：请使用 .gif 或 .mp4", "unsupported animation format {suffix!r}: "
                   "use .gif or .mp4"),
    # ------------------------------------------------------ the room and the trainer page
    "room.participant_n": ("参与者 {n}", "Participant {n}"),
    "room.your_name": ("您的名字（培训师可见）", "Your name (the trainer sees it)"),
    "room.full": ("会场已满（{n} 个会话），请稍后再试或请培训师关闭不用的页面",
                  "The room is full ({n} sessions): try again later, or ask the trainer to close unused pages"),
    "room.frozen": ("培训师已暂停全场：请看大屏幕", "The trainer has paused the room: please look at the front"),
    "room.no_change": ("未改动", "as the scenario"),
    "trainer.title": ("培训师控制台", "Trainer's console"),
    "trainer.token": ("培训师口令", "Trainer token"),
    "trainer.token_help": ("口令在启动服务器的终端里（govsim dashboard 打印）",
                           "The token is printed by govsim dashboard in the terminal that started the server"),
    "trainer.bad_token": ("口令不对", "That token is not right"),
    "trainer.room": ("全场", "The room"),
    "trainer.connected": ("在线：{n} / {max} 个会话", "Connected: {n} of {max} sessions"),
    "trainer.prepare": ("准备要推送的场景和政策", "Prepare the scenario and levers to push"),
    "trainer.memory": ("每个会话至多约 {per} 内存", "Up to about {per} of memory per session"),
    "trainer.push": ("推送给全场", "Push to everyone"),
    "trainer.pushed": ("已推送给 {n} 个会话", "Pushed to {n} sessions"),
    "trainer.emergency_all": ("全场同时启动应急事件", "Start an emergency for everyone"),
    "trainer.emergency_started": ("{n} 个会话已启动应急事件", "Emergency started in {n} sessions"),
    "trainer.freeze": ("暂停全场", "Freeze the room"),
    "trainer.release": ("恢复全场", "Release the room"),
    "trainer.choices": ("全场的选择与结果", "The room's choices and outcomes"),
    "trainer.col.participant": ("参与者", "Participant"),
    "trainer.col.day": ("天", "Day"),
    "trainer.col.scenario": ("场景", "Scenario"),
    "trainer.col.levers": ("改动的政策", "Levers changed"),
    "trainer.col.response": ("平均首次响应（小时）", "Mean first response (h)"),
    "trainer.col.satisfaction": ("满意率", "Satisfaction rate"),
    "trainer.col.backlog": ("积压（件）", "Backlog (cases)"),
    "trainer.nobody": ("还没有参与者连入", "No participant has joined yet"),
    "tab.live": ("推演", "Live"),
    "tab.budget": ("预算推演", "Budget game"),
    "room.no_game": ("培训师尚未开始预算推演", "The trainer has not started a budget game yet"),
    "trainer.game": ("预算推演", "Budget game"),
    "trainer.game_factor": ("预算 = 场景现有年度成本 ×", "Budget = the scenario's own yearly cost ×"),
    "trainer.game_start": ("开始新一轮（用左侧准备的场景）", "Start a new game (on the scenario prepared here)"),
    "trainer.game_started": ("预算推演已开始：年度预算 {budget} 万元", "Budget game started: a budget of {budget} × 10,000 CNY a year"),
    "trainer.game_reveal": ("公布最佳选择及原因", "Reveal the best choice and why"),
    "room.lesson": ("培训师带领的课程：{title}", "The trainer's lesson: {title}"),
    "trainer.teach": ("全场跟随：每一步推送给所有人", "Teach the room: every step goes to everyone"),
    "trainer.taught": ("第 {step} 步已推送给 {n} 个会话", "Step {step} sent to {n} sessions"),
    "trainer.room_summary": ("下载全场一页总结（HTML，可打印）", "Download the room's one-page summary (HTML, printable)"),
    "summary.session_title": ("推演小结", "Workshop session summary"),
    "summary.room_title": ("全场推演小结", "The room's workshop summary"),
    "summary.choices": ("所作选择", "Choices"),
    "summary.outcomes": ("结果（至今）", "Outcomes so far"),
    "summary.map": ("地图", "Map"),
    "summary.download": ("下载本场一页总结（HTML，可打印）", "Download a one-page summary (HTML, printable)"),
    "export_map_png": ("导出地图（PNG）", "Export map (PNG)"),
    # ------------------------------------------------------------ budget game (sim/dashboard/budget_game.py)
    "budget.player_title": ("预算推演：{player}", "Budget game: {player}"),
    "budget.board_title": ("预算推演：结果一览", "Budget game: the room's results"),
    "budget.budget_line": ("年度预算 {budget}", "Budget {budget} a year"),
    "budget.objective": ("目标：{name}（{direction}）", "Objective: {name} ({direction})"),
    "budget.minimise": ("越低越好", "lower is better"),
    "budget.maximise": ("越高越好", "higher is better"),
    "budget.seed_note": ("所有人使用同一随机种子 {seed}，模拟 {days} 天（同一批居民与诉求）。",
                         "Everyone runs seed {seed} for {days} days (the same residents and the same needs)."),
    "budget.replications_note": ("取种子 {first}–{last} 共 {n} 次重复的平均值，附 95% 置信区间。",
                                 "Means over {n} replications (seeds {first}–{last}), with 95% confidence intervals."),
    "budget.quote": ("估计成本 {estimate}（预算的 {share}）：固定成本 {fixed} 现在即可算出，"
                     "运行成本（加班、督导、值班、积分、会议、调解、巡防）在模拟后才知道，此处按基准情景的 {running} 估计",
                     "Estimated cost {estimate} ({share} of the budget): fixed costs {fixed} are known now; "
                     "running costs (overtime, supervision, duty, points, meetings, mediation, patrols) are known "
                     "only after the run, estimated here at the baseline's {running}"),
    "budget.over_for_sure": ("固定成本已超出预算 {over}：此选择不能获胜", "Fixed costs alone exceed the budget by {over}: "
                             "this choice cannot win"),
    "budget.over_estimate": ("估计超出预算 {over}", "Estimated {over} over the budget"),
    "budget.submit": ("提交并模拟一年", "Submit and run a year"),
    "budget.submitted": ("已提交：{objective}，成本 {cost}", "Submitted: {objective}, cost {cost}"),
    "budget.no_entries": ("还没有人提交。", "Nobody has submitted yet."),
    "budget.col.rank": ("名次", "Rank"),
    "budget.col.player": ("参与者", "Player"),
    "budget.col.objective": ("{name}", "{name}"),
    "budget.col.satisfaction": ("满意率", "Satisfaction rate"),
    "budget.col.elderly_gap": ("老年人满意度差距", "Elderly gap"),
    "budget.col.left_behind": ("谁被落下", "Left behind"),
    "budget.col.cost": ("成本（元/年）", "Cost (CNY a year)"),
    "budget.col.budget_share": ("占预算", "Of budget"),
    "budget.col.changes": ("所选杠杆", "Levers chosen"),
    "budget.baseline": ("基准（情景原有设置）", "Baseline (the scenario's own levers)"),
    "budget.over": ("超预算", "over budget"),
    "budget.not_run": ("未模拟：固定成本已超预算", "not run: fixed costs over budget"),
    "budget.no_change": ("无改动", "no change"),
    "budget.nobody": ("无明显差距", "no clear gap"),
    "budget.group.elderly": ("老年人", "elderly residents"),
    "budget.group.offline": ("离线居民", "offline residents"),
    "budget.group.type": ("{type}社区", "{type} communities"),
    "budget.chart_x": ("年度成本（万元）", "Cost a year (10,000 CNY)"),
    "budget.reveal_title": ("揭晓：预算内的最佳选择", "Reveal: the best choice within the budget"),
    "budget.reveal_none": ("预算内还没有可比较的提交。", "No entry within the budget to compare yet."),
    "budget.reveal_best": ("**{player}**：{name} {value}（基准 {base}，差 {diff}），成本 {cost}（预算 {budget}）。",
                           "**{player}**: {name} {value} (baseline {base}, difference {diff}), cost {cost} "
                           "(budget {budget})."),
    "budget.reveal_also": ("其他结果（括号内为基准）：{items}。", "Other outcomes (baseline in brackets): {items}."),
    "budget.reveal_same": ("最佳选择与基准的杠杆相同。", "The best choice sets every lever as the baseline does."),
    "budget.reveal_why": ("为什么：每次只把基准的一个杠杆换成最佳选择的值（同一随机种子），看目标变化多少。",
                          "Why: change one lever of the baseline at a time to the best choice's value (same seed) "
                          "and see how much the objective moves."),
    "budget.reveal_head": ("| 杠杆 | 基准 | 最佳选择 | 仅改此项对目标的影响 | 仅改此项的成本变化（元/年） | 价格依据 |",
                           "| lever | baseline | best choice | effect on the objective of this lever alone "
                           "| cost change of this lever alone (CNY a year) | prices |"),
    "budget.reveal_invalid": ("单独改变不合规则", "not valid on its own"),
    "budget.reveal_interaction": ("各杠杆单独效果之和为 {sum}，一起改变为 {total}；差值 {rest} 来自杠杆之间的相互作用。",
                                  "The one-at-a-time effects add up to {sum}; together the levers move it by {total}; "
                                  "the remaining {rest} comes from how the levers interact."),
    "budget.reveal_left_behind": ("最佳选择下谁被落下：{who}。", "Who is left behind under the best choice: {who}."),
    "budget.one_draw": ("注意：一个随机种子只是一次抽样。名次相近的选择可能只是运气不同；"
                        "可用 replications > 1 在多个种子上平均，并给出置信区间。",
                        "Note: one seed is one draw. Choices close in rank may differ by luck alone; "
                        "replications > 1 averages over several seeds and gives confidence intervals."),
    "budget.ci_note": ("括号内为 {n} 个种子上配对差值的 95% 置信区间。",
                       "In brackets: 95% confidence intervals of the paired differences over {n} seeds."),
    "budget.prices": ("成本依据（ODD §7.40）：标为“假设”的价格没有公开来源，预算约束与上面的成本变化都依赖于它们。",
                      "What the costs rest on (ODD §7.40): a price marked assumption has no published source, and the "
                      "budget and the cost changes above rest on it."),
    "budget.price_assumption": ("假设", "assumption"),
    "budget.price_sourced": ("有来源", "sourced"),
    "budget.price_free": ("不花钱", "no money"),
    # ------------------------------------------------------- case tracer (sim/dashboard/tracer.py)
    "trace.title": ("案件追踪", "Case tracer"),
    "trace.no_cases": ("第 {id} 户至今没有案件", "Household {id} has had no case so far"),
    "trace.pick_open": ("追踪一个未结案件（等待最久的在前）", "Follow an open case (the longest open first)"),
    "trace.open_since": ("自 {when}", "open since {when}"),
    "trace.case": ("案件 {id}", "Case {id}"),
    "trace.pick": ("本户案件", "This household's cases"),
    "trace.close": ("关闭", "Close"),
    "trace.none": ("请在地图上点击一户或一个未结案件", "Click a household or an open case on the map"),
    "trace.need": ("诉求：{need}", "Need: {need}"),
    "trace.stage.discover": ("发现", "Discover"),
    "trace.stage.report": ("上报", "Report"),
    "trace.stage.dispatch": ("派遣", "Dispatch"),
    "trace.stage.handle": ("处置", "Handle"),
    "trace.stage.verify": ("核查", "Verify"),
    "trace.stage.close": ("结案", "Close"),
    "trace.stage.rate": ("评价", "Rate"),
    "trace.col.stage": ("环节", "Stage"),
    "trace.col.when": ("时间", "When"),
    "trace.col.actor": ("经办", "Handled by"),
    "trace.col.wait": ("等待", "Waited"),
    "trace.when": ("第{day}天 {time}", "day {day} at {time}"),
    "trace.hours": ("{n}小时", "{n} h"),
    "trace.days": ("{n}天", "{n} days"),
    "trace.now": ("进行中", "in progress"),
    "trace.actor.resident": ("居民（第{id}户）", "household {id}"),
    "trace.actor.grid": ("网格 {id}", "grid {id}"),
    "trace.actor.worker": ("网格 {grid} · 网格员 {slot}", "grid {grid} · worker {slot}"),
    "trace.actor.committee": ("社区（村）委会 {id}", "committee {id}"),
    "trace.actor.township": ("乡镇（街道）", "township"),
    "trace.actor.county": ("县级部门 {id}", "county department {id}"),
    "trace.actor.volunteer": ("网格 {id} 的志愿者", "a volunteer of grid {id}"),
    "trace.actor.follow_up": ("回访", "follow-up call"),
    "trace.actor.platform.in_person": ("当面", "in person"),
    "trace.actor.platform.hotline": ("12345 热线派单", "12345 hotline dispatch"),
    "trace.actor.platform.app": ("App 平台派单", "app platform dispatch"),
    "trace.actor.platform.visit": ("入户走访", "household visit"),
    "trace.actor.platform.patrol": ("网格巡查", "grid patrol"),
    "trace.actor.platform.none": ("平台", "platform"),
    "trace.note.channel.in_person": ("当面反映", "in person"),
    "trace.note.channel.hotline": ("拨打 12345 热线", "by the 12345 hotline"),
    "trace.note.channel.app": ("通过 App 上报", "by the app"),
    "trace.note.channel.visit": ("网格员入户走访时上报", "reported by the worker on a household visit"),
    "trace.note.channel.patrol": ("网格员巡查时上报", "reported by the worker on patrol"),
    "trace.note.channel.none": ("未上报", "not reported"),
    "trace.note.found.visit": ("入户走访发现", "found on a household visit"),
    "trace.note.found.patrol": ("巡查发现", "found on patrol"),
    "trace.note.self_dispatch": ("发现的网格员就地处置", "the worker who found it takes it up"),
    "trace.note.in_person": ("居民当面交给网格", "brought in person to the grid"),
    "trace.note.misrouted": ("派错单位", "sent to the wrong desk"),
    "trace.note.to": ("派至{actor}", "to {actor}"),
    "trace.note.handoff": ("超出权限，向上流转", "beyond its authority: handed up"),
    "trace.note.handed_up": ("分拣后上报上级", "triaged and handed up"),
    "trace.note.sent_back": ("派错退单", "misrouted: sent back (退单)"),
    "trace.note.redispatch": ("平台重新派单", "the platform dispatches it again"),
    "trace.note.referred": ("街乡吹哨，转县级部门", "referred to the county department (吹哨)"),
    "trace.note.mutual_aid": ("志愿者互助处置", "done by a volunteer (mutual aid)"),
    "trace.note.closed": ("办结", "closed (办结)"),
    "trace.note.supervised": ("{day} 起督办", "under supervision (督办) from {day}"),
    "trace.note.late_report": ("{day} 县级部门未按时报到", "{day}: the county department missed its report deadline"),
    "trace.note.reopened": ("回访未解决，退回原办结单位重办", "unsolved at the follow-up call: reopened where it was closed"),
    "trace.note.latent": ("尚未上报，也未被发现", "not yet reported nor found"),
    "trace.note.queued": ("正在排队等待受理", "waiting in the queue"),
    "trace.note.emergency": ("应急状态（{name}）：部分人员调往应急岗位", "emergency mode ({name}): staff moved to emergency desks"),
    "trace.outcome.solved": ("已解决", "solved"),
    "trace.outcome.unsolved": ("未解决", "unsolved"),
    "trace.outcome.reopened": ("重办", "reopened"),
    "trace.outcome.abandoned": ("居民放弃等待", "abandoned by the resident"),
    "trace.outcome.lapsed": ("诉求未上报而消失", "lapsed unreported"),
    "trace.outcome.petitioned": ("调解未成，转诉讼或信访", "mediation failed: to court or petition"),
    "trace.outcome.satisfied": ("满意（{grade}/5）", "satisfied ({grade}/5)"),
    "trace.outcome.dissatisfied": ("不满意（{grade}/5）", "dissatisfied ({grade}/5)"),
    "trace.sum.empty": ("没有记录", "nothing recorded"),
    "trace.sum.reported": ("{when} 由{actor}上报", "reported on {when} by {actor}"),
    "trace.sum.waited": ("在{actor}排队等待 {wait}", "waited {wait} in the queue of {actor}"),
    "trace.sum.handled": ("由{actor}处置", "handled by {actor}"),
    "trace.sum.reopened": ("重办 {n} 次", "reopened {n} times"),
    "trace.sum.open": ("尚未结案，目前处于「{stage}」环节", "still open, now at the {stage} stage"),
    "trace.sum.close.solved": ("{when} 结案", "closed on {when}"),
    "trace.sum.close.unsolved": ("{when} 结案（未解决）", "closed on {when}, unsolved"),
    "trace.sum.close.abandoned": ("{when} 居民放弃等待", "abandoned by the resident on {when}"),
    "trace.sum.close.lapsed": ("{when} 诉求未上报而消失", "lapsed unreported on {when}"),
    "trace.sum.close.petitioned": ("{when} 调解未成，转诉讼或信访", "mediation failed on {when}: to court or petition"),
    "trace.sum.rated.satisfied": ("评价满意（{grade}/5）", "rated satisfied ({grade}/5)"),
    "trace.sum.rated.dissatisfied": ("评价不满意（{grade}/5）", "rated dissatisfied ({grade}/5)"),
    # ------------------------------------------- browser map and charts (mapview.py, charts.py)
    "mapview.stage.queued": ("未结案件：排队等待", "Open case: waiting in a queue"),
    "mapview.stage.in_service": ("未结案件：办理中", "Open case: being worked on"),
    "mapview.stage.in_transit": ("未结案件：转办 / 上报途中", "Open case: handed on to another level"),
    "mapview.level.grid": ("网格", "grid"),
    "mapview.level.committee": ("居委会", "committee"),
    "mapview.level.township": ("街道（乡镇）", "township"),
    "mapview.level.county": ("区县部门", "county department"),
    "mapview.household": ("居民户", "Household"),
    "mapview.case": ("案件", "Case"),
    "mapview.diff_empty": ("（并排比较时显示方案 B − 方案 A）", "(B − A shown when side by side)"),
    # -------------------------------------------------------------- lessons (guided lessons, lessons/)
    "lesson.title": ("教学课程", "Guided lesson"),
    "lesson.pick": ("选择课程", "Choose a lesson"),
    "lesson.none": ("（未选择课程）", "(no lesson chosen)"),
    "lesson.step_of": ("第 {step} 步，共 {steps} 步", "Step {step} of {steps}"),
    "lesson.previous": ("上一步", "Previous"),
    "lesson.next": ("下一步", "Next"),
    "lesson.restart": ("从头开始", "Restart"),
    "lesson.look_at": ("请看：{what}", "Look at: {what}"),
    "lesson.question": ("讨论：{question}", "For the room: {question}"),
    "lesson.levers": ("本步设置：{levers}", "This step sets: {levers}"),
    "lesson.levers_b": ("B 方案另设：{levers}", "B also sets: {levers}"),
    "lesson.emergency": ("第 {day} 天启动应急：{name}", "Emergency started on day {day}: {name}"),
    "lesson.look.map": ("地图", "the map"),
    "lesson.look.differences": ("B − A 差异", "the B − A differences"),
}

# Each policy lever (`lever=` in sim/params.py): label (with its unit), short name (for the B − A
# panel and a lever summary line) and help (a tooltip). A lever without them fails at import.
LEVER_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "policy.app_adoption": {
        "label": ("智慧治理：App 上报比例", "Smart governance: app reporting share"),
        "short": ("App 上报", "App reporting"),
        "help": ("有智能手机的居民中通过 App 上报诉求的比例；平台把 App 上报直接派给有权处置的层级。"
                 "没有数字化条件的居民照常通过热线或线下渠道上报（适老化）。",
                 "Share of residents with a smartphone who report by app; the platform routes app reports straight "
                 "to the level with authority. Residents without digital access report offline as before.")},
    "policy.decentralisation": {
        "label": ("放权赋能（下放事项比例）", "Decentralisation (share of items handed down)"),
        "short": ("放权赋能", "Decentralisation"),
        "help": ("可下放的服务事项中下放一级办理的比例（县→街道，街道→社区），并实行一窗式受理，缩短层级间转办时间。",
                 "放权赋能: share of devolvable service items handed down one level (county → township, township → "
                 "committee), with one-window acceptance shortening hand-offs between levels.")},
    "policy.smart_dispatch": {
        "label": ("智能派单：减少错派的比例", "Smart dispatch: share of misrouting removed"),
        "short": ("智能派单", "Smart dispatch"),
        "help": ("智能派单按事项类别和地址自动匹配处置单位，减少派错层级后被退单、重新派单的工单。",
                 "智能派单: category and address matching removes this share of the tickets the platform sends to a "
                 "wrong level, which would be sent back (退单) and dispatched again.")},
    "policy.resources_follow": {
        "label": ("费随事转：随事项下放的人员经费比例", "Resources follow devolved items (share)"),
        "short": ("费随事转", "Resources follow"),
        "help": ("放权赋能时，原来办理这些事项的人员和经费随事项下放的比例（县部门→街道，街道→社区）；"
                 "为 0 时只下放事项、不下放人员，下级负担加重。",
                 "费随事转: share of the staff time (and budget) that devolved items needed at the upper level that "
                 "moves down with them (county department → township, township → committees); at 0 items go down "
                 "and staff stay, so the lower level is loaded without resources.")},
    "grid.households_per_grid": {
        "label": ("网格规模（每格户数）", "Grid size (households per grid)"),
        "short": ("网格规模", "Grid size"),
        "help": ("每个网格覆盖的户数；每个网格配一名专职网格员。网格越小，网格员越多、首次响应越快，人员成本越高。",
                 "Households per grid (网格), each with one full-time grid worker. Smaller grids mean more grid "
                 "workers, faster first response and a higher staff cost.")},
    "grid.part_time_workers": {
        "label": ("每格兼职网格员（人）", "Part-time grid workers per grid"),
        "short": ("兼职网格员", "Part-timers"),
        "help": ("专兼结合：每个网格在专职网格员之外配备的兼职网格员（楼栋长、村干部等，领取补贴），每周只工作有限小时，"
                 "不值夜班、不抽调应急。",
                 "专兼结合: part-time grid workers (building heads, village cadres, paid a stipend) besides the "
                 "full-time one; they work a few hours a week, are not on call and are not moved to emergencies.")},
    "burden.paperwork_hours_per_day": {
        "label": ("减负：网格员每日填表报材料（小时）", "Paperwork per grid worker (h/day)"),
        "short": ("填表报材料", "Paperwork h/day"),
        "help": ("减轻基层负担：网格员每天用于填表、报材料、迎检考核的小时数，这段时间不能走访和处理案件。",
                 "减轻基层负担: daily hours a grid worker spends on forms, reports and assessments instead of visits "
                 "and cases.")},
    "burden.forms_reduction": {
        "label": ("减负：精简报表台账（削减比例）", "Fewer forms and 台账 (share cut)"),
        "short": ("精简报表", "Fewer forms"),
        "help": ("上级交办的报表、台账任务中被取消的比例；腾出的时间用于处理群众诉求和走访。",
                 "Share of the forms and 台账 tasks from above that are cut; the time goes to residents' cases "
                 "and visits.")},
    "burden.assessment_reduction": {
        "label": ("减负：控制考核检查（削减比例）", "Fewer assessments (share cut)"),
        "short": ("减少考核", "Fewer assessments"),
        "help": ("控制考核、检查的数量和频次：被取消的考核迎检任务所占比例。",
                 "Control the number and frequency of assessments: share of assessment and inspection tasks "
                 "from above that are cut.")},
    "burden.shared_data_entry": {
        "label": ("数据共享：一次录入、多方共用（节省比例）", "Shared data entry (share of hours saved)"),
        "short": ("数据共享", "Shared data"),
        "help": ("信息采集数据一次录入、部门共享，采集核查任务的工时按此比例减少。",
                 "Data entered once and shared between departments: data-collection tasks take this share "
                 "fewer hours.")},
    "grids.review_interval_days": {
        "label": ("网格动态调整：复核间隔（天，0 为不调整）", "Grids that adjust: review every (days; 0 = never)"),
        "short": ("网格复核间隔", "Grid review"),
        "help": ("动态调整：每隔这么多天复核一次网格划分，户数过多的网格一分为二（新招一名网格员），户数过少的网格并入相邻网格；"
                 "为 0 时网格始终保持初建时的划分。",
                 "动态调整: every this many days the grid partition is reviewed: a grid with too many households "
                 "splits in two (a new grid worker is hired), one with too few merges into a neighbour; at 0 the "
                 "grids stay as built.")},
    "grids.split_above": {
        "label": ("网格拆分线（网格规模的倍数）", "Split a grid above (× grid size)"),
        "short": ("拆分线", "Split above"),
        "help": ("复核时，现住户数超过“网格规模 × 此倍数”的网格一分为二，并新招一名网格员（新人有熟悉期）。",
                 "At a review, a grid whose present households exceed grid size × this multiple splits in two and "
                 "a new grid worker is hired (who needs time to learn the grid).")},
    "grids.merge_below": {
        "label": ("网格合并线（网格规模的倍数）", "Merge a grid below (× grid size)"),
        "short": ("合并线", "Merge below"),
        "help": ("复核时，现住户数低于“网格规模 × 此倍数”的网格并入同一社区内相邻的最小网格，其网格员不再留用；"
                 "须低于拆分线的一半（否则刚拆开的两半会立即合并），调高时自动压到一半以下；为 0 时不合并。",
                 "At a review, a grid whose present households fall below grid size × this multiple merges with its "
                 "smallest neighbour in the same community and its workers are let go. It must stay below half the "
                 "split multiple (or the halves of a split grid would merge again at once): it is lowered to fit; "
                 "0: never merge.")},
    "emergency.sensor_coverage": {
        "label": ("智能感知：传感器发现应急事件的概率", "Smart sensing: sensor detection chance"),
        "short": ("智能感知", "Sensors"),
        "help": ("智能感知：应急事件发生后几分钟内即被传感器（烟感、水位、燃气等）发现的概率；"
                 "未被发现的事件要等居民来电才为人所知。",
                 "智能感知: chance that sensors (smoke, water level, gas) detect an emergency within minutes of "
                 "onset; otherwise it becomes known only when residents call.")},
    "emergency.preparedness": {
        "label": ("应急预案完善程度（0–1）", "Contingency-plan preparedness (0–1)"),
        "short": ("应急预案", "Preparedness"),
        "help": ("应急预案的质量：越完善，应急响应启动和人员转岗越快。",
                 "应急预案: quality of the contingency plan; a better plan activates emergency command and moves "
                 "staff to emergency tasks sooner.")},
    "volunteer.points_per_hour": {
        "label": ("志愿服务积分（分/小时）", "Volunteer points (points/h)"),
        "short": ("志愿积分", "Volunteer points"),
        "help": ("积分制：每小时志愿服务给予的积分（可兑换，计入预算成本）；积分提高志愿者应答率，但边际效应递减。",
                 "积分制: points paid per volunteer hour (redeemable, a budget cost); points raise the chance that "
                 "volunteers answer a call, with diminishing returns.")},
    "volunteer.recognition": {
        "label": ("志愿者表彰（0–1）", "Volunteer recognition (0–1)"),
        "short": ("志愿表彰", "Recognition"),
        "help": ("对志愿者的公开表彰（光荣榜、星级评定）：表彰越充分，志愿者响应召集的概率越高。",
                 "Public recognition of volunteers (honour lists, star ratings): fuller recognition raises the "
                 "chance that volunteers answer a call.")},
    "deliberation.meetings_per_month": {
        "label": ("议事协商：每社区每月议事会次数", "Deliberation meetings per community per month"),
        "short": ("议事会频次", "Meetings/month"),
        "help": ("居民议事会召开的频次：会议越多，公共事项越早得到协商、达成协议；每次会议占用社区工作者和网格员的工时。",
                 "How often each community's residents' council (议事会) meets: more meetings settle collective "
                 "issues sooner; each meeting takes committee staff's and grid workers' hours.")},
    "deliberation.public_attendance": {
        "label": ("议事会群众列席（开 / 关）", "Public attendance at meetings (列席, on / off)"),
        "short": ("群众列席", "Public attendance"),
        "help": ("开启后，议事会成员以外的居民也可列席议事会并参与表决；老年人、受影响的居民和信任度高的居民更常到会。",
                 "列席: residents beyond the council may attend meetings and take part in the vote; the elderly, "
                 "those affected by an issue on the agenda and those who trust the committee come more often.")},
    "deliberation.elderly_quota": {
        "label": ("议事会老年人席位下限（比例）", "Council seats reserved for the elderly (share)"),
        "short": ("老年人席位", "Elderly seats"),
        "help": ("议事会成员中 60 岁及以上居民至少占的比例。",
                 "At least this share of each council's seats is held by residents aged 60 and over.")},
    "deliberation.renter_quota": {
        "label": ("议事会租户席位下限（比例）", "Council seats reserved for renters (share)"),
        "short": ("租户席位", "Renter seats"),
        "help": ("议事会成员中租房居民至少占的比例；租户在业主表决（民法典第 278 条）中没有表决权。",
                 "At least this share of each council's seats is held by renters; renters have no vote in the "
                 "owners' decisions of Civil Code art. 278.")},
    "deliberation.facilitation_cny_per_meeting": {
        "label": ("议事协商：每次会议的引导经费（元）", "Facilitation budget per meeting (CNY)"),
        "short": ("协商引导经费", "Facilitation CNY"),
        "help": ("政府购买服务：社工或社会组织协助筹备和主持议事会，讨论更易形成共识；经费计入人员成本。",
                 "Government-purchased facilitation (a social worker or organisation prepares and moderates the "
                 "meeting): discussion converges more; the budget counts in the staff cost.")},
    "deliberation.meeting_format": {
        "label": ("议事协商形式", "Meeting format"),
        "short": ("协商形式", "Format"),
        "help": ("居委会议事协商采用的形式：居民议事会（常设议事会成员，开启列席时群众也可参加）、座谈会（邀请少数议事会成员和"
                 "受影响居民深入讨论，工时较少）、听证会（向公众开放并邀请受影响住户，形成听证笔录，工时较多，议定项目公信力更高）。",
                 "The form of the committees' meetings: a residents' council (议事会: the standing council, and the "
                 "public with public attendance), a forum (座谈会: a few invited council members and affected "
                 "residents discuss at length; fewer staff hours) or a hearing (听证会: open, the affected households "
                 "invited, a formal record; more staff hours, and projects agreed there carry more legitimacy).")},
    "deliberation.priority_issues": {
        "label": ("协商重点（街道确定的议题类型）", "Consultation priorities (issue types the township names)"),
        "short": ("协商重点", "Priorities"),
        "help": ("街道（乡镇）确定的协商重点：所选类型的公共议题在每次议事会上优先讨论，议定项目由街道配套资金、实施更快。"
                 "可选类型来自当前场景的公共议题目录；不选即无协商重点。",
                 "The township's consultation priorities (协商重点): collective issues of the chosen types come "
                 "first on every agenda, and their projects are co-funded and finished sooner. The types are the "
                 "loaded scenario's collective-issue catalogue; none chosen: no priorities.")},
    "deliberation.deputy_share": {
        "label": ("人大代表、政协委员参会比例", "Share of meetings attended by deputies"),
        "short": ("代表参会", "Deputies"),
        "help": ("人大代表、政协委员参加社区议事会的比例：有代表参会时议定的项目推进更快，参会居民的信任提高。",
                 "Share of meetings a deputy (人大代表、政协委员) attends: projects agreed there are finished "
                 "sooner, and participants' trust rises.")},
    "safety.mediators_per_committee": {
        "label": ("每个居委会专职人民调解员（人）", "Full-time mediators per committee"),
        "short": ("专职调解员", "Mediators"),
        "help": ("专职人民调解员有自己的调解窗口，专门受理居委会一级的矛盾纠纷；为 0 时由居委会工作人员在本职工作之外调解。"
                 "每人每年计入人员成本。",
                 "Full-time people's mediators (专职人民调解员) with a desk of their own take the committee's "
                 "disputes; at 0 the committee's staff mediate beside their other work. Each counts in the staff "
                 "cost.")},
    "safety.legal_adviser": {
        "label": ("一村（社区）一法律顾问（开 / 关）", "Legal adviser in every community (on / off)"),
        "short": ("法律顾问", "Legal adviser"),
        "help": ("每个社区配备法律顾问，协助居委会和街道（司法所、综治中心）调解，提高调解成功率。",
                 "A legal adviser (法律顾问) in every community supports mediation at the committee and the "
                 "township (司法所、综治中心): more disputes are settled there.")},
    "safety.patrol_volunteers_per_grid": {
        "label": ("平安志愿者巡逻：每网格人数", "Patrol volunteers per grid"),
        "short": ("巡逻志愿者", "Patrol volunteers"),
        "help": ("群防群治：登记志愿者中参加治安巡逻的人数；巡逻发现安全隐患，使其在造成危害前得到处置。巡逻时数计积分，并发放补贴。",
                 "群防群治: registered volunteers per grid who patrol (治安巡逻); patrols find safety hazards "
                 "before they cause harm. Patrol hours earn points and an allowance.")},
    "safety.inspections_per_grid_month": {
        "label": ("网格员安全隐患排查：每网格每月次数", "Grid workers' safety inspections per grid a month"),
        "short": ("隐患排查", "Inspections/month"),
        "help": ("网格员定期排查安全隐患：每次排查占用网格员工时，可发现网格内尚未上报的隐患。",
                 "Grid workers' safety inspections (安全隐患排查): each takes grid workers' hours and finds "
                 "hazards in the grid that nobody has reported yet.")},
    "safety.business_inspection_share": {
        "label": ("双随机抽查：每年抽查商户比例", "Random business inspections a year (share of businesses)"),
        "short": ("双随机抽查", "Business checks"),
        "help": ("双随机、一公开：街道（乡镇）执法人员每年随机抽查的商户比例；抽查占用街道工时，可发现商户的安全隐患。",
                 "双随机、一公开: the share of businesses township inspectors check at random each year; checks "
                 "take township staff hours and find businesses' hazards.")},
    "safety.inspection_results_published": {
        "label": ("抽查结果公开（开 / 关）", "Inspection results published (on / off)"),
        "short": ("结果公开", "Results published"),
        "help": ("一公开：抽查结果向社会公开，被抽查商户此后隐患发生率下降（守法效应，为假设）。",
                 "一公开: inspection results are made public; an inspected business then has fewer hazards "
                 "(a compliance effect, an assumption).")},
    "safety.convention": {
        "label": ("村规民约、居民公约（开 / 关）", "Residents' convention adopted (on / off)"),
        "short": ("居民公约", "Convention"),
        "help": ("各社区制定村规民约、居民公约，矛盾纠纷的发生率按设定比例下降（幅度为假设值）。",
                 "Every community adopts a village or residents' convention (村规民约、居民公约): disputes arise "
                 "less often, by an assumed share.")},
}

# Each option of a choice lever (`Lever(kind="choice")`), in words. A choice without one fails at import.
LEVER_OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "deliberation.meeting_format": {
        "council": ("议事会", "Council (议事会)"),
        "forum": ("座谈会", "Forum (座谈会)"),
        "hearing": ("听证会", "Hearing (听证会)")},
}

# The names of a scenario catalogue's entries that a subset lever (`Lever(kind="subset")`) offers: the
# collective issue types of the default catalogue (scenarios/baseline.toml). A scenario's own type
# without a row here is shown by its name.
CATALOGUE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "collective": {
        "lift": ("加装电梯", "Lift for a walk-up (加装电梯)"),
        "parking": ("停车", "Parking (停车)"),
        "renovation": ("老旧小区改造", "Old-estate renovation (老旧小区改造)"),
        "property_fees": ("物业费", "Property fees (物业费)"),
        "public_space": ("公共空间", "Public space (公共空间)"),
        "village_affairs": ("村集体事务", "Village affairs (村集体事务)")},
}

for _lever in levers():
    if _lever.key not in LEVER_TEXT:
        raise AssertionError(f"lever {_lever.key} has no label in sim/dashboard/i18n.py LEVER_TEXT")
    for _part, _pair in LEVER_TEXT[_lever.key].items():
        STRINGS[f"lever{'' if _part == 'label' else '_' + _part}.{_lever.key}"] = _pair
    if _lever.lever.kind == "choice":
        if set(LEVER_OPTIONS.get(_lever.key, {})) != set(_lever.choices):
            raise AssertionError(f"lever {_lever.key}: LEVER_OPTIONS must name each of {_lever.choices}")
        for _value, _pair in LEVER_OPTIONS[_lever.key].items():
            STRINGS[f"lever_option.{_lever.key}.{_value}"] = _pair
    if _lever.lever.kind == "subset" and _lever.lever.catalogue not in CATALOGUE_NAMES:
        raise AssertionError(f"lever {_lever.key}: no CATALOGUE_NAMES for {_lever.lever.catalogue!r}")
for _catalogue, _names in CATALOGUE_NAMES.items():
    for _name, _pair in _names.items():
        STRINGS[f"catalogue.{_catalogue}.{_name}"] = _pair

# The five daily series: the same labels as the experiment reports.
CHART_SERIES = ("response_mean_h", "satisfaction_rate", "backlog", "vulnerable_reached_share", "active_volunteers")
for _key in CHART_SERIES:
    STRINGS[f"chart.{_key}"] = (_labels.label(_key, "zh"), _labels.label(_key, "en"))

assert all(f"emergency.{k}" in STRINGS for k in EMERGENCY_TYPES), "an emergency type without its name"


def _index(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return LANGS.index(lang)


def t(key: str, lang: str, **fmt) -> str:
    """The UI string `key` in `lang` ("zh" or "en"), formatted with `fmt` if given."""
    i = _index(lang)
    try:
        s = STRINGS[key][i]
    except KeyError:
        raise KeyError(f"no UI string {key!r} (sim/dashboard/i18n.py)") from None
    return s.format(**fmt) if fmt else s


# Kinds of calendar day in the official calendar (`session.day_kind`): an ordinary working day, a
# weekend, a rest day of a public holiday (its weekend days included), a weekend day worked (调休).
DAY_KINDS = ("workday", "weekend", "holiday", "makeup")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
assert all(f"day_kind.{k}" in STRINGS for k in DAY_KINDS), "a kind of day without its name"


def date_text(date: dt.date, kind: str, lang: str) -> str:
    """A calendar day as the dashboard shows it: "2025-01-28 周二 · 法定节假日", "Tue 2025-01-28 · public
    holiday, rest day" (`kind`: one of DAY_KINDS)."""
    return t("date_line", lang, date=date.isoformat(), weekday=t(f"weekday.{date.weekday()}", lang),
             kind=t(f"day_kind.{kind}", lang))


def date_tick(date: dt.date, lang: str) -> str:
    """A date on a chart's axis: on the first of a month the month ("3月", "Mar"; in January with the
    year, "2026年1月", "Jan 2026"), on other days month and day ("3月8日", "8 Mar")."""
    if date.day == 1:
        year = date.month == 1
        if lang == "zh":
            return f"{date.year}年1月" if year else f"{date.month}月"
        return f"Jan {date.year}" if year else MONTHS_EN[date.month - 1]
    return f"{date.month}月{date.day}日" if lang == "zh" else f"{date.day} {MONTHS_EN[date.month - 1]}"


def option_label(lever_key: str, option: str, lang: str) -> str:
    """An option of a choice or subset lever in words: a choice's from LEVER_OPTIONS, a catalogue
    name's from CATALOGUE_NAMES, else the option as written (a scenario's own issue type)."""
    lever = PARAM_BY_KEY[lever_key].lever
    key = (f"catalogue.{lever.catalogue}.{option}" if lever is not None and lever.kind == "subset"
           else f"lever_option.{lever_key}.{option}")
    return t(key, lang) if key in STRINGS else option


def emergency_label(name: str, lang: str) -> str:
    """An emergency's display name: a known type or the demo emergency by its translation, else its
    scenario name as written."""
    key = f"emergency.{name}"
    return t(key, lang) if key in STRINGS else name


__all__ = ["CATALOGUE_NAMES", "CHART_SERIES", "DAY_KINDS", "LANGS", "LEVER_OPTIONS", "LEVER_TEXT", "STRINGS",
           "date_text", "date_tick", "emergency_label", "option_label", "t"]
