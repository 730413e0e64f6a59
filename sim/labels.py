"""Bilingual (English / 简体中文) labels for outcomes, report phrases and figure text, and the fonts
that draw them.

One place for every word a reader sees, so the figures, the reports (sim/lab) and the dashboard's
charts (sim/dashboard) name an outcome the same way: below both, imported by both. Outcome labels carry their unit, as an axis label needs; `name` strips the unit for use
inside a sentence. Keys without a label fall back to the key itself, so a new summary metric
still appears, just less politely.
"""

from __future__ import annotations

import functools
import re

PAIR_ORDER = ("en", "zh")  # the languages of each (first, second) pair below

OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    # response and resolution
    "response_time_h.mean": ("Mean response time (h)", "平均响应时间（小时）"),
    "response_time_h.median": ("Median response time (h)", "响应时间中位数（小时）"),
    "response_time_h.p90": ("Response time, 90th percentile (h)", "响应时间第90百分位（小时）"),
    "resolution_time_h.mean": ("Mean resolution time (h)", "平均办结时间（小时）"),
    "resolution_time_h.median": ("Median resolution time (h)", "办结时间中位数（小时）"),
    "resolution_time_h.p90": ("Resolution time, 90th percentile (h)", "办结时间第90百分位（小时）"),
    "rates.on_time": ("On-time rate", "按时办结率"),
    "rates.on_time_among_resolved": ("On-time rate among resolved cases", "已办结案件按时办结率"),
    "rates.resolution": ("Closed rate (former name of rates.closed)", "办结率（rates.closed 的旧名）"),
    "rates.closed": ("Closed rate (办结率)", "办结率"),
    "rates.solved": ("Solved rate (解决率, from the follow-up call)", "解决率（回访确认）"),
    "rates.reopened": ("Reopened rate (重办)", "重办率"),
    "ratings.satisfaction_rate_followed_up": ("Satisfaction rate of follow-up calls", "回访满意率"),
    "rates.abandonment": ("Abandonment rate", "放弃率"),
    "rates.lapse": ("Lapse rate (never reported)", "未报即失率（需求未上报即消失）"),
    "rates.discovered_share": ("Share found by grid workers", "网格员主动发现占比"),
    "volume.requests_per_resident_year": ("Requests reported per resident and year", "每位居民每年上报诉求数"),
    "backlog.mean": ("Mean backlog (cases)", "平均积压案件数（件）"),
    "backlog.max": ("Peak backlog (cases)", "积压案件峰值（件）"),
    # satisfaction and equity
    "ratings.satisfaction_rate": ("Satisfaction rate (好差评)", "满意率（好差评）"),
    "ratings.bad_rate": ("Bad-rating rate (好差评)", "差评率（好差评）"),
    "ratings.overdue_open": ("Cases open past their deadline at the end (counted as bad ratings)",
                             "期末超期未办结案件数（计为差评）"),
    "ratings.elderly_gap": ("Satisfaction-rate gap, others minus elderly", "满意率差距（其他居民减老年人）"),
    "satisfaction.latent_mean": ("Latent satisfaction (mean, 0–1)", "潜在满意度（均值，0–1）"),
    "satisfaction.latent_mean_elderly": ("Latent satisfaction, elderly", "老年人潜在满意度"),
    "satisfaction.latent_mean_other": ("Latent satisfaction, others", "其他居民潜在满意度"),
    "satisfaction.elderly_gap": ("Elderly gap in latent satisfaction (others minus elderly)",
                                 "老年人潜在满意度差距（其他居民减老年人）"),
    "equity.response_gap_elderly_h": ("Elderly response-time gap (elderly minus others, h)",
                                      "老年人响应时间差距（老年人减其他居民，小时）"),
    "survey.satisfaction_rate": ("Survey satisfaction rate (群众满意度调查)", "群众满意度调查满意率"),
    # workforce and cost
    "workers.utilisation": ("Grid-worker utilisation", "网格员工作负荷率"),
    "workers.paperwork_share": ("Grid-worker paperwork share", "网格员填表报材料时间占比"),
    "workers.proactive_share": ("Grid-worker proactive share", "网格员主动走访巡查时间占比"),
    "workers.overtime_hours_per_worker_year": ("Overtime per grid worker (h/year)", "网格员人均加班（小时/年）"),
    "committee.utilisation": ("Committee staff utilisation", "居委会工作人员负荷率"),
    "township.utilisation": ("Township staff utilisation", "乡镇（街道）工作人员负荷率"),
    "county.utilisation": ("County department staff utilisation", "县直部门工作人员负荷率"),
    "county.late_report_rate": ("Late reports by county departments (吹哨报到)", "县直部门超时报到比例"),
    "workload.grid_worker.utilisation": ("Grid-worker time occupied (cases, tasks, paperwork)",
                                         "网格员工作时间占用率（案件、交办任务、填表）"),
    "workload.committee.utilisation": ("Committee staff time occupied (cases and tasks)",
                                       "居委会工作人员工作时间占用率（案件与交办任务）"),
    "workload.township.utilisation": ("Township staff time occupied (cases and tasks)",
                                      "乡镇（街道）工作人员工作时间占用率（案件与交办任务）"),
    "supervision.share_of_reported": ("Share of cases supervised (督办)", "督办案件占比"),
    "routing.sent_back_share": ("Share of dispatched cases sent back (退单)", "退单率"),
    "cost.staff_cny": ("Staff cost (CNY)", "人员成本（元）"),
    "cost.overtime_cny": ("Overtime cost (CNY)", "加班成本（元）"),
    "cost.per_resident_year_cny": ("Staff cost per resident-year (CNY)", "每名居民年均人员成本（元）"),
    "cost.per_resolved_case_cny": ("Staff cost per resolved case (CNY)", "每件办结案件人员成本（元）"),
    # what a policy costs, a year (sim/costs.py, ODD 7.40)
    "cost.total_cny_per_year": ("Total cost of the policy (CNY per year)", "政策总成本（元/年）"),
    "cost.total_per_resident_year_cny": ("Total cost per resident-year (CNY)", "每名居民年均总成本（元）"),
    "cost.staff_cny_per_year": ("Staff wages (CNY per year)", "人员工资（元/年）"),
    "cost.overtime_cny_per_year": ("Overtime pay (CNY per year)", "加班费（元/年）"),
    "cost.duty_cny_per_year": ("Duty allowances (CNY per year)", "值班补贴（元/年）"),
    "cost.supervision_cny_per_year": ("Supervision of overdue cases (CNY per year)", "督办成本（元/年）"),
    "cost.grid_heads_cny_per_year": ("Grid heads' allowances (CNY per year)", "网格长补贴（元/年）"),
    "cost.devolution_funds_cny_per_year": ("Funds following devolved items, 费随事转 (CNY per year)",
                                           "费随事转下放经费（元/年）"),
    "cost.platform_cny_per_year": ("Digital platform: app, smart dispatch, data sharing (CNY per year)",
                                   "智慧治理平台：App、智能派单、数据共享（元/年）"),
    "cost.sensors_cny_per_year": ("Sensors, 智能感知 (CNY per year)", "智能感知设备（元/年）"),
    "cost.training_cny_per_year": ("Emergency plans and training (CNY per year)", "应急预案与培训演练（元/年）"),
    "cost.volunteer_points_cny_per_year": ("Volunteer points, 积分 (CNY per year)", "志愿服务积分兑换（元/年）"),
    "cost.recognition_cny_per_year": ("Volunteer recognition (CNY per year)", "志愿者表彰（元/年）"),
    "cost.deliberation_cny_per_year": ("Deliberation: meetings, facilitation, co-funding (CNY per year)",
                                       "议事协商：会议、引导服务、项目配套（元/年）"),
    "cost.mediation_cny_per_year": ("Mediation: mediators, legal advisers, conventions (CNY per year)",
                                    "矛盾调解：专职调解员、法律顾问、村规民约（元/年）"),
    "cost.prevention_cny_per_year": ("Prevention: patrol allowances, inspections (CNY per year)",
                                     "群防群治：巡逻补贴、安全检查（元/年）"),
    "territory.grids": ("Number of grids", "网格数"),
    "workers.part_time": ("Part-time grid workers", "兼职网格员人数"),
    "workload.closed_at_overtime_cap_share": ("Share of closures at the overtime cap", "加班达上限时办结的比例"),
    # safe communities (平安建设) and deliberation (议事协商)
    "safety.disputes_per_10k": ("Disputes per 10,000 residents a year", "每万人年矛盾纠纷数"),
    "safety.petitions_per_10k": ("Petitions (信访) per 10,000 residents a year", "每万人年信访数"),
    "safety.resolution_rate.community": ("Disputes settled in the community (化解率)", "矛盾纠纷社区化解率"),
    "safety.resolution_time_h.mean": ("Mean time to settle a dispute (h)", "矛盾纠纷平均化解用时（小时）"),
    "safety.repeat_disputes": ("Repeat disputes", "重复纠纷数"),
    "safety.disputes": ("Disputes arising", "发生的矛盾纠纷数"),
    "safety.petitions": ("Petitions (信访)", "信访数"),
    "safety.resolution_rate.grid": ("Disputes settled by grid workers (化解率, of those they mediate)",
                                    "网格员调解化解率"),
    "safety.resolution_rate.committee": ("Disputes settled by committee mediation (化解率, of those it takes up)",
                                         "居委会人民调解化解率"),
    "safety.resolution_rate.township": ("Disputes settled at the township (化解率, of those reaching it)",
                                        "街道（乡镇）调解化解率"),
    "deliberation.meetings": ("Deliberation meetings held", "召开的议事会次数"),
    "deliberation.projects_implemented": ("Projects implemented", "已实施的项目数"),
    "safety.hazards_per_10k": ("Safety hazards per 10,000 residents a year", "每万人年安全隐患数"),
    "safety.found_before_harm_share": ("Hazards found before causing harm", "隐患在造成危害前被发现的比例"),
    "safety.incidents_per_10k": ("Incidents from unfound hazards per 10,000 residents a year",
                                 "每万人年因隐患未被发现造成的事故数"),
    "safety.incidents": ("Incidents from unfound hazards", "隐患未被发现造成的事故数"),
    "safety.patrol_cost_cny_per_year": ("Patrol volunteers' allowance (CNY per year)", "巡逻志愿者补贴（元/年）"),
    "deliberation.issues_raised": ("Collective issues raised", "提出的公共议题数"),
    "deliberation.agreements": ("Collective issues agreed", "达成协议的议题数"),
    "deliberation.issues_festering": ("Collective issues festering at the end", "期末久拖未决的议题数"),
    "deliberation.festering_complaints": ("Complaints from festering issues", "久拖议题引发的诉求数"),
    "deliberation.participation_rate": ("Participation in deliberation", "议事协商参与率"),
    # emergencies and volunteers
    "emergency.first_contact_h.mean": ("Emergency: mean time to first contact (h)", "应急：首次联系平均用时（小时）"),
    "emergency.first_contact_h.p90": ("Emergency: time to first contact, 90th percentile (h)",
                                      "应急：首次联系用时第90百分位（小时）"),
    "emergency.vulnerable_reached_in_deadline": ("Emergency: vulnerable households reached in time",
                                                 "应急：时限内联系到的困难群体比例"),
    "emergency.unreached_households": ("Emergency: households not reached", "应急：未联系到的户数"),
    "emergency.unmet_urgent_needs": ("Emergency: unmet urgent needs", "应急：未满足的紧急需求"),
    "volunteers.hours": ("Volunteer hours", "志愿服务时长（小时）"),
    "volunteers.incentive_cost_cny": ("Volunteer incentive cost (CNY)", "志愿者积分激励成本（元）"),
    "routine.recovery_days": ("Days for routine backlog to recover", "常规积压恢复天数（天）"),
    # daily series (sim.lab.tasks.SERIES_COLUMNS)
    "satisfaction_rate": ("Daily satisfaction rate (好差评)", "每日满意率（好差评）"),
    "latent_satisfaction": ("Latent satisfaction (mean, 0–1)", "潜在满意度（均值，0–1）"),
    "backlog": ("Backlog (known open cases)", "积压案件（已知未结，件）"),
    "response_mean_h": ("Daily mean response time (h)", "当日平均响应时间（小时）"),
    "vulnerable_reached_share": ("Vulnerable households reached (share)", "已联系困难群体比例"),
    "active_volunteers": ("Active volunteers", "在岗志愿者人数"),
}

# Run totals that reports annualise (× 365 / simulated days; see compare.per_year), with the labels
# they then carry. The summary keys themselves stay totals over the run.
PER_YEAR_LABELS: dict[str, tuple[str, str]] = {
    "cost.staff_cny": ("Staff cost (CNY per year)", "人员成本（元/年）"),
    "cost.overtime_cny": ("Overtime cost (CNY per year)", "加班成本（元/年）"),
}

# Shares (0–1) outside the naming rule in `is_share`.
_EXTRA_SHARES = {"emergency.vulnerable_reached_in_deadline", "ratings.elderly_gap"}

TEXT: dict[str, tuple[str, str]] = {
    # report: comparison
    "title": ("Scenario comparison against `{ref}`", "场景比较报告：以 `{ref}` 为基准"),
    "h_run": ("What was run", "运行说明"),
    "h_findings": ("Headline findings", "主要发现"),
    "h_table": ("Full results", "完整结果"),
    "h_figures": ("Figures", "图表"),
    "h_read": ("How to read this", "阅读说明"),
    "run_para": ("{n} scenarios, each run {reps} times. Replication i of every scenario used the same random "
                 "seed (common random numbers), so the scenarios faced the same residents and the same needs, and "
                 "their differences are paired. The first scenario, `{ref}`, is the reference.",
                 "本次共比较 {n} 个场景，每个场景重复运行 {reps} 次。各场景的第 i 次重复使用相同的随机数种子"
                 "（公共随机数），面对相同的居民和相同的诉求，因此场景之间的差异为配对差异。第一个场景 `{ref}` "
                 "为基准场景。"),
    "ref_tag": (" (reference)", "（基准）"),
    "colon": (": ", "："),
    "meta_root_seed": ("root seed {v}", "根种子 {v}"),
    "meta_days": ("{v} simulated days", "模拟 {v} 天"),
    "meta_precision": ("precision target: every key outcome's 95% CI half-width within {v} of its mean",
                       "精度要求：各关键指标95%置信区间半宽不超过其均值的 {v}"),
    "meta_version": ("govsim {v}", "govsim {v}"),
    "meta_commit": ("commit {v}", "代码版本 {v}"),
    "meta_command": ("command: `{v}`", "运行命令：`{v}`"),
    "meta_reps": ("{v} replications per point", "每个取值点重复 {v} 次"),
    "meta_experiment": ("experiment `{v}`", "实验 `{v}`"),
    "meta_scenario": ("scenario `{v}`", "场景 `{v}`"),
    "vs": ("**{name}** vs `{ref}`: ", "**{name}**（与 `{ref}` 相比）："),
    "vs_named": ("**{shown}** (`{name}`) vs `{ref}`: ", "**{shown}**（`{name}`，与 `{ref}` 相比）："),
    "change": ("{what} {dir} by {size}{rel} ({ref_v} → {new_v}; 95% CI of the difference {lo} to {hi}; "
               "p (Holm) {p})", "{what}{dir} {size}{rel}（{ref_v} → {new_v}；差异的95%置信区间为 {lo} 至 {hi}；"
               "经 Holm 校正的 p 值 {p}）"),
    "change_ci": ("{what} {dir} by {size}{rel} ({ref_v} → {new_v}; the 95% CI of the difference, {lo} to {hi}, "
                  "excludes zero, but the difference is not significant after Holm's correction over {n} "
                  "comparisons: p (Holm) {p})",
                  "{what}{dir} {size}{rel}（{ref_v} → {new_v}；差异的95%置信区间 {lo} 至 {hi} 不含零，但经 Holm "
                  "方法对全部 {n} 项比较校正后不显著：p 值 {p}）"),
    "no_diff": ("{what}: no clear difference ({d}; the 95% CI, {lo} to {hi}, includes zero; p (Holm) {p})",
                "{what}无显著差异（{d}；95%置信区间 {lo} 至 {hi} 含零；经 Holm 校正的 p 值 {p}）"),
    "brief": ("{what} ({d}; 95% CI {lo} to {hi})", "{what}（{d}；95%置信区间 {lo} 至 {hi}）"),
    "ci_intro": ("Not significant after Holm's correction over {n} comparisons, although the 95% CI of the "
                 "difference excludes zero: ", "差异的95%置信区间不含零、但经 Holm 方法对全部 {n} 项比较校正后不显著的有："),
    "untested": ("{what}: {d} (a single replication: no confidence interval, no test)",
                 "{what}：{d}（仅一次重复：无置信区间，未作检验）"),
    "brief_untested": ("{what} ({d})", "{what}（{d}）"),
    "untested_intro": ("Not tested (a single replication: no confidence interval): ",
                       "未作检验（仅一次重复，无置信区间）："),
    "none_intro": ("No clear difference (the 95% CI includes zero): ", "无显著差异（95%置信区间含零）："),
    "relative": (", or {r}", "，幅度 {r}"),
    "higher": ("higher", "上升"),
    "lower": ("lower", "下降"),
    "left_behind": ("Who is left behind: ", "群体差距："),
    "cost": ("At what cost: ", "成本："),
    "and": (" and ", "和"),
    "dz_hidden": ("†: deterministic difference: the within-pair SD is ≈ 0 (under 1/{limit} of the mean "
                  "difference), so d_z is not shown; the difference is the same in every replication, and its size "
                  "is what matters.",
                  "†：确定性差异——配对差异的标准差约为零（不到差异均值的 1/{limit}），故不列效应量 d_z；该差异在"
                  "每次重复中几乎相同，应看其大小本身。"),
    "reduced": ("**A reduced run**: {reps} replications of {days} days, where the experiment file {file} asks "
                "for {full_reps} replications of {full_days} days. The intervals are wider and fewer differences "
                "pass Holm's correction than in the full study.",
                "**缩减规模的运行**：重复 {reps} 次、每次模拟 {days} 天，而实验文件 {file} 规定重复 {full_reps} "
                "次、每次 {full_days} 天。置信区间更宽，通过 Holm 校正的差异也比完整研究少。"),
    "reduced_command": (" The full study: `{command}`.", "完整研究的命令：`{command}`。"),
    "per_year_note": ("Costs ({keys}) are per year: each run's total over its {days} simulated days (warm-up "
                      "included) × 365 / {days}.",
                      "成本（{keys}）按年计算：每次运行在全部 {days} 个模拟日（含预热期）内的合计 × 365 / {days}。"),
    "per_year_note_mixed": ("Costs ({keys}) are per year: each run's total over its simulated days (warm-up "
                            "included) × 365 / those days.",
                            "成本（{keys}）按年计算：每次运行在全部模拟日（含预热期）内的合计 × 365 / 模拟天数。"),
    "sep": ("; ", "；"),
    "sentence_join": (" ", ""),
    "end": (".", "。"),
    "list_sep": (", ", "，"),
    "no_alternatives": ("Only the reference was run; there is nothing to compare.", "仅运行了基准场景，无可比较的场景。"),
    "table_head": ("| outcome | scenario | mean [95% CI] | difference [95% CI] | p (Holm) | d_z |",
                   "| 指标 | 场景 | 均值 [95%置信区间] | 配对差异 [95%置信区间] | p 值（Holm 校正） | 效应量 d_z |"),
    "figures_english": ("", "注：本机未找到中文字体，图中文字以英文显示。"),
    "read_note": (
        "Replication i of each scenario is paired with replication i of the reference (same seed), so "
        "differences are taken replication by replication: *difference* is the mean paired difference with its "
        "95% confidence interval (t distribution). *p (Holm)* is the paired t-test p-value adjusted by Holm's "
        "method over every comparison in the table (all outcomes and scenarios together); below 0.05 the "
        "difference is clear even after looking at many outcomes, and the findings list such differences "
        "largest first (relative to the reference's mean). The intervals are not adjusted for the number of "
        "comparisons, so an interval can exclude zero while p (Holm) ≥ 0.05: the findings say so in those words. "
        "\"No clear difference\" is said only where the interval includes zero; it does not mean that the "
        "scenarios are equal. *d_z* is Cohen's effect size for paired data: the mean difference divided by the "
        "standard deviation of the differences (about 0.2 small, 0.5 medium, 0.8 large); it is left out (—†) "
        "where that standard deviation is about zero. Shares are shown in per cent and their differences in "
        "percentage points (pp). The intervals describe the model's randomness only, not uncertainty about its "
        "parameter values.",
        "各场景的第 i 次重复与基准场景的第 i 次重复使用相同的随机数种子，差异逐次配对计算：“配对差异”列为"
        "配对差异的均值及其95%置信区间（t 分布）。“p 值（Holm 校正）”为配对 t 检验的 p 值经 Holm 方法校正后"
        "的结果，校正范围为表中全部比较（所有指标与场景）；小于 0.05 即在多重比较下仍属显著差异，主要发现按"
        "差异大小（相对于基准场景均值）从大到小列出。置信区间未作多重比较校正，因此可能出现置信区间不含零、"
        "但经 Holm 校正后 p 值 ≥ 0.05 的情况，主要发现中对此会明确说明。只有置信区间含零时才称“无显著差异”，"
        "这并不表示两个场景相同。效应量 d_z 为配对数据的 Cohen's d_z，即差异均值除以差异的标准差（约 0.2 为小、"
        "0.5 为中、0.8 为大）；该标准差约为零时不列出（—†）。比例类指标以百分比表示，其差异以百分点表示。"
        "置信区间仅反映模型的随机性，不反映参数取值本身的不确定性。"),
    # report: sweep
    "sweep_title": ("Parameter sweep: {params}", "参数扫描：{params}"),
    "sweep_para": ("{params} varied over {n} grid points ({values}). Each cell of the table is the mean over "
                   "replications with its 95% confidence interval (t distribution).",
                   "对 {params} 在 {n} 个取值点上进行扫描（{values}）。表中每格为各次重复的均值及其95%置信区间"
                   "（t 分布）。"),
    "sweep_range": ("{what}: lowest {lo} at {at_lo}, highest {hi} at {at_hi}",
                    "{what}：最低 {lo}（{at_lo}），最高 {hi}（{at_hi}）"),
    "tie_warning": ("{points} give the same {what} ({value}): they simulate the same street office, so their "
                    "results are identical and differences between them are not effects of the swept value.",
                    "{points} 得到相同的{what}（{value}）：模拟的是同一个街道，结果完全相同，它们之间的差异"
                    "并非扫描参数的作用。"),
    "tied_with": (" (tied with {others}: the same {what}, {value})", "（与 {others} 相同：{what}同为 {value}）"),
    "h_sweep_table": ("Means by grid point", "各取值点结果"),
    "sweep_read": ("Means with 95% confidence intervals over replications at each grid point. Intervals that "
                   "overlap do not by themselves show that two points are equal; compare points with paired "
                   "differences (`govsim compare`) before drawing conclusions.",
                   "表中为各取值点上各次重复的均值及95%置信区间。置信区间重叠本身并不说明两个取值点没有差异；"
                   "得出结论前，应使用配对差异比较（`govsim compare`）对具体取值点进行检验。"),
    # figure captions (report) and figure text
    "cap_distributions": ("Each outcome by scenario: boxes show the spread across replications, dots the "
                          "replications themselves.",
                          "各场景的指标分布：箱线图表示各次重复之间的离散程度，散点为各次重复的结果。"),
    "cap_forest": ("Paired differences from `{ref}` with 95% CIs. Filled markers: clear difference after Holm "
                   "correction (p < 0.05); open markers: p (Holm) ≥ 0.05 (the interval, not adjusted for the "
                   "number of comparisons, may still exclude zero).",
                   "与基准场景 `{ref}` 的配对差异及95%置信区间。实心标记：经 Holm 校正后差异显著（p < 0.05）；"
                   "空心标记：经 Holm 校正的 p ≥ 0.05（置信区间未作多重比较校正，仍可能不含零）。"),
    "cap_response_cdf": ("Response time (report to first response). Left: the cumulative distribution, each "
                         "quantile the mean over replications (hours on a log scale, responses within a minute at "
                         "the left edge). Right: each scenario's quantiles minus `{ref}`'s, paired by replication, "
                         "with a 95% CI band: where the band leaves zero, that part of the distribution moved.",
                         "响应时间（从上报到首次响应）。左：累积分布，各分位数为各次重复的均值（横轴为对数刻度，"
                         "单位小时，一分钟内的响应画在左端）。右：各场景的分位数减去基准场景 `{ref}` 的分位数（按重复"
                         "配对），阴影为95%置信区间：区间离开零线之处，即分布在该处发生了变化。"),
    "cap_satisfaction_over_time": ("Latent satisfaction and the 7-day rolling 好差评 satisfaction rate by day: "
                                   "mean over replications with a 95% CI band.",
                                   "潜在满意度与好差评满意率（7日滚动平均）的逐日变化：各次重复的均值及95%置信区间。"),
    "cap_backlog_over_time": ("Backlog (known open cases) at the end of each day: mean over replications with a "
                              "95% CI band.", "每日末积压案件数（已知未结）：各次重复的均值及95%置信区间。"),
    "cap_sweep": ("Each outcome against the swept parameter: mean over replications with a 95% CI band.",
                  "各指标随扫描参数的变化：各次重复的均值及95%置信区间。"),
    "cap_sweep_heatmap": ("Mean of each outcome over the two swept parameters.", "各指标在两个扫描参数上的均值。"),
    "fig_distributions": ("Outcomes by scenario ({reps} replications)", "各场景指标分布（重复 {reps} 次）"),
    "fig_forest": ("Paired differences from {ref} (95% CI)", "与基准场景 {ref} 的配对差异（95%置信区间）"),
    "fig_response_cdf": ("Response time distribution", "响应时间分布"),
    "fig_satisfaction": ("Satisfaction over time", "满意度的逐日变化"),
    "fig_backlog": ("Backlog over time", "积压案件的逐日变化"),
    "fig_sweep": ("Parameter sweep (mean, 95% CI)", "参数扫描（均值，95%置信区间）"),
    "fig_sweep_heatmap": ("Parameter sweep (mean)", "参数扫描（均值）"),
    "hours_log": ("Response time (h, log scale)", "响应时间（小时，对数刻度）"),
    "quantile_pct": ("Quantile (%)", "分位数（%）"),
    "quantile_diff": ("Difference from {ref} (h)", "与 {ref} 之差（小时）"),
    "cum_prob": ("Cumulative probability", "累积概率"),
    "day": ("Day", "天"),
    "rolling7": ("{what}, 7-day rolling mean", "{what}，7日滚动平均"),
    "difference": ("Difference", "差异"),
    "difference_pp": ("Difference (pp)", "差异（百分点）"),
    "significant": ("p (Holm) < 0.05", "p（Holm）< 0.05"),
    "not_significant": ("p (Holm) ≥ 0.05", "p（Holm）≥ 0.05"),
    "no_data": ("no data", "无数据"),
}

# Trailing brackets that hold a unit or a scale, not part of the name ("(好差评)" stays).
_UNIT_RE = re.compile(r"\s*[（(](h|CNY|CNY per year|cases|小时|元|元/年|件|天|mean, 0–1|均值，0–1)[)）]$")
_CJK_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")

# In order of preference: Simplified Chinese glyph shapes first.
_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
              "Heiti SC", "Droid Sans Fallback", "Noto Sans CJK TC", "Noto Sans CJK JP", "AR PL UMing CN")


def _index(lang: str) -> int:
    if lang not in PAIR_ORDER:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(PAIR_ORDER)}")
    return PAIR_ORDER.index(lang)


def label(key: str, lang: str = "en", per_year: bool = False) -> str:
    """The outcome's label with its unit, or the key itself when there is none; `per_year`: the
    label of the annualised total (PER_YEAR_LABELS), for keys that have one."""
    i = _index(lang)
    if per_year and key in PER_YEAR_LABELS:
        return PER_YEAR_LABELS[key][i]
    return OUTCOME_LABELS[key][i] if key in OUTCOME_LABELS else key


def name(key: str, lang: str = "en") -> str:
    """The label without a trailing unit, for use inside a sentence."""
    return _UNIT_RE.sub("", label(key, lang))


def short_names(names, descriptions_zh: dict[str, str], lang: str) -> dict[str, str]:
    """Scenario name -> the name a reader in `lang` sees. In Chinese, the words before "：" in the
    scenario's description_zh ("放权赋能：80% 可下放…" -> 放权赋能) when every scenario has such a
    name and no two share one; otherwise (and in English) the scenarios' own names."""
    names = list(names)
    if _index(lang) == 0:
        return {n: n for n in names}
    short = {}
    for n in names:
        head, sep, _ = (descriptions_zh.get(n) or "").partition("：")
        if not sep or not head.strip() or len(head.strip()) > 12:
            return {n: n for n in names}
        short[n] = head.strip()
    return short if len(set(short.values())) == len(short) else {n: n for n in names}


def text(phrase: str, lang: str = "en", **fmt) -> str:
    """A report or figure phrase, formatted; unknown phrases come back as their name."""
    i = _index(lang)
    return TEXT[phrase][i].format(**fmt) if phrase in TEXT else phrase


def is_share(key: str) -> bool:
    """Outcomes that are shares in [0, 1]: shown in per cent, differences in percentage points."""
    return (key.startswith("rates.") or key.startswith("ratings.satisfaction_rate") or key.startswith("channels.")
            or key.startswith("ratings.share.") or key.endswith(("_rate", "utilisation", "share"))
            or key in _EXTRA_SHARES)


def unit(key: str, lang: str = "en") -> str:
    """The unit of a level of the outcome ("" for a count or an index)."""
    if is_share(key):
        return "%"
    if key.endswith("_h") or "_h." in key:
        return ("h", "小时")[_index(lang)]
    if key.endswith("_cny"):
        return ("CNY", "元")[_index(lang)]
    if key.endswith("_cny_per_year"):
        return ("CNY/year", "元/年")[_index(lang)]
    if key.endswith("_days"):
        return ("days", "天")[_index(lang)]
    return ""


# The CJK font that govsim ships: Noto Sans CJK SC (SIL Open Font License) in the `mplfonts` package,
# a dependency. Registered with matplotlib by file, so Chinese renders on a machine without a system
# CJK font, and no font cache that matplotlib wrote before a font was installed can hide it.
_SHIPPED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


def shipped_cjk_font_file() -> str | None:
    """The path of the shipped CJK font file, or None when its package is not installed.

    Found without importing the package (`mplfonts` would import more than the file needs)."""
    import importlib.util
    from pathlib import Path

    package, relative = _SHIPPED_FONT
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / relative
        if path.is_file():
            return str(path)
    return None


def _register_shipped_font() -> None:
    """Add the shipped CJK font to matplotlib's font list (once; a file that cannot be read is skipped)."""
    from matplotlib import font_manager

    path = shipped_cjk_font_file()
    if path is None or any(f.fname == path for f in font_manager.fontManager.ttflist):
        return
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError):
        pass  # a damaged file: figures fall back to an installed CJK font, or to English


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of a font with Chinese glyphs (the shipped one, or an installed one), or None."""
    from matplotlib import font_manager

    _register_shipped_font()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FONTS:
        if family in installed:
            return family
    # Any other CJK family is better than boxes.
    others = sorted(n for n in installed if "CJK" in n or "Han Sans" in n)
    return others[0] if others else None


def figure_lang(lang: str) -> str:
    """The language figures can be drawn in: Chinese needs a CJK font, else English."""
    _index(lang)
    return "en" if lang == "zh" and cjk_font() is None else lang


def plain(s: str) -> str:
    """Drop Chinese characters (and the brackets left empty) when no font can draw them."""
    if cjk_font() is not None:
        return s
    return re.sub(r"\s*\(\s*\)", "", _CJK_RE.sub("", s)).strip()


def plot_context(lang: str):
    """A matplotlib rc_context for figures in `lang`. The CJK font is a fallback after DejaVu Sans
    (matplotlib ≥ 3.6 falls back glyph by glyph), so Latin text and digits keep DejaVu's shapes and
    Chinese renders too — English labels such as "好差评" need it as well."""
    import matplotlib

    _index(lang)
    cjk = cjk_font()
    return matplotlib.rc_context({
        "font.family": ["DejaVu Sans"] + ([cjk] if cjk else []),
        "font.size": 9,
        "axes.titlesize": 9,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "axes.unicode_minus": True,
        "svg.hashsalt": "govsim",  # harmless for PNG; keeps SVG output stable if ever used
    })
