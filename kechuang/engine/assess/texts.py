"""The Chinese texts of the explain trace and the candidate gaps, and the legal reference
of each step: data, filled with ``str.format`` by ``explain.py`` and ``ladder``.

A template's fields are listed with it; every step ends with a verdict (:data:`VERDICTS`).
"""

from __future__ import annotations

HTE_32 = "国科发火〔2016〕32号"      # 高新技术企业认定管理办法
HTE_195 = "国科发火〔2016〕195号"    # 高新技术企业认定管理工作指引
TSME_115 = "国科发政〔2017〕115号"   # 科技型中小企业评价办法
TSME_67 = "国科火字〔2022〕67号"     # 科技型中小企业评价服务工作指引

# Legal reference of each step (document, article)
REFERENCES: dict[str, str] = {
    "hte.registered_one_year": f"{HTE_32} 第十一条（一）；{HTE_195} 指引（365个日历天数）",
    "hte.owns_core_ip": f"{HTE_32} 第十一条（二）",
    "hte.in_supported_field": f"{HTE_32} 第十一条（三）",
    "hte.tech_staff_ratio": f"{HTE_32} 第十一条（四）；{HTE_195} 指引（全年月平均数）",
    "hte.rd_intensity": f"{HTE_32} 第十一条（五）；{HTE_195} 指引（近三个会计年度总额之比）",
    "hte.rd_domestic_share": f"{HTE_32} 第十一条（五）",
    "hte.high_tech_income_share": f"{HTE_32} 第十一条（六）；总收入＝收入总额－不征税收入",
    "hte.innovation_score": f"{HTE_32} 第十一条（七）；{HTE_195} 指引 企业创新能力评价（70分以上，不含70分）",
    "hte.no_major_incident": f"{HTE_32} 第十一条（八）",
    "hte.score.ip": f"{HTE_195} 指引 知识产权（≤30分，加分后不超过30分）",
    "hte.score.conversion": f"{HTE_195} 指引 科技成果转化能力（≤30分）",
    "hte.score.management": f"{HTE_195} 指引 研究开发组织管理水平（≤20分）",
    "hte.score.growth": f"{HTE_195} 指引 企业成长性（≤20分）",
    "hte.eligible": f"{HTE_32} 第十一条（须同时满足）",
    "tsme.size": f"{TSME_115} 第六条（二）",
    "tsme.no_incident": f"{TSME_115} 第六条（四）；{TSME_67}（上一会计年度及当年）",
    "tsme.industry": f"{TSME_67} 基本条件（三）；财税〔2015〕119号 第四条",
    "tsme.staff_score": f"{TSME_115} 附件 科技人员指标（≤20分）",
    "tsme.rd_score": f"{TSME_115} 附件 研发投入指标（≤50分，二选一）",
    "tsme.ip_score": f"{TSME_115} 附件 科技成果指标（≤30分）",
    "tsme.score_pass": f"{TSME_115} 第六条（五）",
    "tsme.direct": f"{TSME_115} 第七条（直接确认）",
    "tsme.eligible": f"{TSME_115} 第六条、第七条",
    "three_zeros": "规模以上工业企业研发活动“三清零”（统计口径，平台读法 R19）",
    "stage": "平台梯度培育口径（瞪羚、领军为平台默认标准）",
}

VERDICTS = {True: "符合", False: "不符合", None: "无法判定"}

# Step texts; fields in braces
STEPS: dict[str, str] = {
    "hte.registered_one_year": "（一）注册成立时间：成立日期 {registered_on}，至申请日 {on} 共 {days} 天；"
                               "要求不少于 {min_days} 天",
    "hte.owns_core_ip": "（二）核心知识产权：{year}年末有效Ⅰ类知识产权 {ip1} 项、Ⅱ类 {ip2} 项；"
                        "要求至少拥有 1 项（是否发挥核心支持作用由专家评判）",
    "hte.in_supported_field": "（三）技术领域：{field}；要求属于《国家重点支持的高新技术领域》",
    "hte.tech_staff_ratio": "（四）科技人员占比：{year}年科技人员 {tech} 人 ÷ 职工总数 {emp} 人 ＝ {ratio}；"
                            "要求不低于 10%",
    "hte.rd_intensity": "（五）研究开发费用占比：{first}—{last}年研究开发费用合计 {rd3} 元 ÷ 销售收入合计 "
                        "{sales3} 元 ＝ {ratio}；最近一年销售收入 {sales} 元，{band}，要求不低于 {pct}%",
    "hte.rd_domestic_share": "（五）境内研究开发费用占比：境内研究开发费用合计 {dom3} 元 ÷ 研究开发费用合计 "
                             "{rd3} 元 ＝ {ratio}；要求不低于 60%",
    "hte.high_tech_income_share": "（六）高新技术产品（服务）收入占比：{year}年 {hti} 元 ÷（收入总额 {ti} 元 － "
                                  "不征税收入 {nti} 元）＝ {ratio}；要求不低于 60%",
    "hte.score.ip": "知识产权：技术先进程度 {adv}、核心支持作用 {core}、数量 {qty}（Ⅰ类 {ip1} 项、Ⅱ类 {ip2} 项）、"
                    "获得方式 {acq}、参与编制标准 {std}，合计 {points}",
    "hte.score.conversion": "科技成果转化能力：近三年转化 {total} 项，按 {years} 年计年均 {average} 项，{grade}，{points}",
    "hte.score.management": "研究开发组织管理水平：管理制度 {m1}、研发机构与产学研 {m2}、成果转化激励 {m3}、"
                            "人才培养激励 {m4}，合计 {points}",
    "hte.score.growth": "企业成长性：净资产增长率 {g_na}（{grade_na}，{points_na}），销售收入增长率 {g_s}"
                        "（{grade_s}，{points_s}），合计 {points}",
    "hte.innovation_score": "（七）创新能力评价：合计 {low}–{high} 分；要求高于 70 分",
    "hte.no_major_incident": "（八）重大安全、重大质量事故或严重环境违法行为：{year}年{incident}；"
                             "要求申请认定前一年内未发生",
    "hte.eligible": "高新技术企业认定条件：{summary}",
    "tsme.size": "规模：{year}年职工总数 {emp} 人、销售收入 {sales} 元、资产总额 {assets} 元；"
                 "要求职工不超过 500 人，销售收入、资产总额均不超过 2 亿元",
    "tsme.no_incident": "未发生重大安全、重大质量事故、严重环境违法等行为：同高新技术企业条件（八）",
    "tsme.industry": "行业：{industry}；要求不属于研发费用加计扣除负面清单行业",
    "tsme.staff_score": "科技人员指标：{tech} 人 ÷ {emp} 人 ＝ {ratio}，得 {points} 分",
    "tsme.rd_score": "研发投入指标：研发费用 ÷ 销售收入 ＝ {r1}（{p1} 分），研发费用 ÷ 成本费用支出总额 ＝ {r2}"
                     "（{p2} 分），取较高者 {points} 分",
    "tsme.ip_score": "科技成果指标：Ⅰ类知识产权 {ip1} 项、Ⅱ类 {ip2} 项，得 {points} 分",
    "tsme.score_pass": "综合评价：{score} 分；要求不低于 60 分且科技人员指标不为 0 分",
    "tsme.direct": "直接确认：有效期内高新技术企业证书 {cert}；近五年内国家级科技奖励（获奖单位前三名）{award}；"
                   "省部级以上研发机构 {inst}；近五年内主导制定国际、国家或行业标准 {standard}；"
                   "须同时符合第六条（一）至（四）",
    "tsme.eligible": "科技型中小企业：{summary}",
    "three_zeros": "三清零：{text}",
    "stage": "发展阶段：{stage}",
}

STAGE_NAMES = {"none": "未进入梯度", "tsme": "科技型中小企业", "hte": "高新技术企业",
               "gazelle": "瞪羚企业（平台标准）", "leading": "领军企业（平台标准）", "listed": "上市企业"}
ZERO_NAMES = {"no_rd_expense": "无研发费用", "no_rd_institution": "无研发机构",
              "no_invention_ip": "无发明专利（以Ⅰ类知识产权计）"}
RD_BANDS = ("属 5,000万元（含）以下档", "属 5,000万元至2亿元（含）档", "属 2亿元以上档")

# Candidate-pool gaps ("研发费用占比 3.2%，需达到 4.0%")
GAPS: dict[str, str] = {
    "registered_one_year": "成立 {days} 天，需满 {min_days} 天（还差 {short} 天）",
    "owns_core_ip": "尚无有效的Ⅰ类或Ⅱ类知识产权，需拥有对主要产品（服务）发挥核心支持作用的知识产权",
    "tech_staff_ratio": "科技人员占比 {ratio}，需达到 10.0%（还需增加科技人员约 {need} 人）",
    "rd_intensity": "研发费用占比 {ratio}，需达到 {pct}.0%（近三年研发费用还需增加约 {need} 元）",
    "rd_domestic_share": "境内研发费用占比 {ratio}，需达到 60.0%",
    "high_tech_income_share": "高新技术产品（服务）收入占比 {ratio}，需达到 60.0%",
    "innovation_score": "创新能力评价最高 {high} 分，需高于 70 分",
}
PENDING: dict[str, str] = {
    "innovation_score": "创新能力评价待专家评分（当前可确定 {low}–{high} 分）",
    "missing": "“{condition}”缺少数据：{fields}",
}
CONDITION_NAMES = {
    "registered_one_year": "注册成立一年以上", "owns_core_ip": "核心知识产权",
    "in_supported_field": "技术领域", "tech_staff_ratio": "科技人员占比",
    "rd_intensity": "研发费用占比", "rd_domestic_share": "境内研发费用占比",
    "high_tech_income_share": "高新技术产品（服务）收入占比", "innovation_score": "创新能力评价",
    "no_major_incident": "无重大事故或违法行为",
}
