<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <source>Alert</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Reset to default</source>
        <translation>恢复默认</translation>
    </message>
    <message>
        <source>New alert  [N]</source>
        <translation>接警  [N]</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>AlertQueuePanel</name>
    <message>
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>全部等级</translation>
    </message>
    <message>
        <source>P%1 and higher</source>
        <translation>P%1 及以上</translation>
    </message>
    <message>
        <source>Anyone&apos;s</source>
        <translation>全部负责人</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <source>Unowned</source>
        <translation>无人负责</translation>
    </message>
    <message>
        <source>History…  [H]</source>
        <translation>历史…  [H]</translation>
    </message>
    <message>
        <source>Search closed incidents</source>
        <translation>搜索已结警情</translation>
    </message>
    <message>
        <source>Search id, title, address…</source>
        <translation>搜索编号、标题、地址…</translation>
    </message>
    <message>
        <source>Acknowledge  [A]</source>
        <translation>签收  [A]</translation>
    </message>
    <message>
        <source>Dispatch  [D]</source>
        <translation>派警  [D]</translation>
    </message>
    <message>
        <source>On scene  [S]</source>
        <translation>到场  [S]</translation>
    </message>
    <message>
        <source>Feedback  [F]</source>
        <translation>反馈  [F]</translation>
    </message>
    <message>
        <source>Close  [C]</source>
        <translation>结案  [C]</translation>
    </message>
    <message>
        <source>New alert  [N]</source>
        <translation>接警  [N]</translation>
    </message>
    <message>
        <source>Merge  [M]</source>
        <translation>合并  [M]</translation>
    </message>
    <message>
        <source>Cancel  [X]</source>
        <translation>撤销  [X]</translation>
    </message>
    <message>
        <source>Transfer  [T]</source>
        <translation>移交  [T]</translation>
    </message>
    <message>
        <source>Release unit  [R]</source>
        <translation>释放警力  [R]</translation>
    </message>
    <message>
        <source>Report PDF  [P]</source>
        <translation>报告 PDF  [P]</translation>
    </message>
    <message>
        <source>Export EIDO  [E]</source>
        <translation>导出 EIDO  [E]</translation>
    </message>
    <message>
        <source>Command: A A-42 · D P1023 A-42 · S · F · C A-42 false_alarm · M A-43 A-42 · X A-42 reason · T A-42 operator · R P1023 A-42</source>
        <translation>命令：A A-42 签收 · D P1023 A-42 派警 · S 到场 · F 反馈 · C A-42 false_alarm 结案 · M A-43 A-42 合并 · X A-42 原因 撤销 · T A-42 席位 移交 · R P1023 A-42 释放</translation>
    </message>
    <message>
        <source>%1 is already %2.</source>
        <translation>%1 已是“%2”状态。</translation>
    </message>
    <message>
        <source>%1 dispatched to %2.</source>
        <translation>已派 %1 处置 %2。</translation>
    </message>
    <message>
        <source>Recommendation %1 overridden: %2</source>
        <translation>未采用推荐警力 %1：%2</translation>
    </message>
    <message>
        <source>%1 on scene.</source>
        <translation>%1 警力已到场。</translation>
    </message>
    <message>
        <source>Feedback recorded for %1.</source>
        <translation>%1 反馈已记录。</translation>
    </message>
    <message>
        <source>%1 closed.</source>
        <translation>%1 已结案。</translation>
    </message>
    <message>
        <source>Alert created.</source>
        <translation>警情已创建。</translation>
    </message>
    <message>
        <source>Done: %1</source>
        <translation>已执行：%1</translation>
    </message>
    <message>
        <source>%1 shown / %2 total</source>
        <translation>显示 %1 / 共 %2</translation>
    </message>
    <message>
        <source>Select an alert to see its details.</source>
        <translation>选择一条警情查看详情。</translation>
    </message>
</context>
<context>
    <name>AlertSnapshotView</name>
    <message>
        <source>No snapshot with this alert</source>
        <translation>此警情没有快照</translation>
    </message>
    <message>
        <source>Loading snapshot…</source>
        <translation>正在加载快照…</translation>
    </message>
    <message>
        <source>Snapshot unavailable: %1</source>
        <translation>快照不可用：%1</translation>
    </message>
</context>
<context>
    <name>AlertTableModel</name>
    <message>
        <source>P</source>
        <translation>级</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Timer</source>
        <translation>计时</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>me</source>
        <translation>我</translation>
    </message>
</context>
<context>
    <name>CameraStatus</name>
    <message>
        <source>wrong password</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>unreachable</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>no video</source>
        <translation>无视频</translation>
    </message>
</context>
<context>
    <name>CameraTree</name>
    <message>
        <source>Search cameras…</source>
        <translation>搜索摄像头…</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>No grid</source>
        <translation>无网格</translation>
    </message>
</context>
<context>
    <name>CancelDialog</name>
    <message>
        <source>Cancel — %1</source>
        <translation>撤销 — %1</translation>
    </message>
    <message>
        <source>Why is this alert cancelled?</source>
        <translation>为什么撤销此警情？</translation>
    </message>
    <message>
        <source>Its units will be released: %1</source>
        <translation>其警力将被释放：%1</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Cancel alert</source>
        <translation>撤销警情</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>不撤销</translation>
    </message>
    <message>
        <source>Give a reason to cancel.</source>
        <translation>请填写撤销原因。</translation>
    </message>
</context>
<context>
    <name>ClipProgressBar</name>
    <message>
        <source>no data came from the stream</source>
        <translation>视频流没有数据</translation>
    </message>
    <message>
        <source>the stream could not be opened</source>
        <translation>无法打开视频流</translation>
    </message>
    <message>
        <source>the stream sent nothing for %1 s</source>
        <translation>视频流 %1 秒内没有数据</translation>
    </message>
    <message>
        <source>Recording %1: %2 / %3 s</source>
        <translation>正在录制 %1：%2 / %3 秒</translation>
    </message>
    <message>
        <source> (+%1 more)</source>
        <translation>（另有 %1 个）</translation>
    </message>
</context>
<context>
    <name>CloseDialog</name>
    <message>
        <source>Close — %1</source>
        <translation>结案 — %1</translation>
    </message>
    <message>
        <source>Handled</source>
        <translation>已处置</translation>
    </message>
    <message>
        <source>False alarm</source>
        <translation>误报</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>重复警情</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>已移交</translation>
    </message>
    <message>
        <source>No action needed</source>
        <translation>无需处置</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>处置结果</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Close incident</source>
        <translation>结案</translation>
    </message>
</context>
<context>
    <name>CommandPalette</name>
    <message>
        <source>Find anything</source>
        <translation>全局搜索</translation>
    </message>
    <message>
        <source>Alert, unit callsign or radio id, camera, layout or action…</source>
        <translation>警情、警力呼号或电台号、摄像头、布局或操作…</translation>
    </message>
</context>
<context>
    <name>CrashHandler</name>
    <message>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <source>The console hit an unexpected error and may not work correctly.</source>
        <translation>调度台发生意外错误，可能无法正常工作。</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>重新启动</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>A report was written to:
%1</source>
        <translation>错误报告已保存到：
%1</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <source>Alerts per hour: today and 7-day average</source>
        <extracomment>Alerts per local hour today and the 7-day average per hour (last refresh).</extracomment>
        <translation>每小时警情：今日与近7日平均</translation>
    </message>
    <message>
        <source>Alerts by kind</source>
        <translation>警情类型分布</translation>
    </message>
    <message>
        <source>Median time to … (s) vs target</source>
        <translation>各环节用时中位数（秒）与目标</translation>
    </message>
    <message>
        <source>Units by status</source>
        <translation>警力状态</translation>
    </message>
    <message>
        <source>Alerts by grid</source>
        <translation>网格警情热力</translation>
    </message>
    <message>
        <source>Open alerts</source>
        <translation>未结警情</translation>
    </message>
    <message>
        <source>Cameras online</source>
        <translation>在线摄像头</translation>
    </message>
    <message>
        <source>Radio calls / min</source>
        <translation>电台呼叫/分钟</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>7-day average</source>
        <translation>近7日平均</translation>
    </message>
    <message>
        <source>Busiest grids</source>
        <translation>最繁忙网格</translation>
    </message>
    <message>
        <source>Night shift %1–%2</source>
        <translation>夜班 %1–%2</translation>
    </message>
    <message>
        <source>Day shift %1–%2</source>
        <translation>白班 %1–%2</translation>
    </message>
    <message>
        <source>%1 created · %2 closed · %3 open · %4 cancelled · %5 merged</source>
        <translation>接警 %1 · 结案 %2 · 未结 %3 · 撤销 %4 · 合并 %5</translation>
    </message>
    <message>
        <source>dispatched</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>arrived</source>
        <translation>到场</translation>
    </message>
    <message>
        <source>%1 within target %2 % (median %3, P90 %4)</source>
        <translation>%1达标率 %2 %（中位 %3，P90 %4）</translation>
    </message>
</context>
<context>
    <name>DebriefReport</name>
    <message>
        <source>Debrief report</source>
        <translation>复盘报告</translation>
    </message>
    <message>
        <source>Time range (UTC)</source>
        <translation>时间范围 (UTC)</translation>
    </message>
    <message>
        <source>Annotations and bookmarks</source>
        <translation>批注与书签</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>No bookmarks in this range.</source>
        <translation>此时段内没有书签。</translation>
    </message>
    <message>
        <source>Incident timeline</source>
        <translation>警情时间线</translation>
    </message>
    <message>
        <source>No alerts in this range.</source>
        <translation>此时段内没有警情。</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Radio calls</source>
        <translation>无线电通话</translation>
    </message>
    <message>
        <source>Talkgroup</source>
        <translation>通话组</translation>
    </message>
    <message>
        <source>From</source>
        <translation>发起方</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>No radio calls in this range.</source>
        <translation>此时段内没有无线电通话。</translation>
    </message>
    <message>
        <source>Commands sent</source>
        <translation>已发送的指令</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>指令</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>已接受</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>No commands in this range.</source>
        <translation>此时段内没有指令。</translation>
    </message>
    <message>
        <source>Screenshots</source>
        <translation>截图</translation>
    </message>
    <message>
        <source>No screenshots captured in this range.</source>
        <translation>此时段内没有截图。</translation>
    </message>
</context>
<context>
    <name>DispatchDialog</name>
    <message>
        <source>Dispatch — %1</source>
        <translation>派警 — %1</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>推荐理由</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>busy on %1 (P%2 %3): reassign</source>
        <translation>正在处置 %1（P%2 %3）：改派</translation>
    </message>
    <message>
        <source>Why not the recommended unit?</source>
        <translation>为何不派推荐警力？</translation>
    </message>
    <message>
        <source>No available unit with a known position.</source>
        <translation>没有位置已知的可用警力。</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>Choose at least one unit.</source>
        <translation>请至少选择一个警力。</translation>
    </message>
    <message>
        <source>You chose another unit than recommended: give a reason.</source>
        <translation>所选警力不是推荐警力：请填写理由。</translation>
    </message>
</context>
<context>
    <name>DispatchLogView</name>
    <message>
        <source>Write a dispatch log entry…</source>
        <translation>填写调度日志…</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Correct…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <source>Entries cannot be edited: write a correction that supersedes this one</source>
        <translation>日志不可修改：请填写一条更正记录</translation>
    </message>
    <message>
        <source>Dispatch log</source>
        <translation>调度日志</translation>
    </message>
    <message>
        <source>The entry is too long.</source>
        <translation>记录过长。</translation>
    </message>
    <message>
        <source>Log entry written.</source>
        <translation>日志已记录。</translation>
    </message>
    <message>
        <source>Incident %1</source>
        <translation>警情 %1</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>关联警情</translation>
    </message>
</context>
<context>
    <name>EvidenceListWidget</name>
    <message>
        <source>Snapshots and clips saved as evidence</source>
        <translation>保存为证据的抓图和录像</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>Open the file with the system&apos;s viewer</source>
        <translation>用系统查看器打开文件</translation>
    </message>
    <message>
        <source>Show folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Show the evidence folder</source>
        <translation>打开证据文件夹</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Check the file against the SHA-256 in its sidecar</source>
        <translation>按随附记录中的 SHA-256 校验文件</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>正在校验 %1…</translation>
    </message>
    <message>
        <source>Clip</source>
        <translation>录像</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>抓图</translation>
    </message>
    <message>
        <source>%1 is missing.</source>
        <translation>%1 不存在。</translation>
    </message>
    <message>
        <source>✓ %1 matches its SHA-256.</source>
        <translation>✓ %1 与记录的 SHA-256 一致。</translation>
    </message>
    <message>
        <source>✗ %1 was changed: its SHA-256 differs.</source>
        <translation>✗ %1 已被改动：SHA-256 不一致。</translation>
    </message>
</context>
<context>
    <name>FeedbackDialog</name>
    <message>
        <source>Feedback — %1</source>
        <translation>反馈 — %1</translation>
    </message>
    <message>
        <source>What the unit reported from the scene</source>
        <translation>现场警力反馈的情况</translation>
    </message>
    <message>
        <source>Record feedback</source>
        <translation>记录反馈</translation>
    </message>
</context>
<context>
    <name>HistorySearchDialog</name>
    <message>
        <source>Incident history (closed)</source>
        <translation>历史警情（已结案）</translation>
    </message>
    <message>
        <source>Text in id, title, address, description…</source>
        <translation>编号、标题、地址、描述中的文字…</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>不限时间</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>P</source>
        <translation>级</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>处置结果</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Report (PDF)…</source>
        <translation>报告（PDF）…</translation>
    </message>
    <message>
        <source>Export EIDO…</source>
        <translation>导出 EIDO…</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Search cancelled (link lost).</source>
        <translation>搜索已取消（连接中断）。</translation>
    </message>
    <message>
        <source>Search refused (%1): %2</source>
        <translation>搜索被拒绝（%1）：%2</translation>
    </message>
    <message>
        <source>The backend sent a bad answer: %1</source>
        <translation>后台返回了错误的结果：%1</translation>
    </message>
    <message>
        <source>%1 newest shown; narrow the search to see older ones.</source>
        <translation>仅显示最新 %1 条；缩小搜索范围可查看更早的警情。</translation>
    </message>
    <message>
        <source>%1 closed incidents found.</source>
        <translation>找到 %1 起已结警情。</translation>
    </message>
    <message>
        <source>Search, then pick an incident.</source>
        <translation>请先搜索，再选择一个警情。</translation>
    </message>
</context>
<context>
    <name>IncidentActions</name>
    <message>
        <source>%1 is closed: it cannot be merged.</source>
        <translation>%1 已结案，不能合并。</translation>
    </message>
    <message>
        <source>%1 merged into %2.</source>
        <translation>%1 已合并到 %2。</translation>
    </message>
    <message>
        <source>%1 is already closed.</source>
        <translation>%1 已结案。</translation>
    </message>
    <message>
        <source>%1 cancelled.</source>
        <translation>%1 已撤销。</translation>
    </message>
    <message>
        <source>%1 is closed: it cannot be transferred.</source>
        <translation>%1 已结案，不能移交。</translation>
    </message>
    <message>
        <source>%1 transferred to %2.</source>
        <translation>%1 已移交给 %2。</translation>
    </message>
    <message>
        <source>%1 has no unit to release.</source>
        <translation>%1 没有可释放的警力。</translation>
    </message>
    <message>
        <source>%1 released from %2.</source>
        <translation>%1 已从 %2 释放。</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>EIDO JSON (*.json)</source>
        <translation>EIDO JSON (*.json)</translation>
    </message>
    <message>
        <source>Save — %1</source>
        <translation>保存 — %1</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Written: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>History search needs a link to the backend.</source>
        <translation>历史查询需要连接后台。</translation>
    </message>
</context>
<context>
    <name>IncidentHtml</name>
    <message>
        <source>unowned</source>
        <translation>无人负责</translation>
    </message>
    <message>
        <source>me</source>
        <translation>我</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>Arrive</source>
        <translation>到场</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>late</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Incident report</source>
        <translation>警情报告</translation>
    </message>
    <message>
        <source>Printed %1</source>
        <translation>打印时间 %1</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Merged into %1</source>
        <translation>已合并到 %1</translation>
    </message>
    <message>
        <source>Merged from: %1</source>
        <translation>已并入：%1</translation>
    </message>
    <message>
        <source>Possible duplicates</source>
        <translation>疑似重复警情</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Times against targets</source>
        <translation>各环节用时与目标</translation>
    </message>
    <message>
        <source>History</source>
        <translation>处置记录</translation>
    </message>
    <message>
        <source>Linked radio calls</source>
        <translation>关联通话</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Dispatch log</source>
        <translation>调度日志</translation>
    </message>
    <message>
        <source>Watch list</source>
        <translation>布控</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>抓拍图</translation>
    </message>
    <message>
        <source>press M to merge</source>
        <translation>按 M 合并</translation>
    </message>
    <message>
        <source>released</source>
        <translation>已释放</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <source>Took</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>接收方</translation>
    </message>
    <message>
        <source>Sightings: %1, the newest %2 at %3</source>
        <translation>抓拍 %1 次，最近一次 %2 于 %3</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>New alert (phone call)</source>
        <extracomment>What a phone call usually is comes first; a radio emergency (pressed on a radio, rarely phoned in) last; the rest in the protocol&apos;s order.</extracomment>
        <translation>接警（电话报警）</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>报警人</translation>
    </message>
    <message>
        <source>Phone number</source>
        <translation>电话号码</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Priority (1 highest)</source>
        <translation>等级（1 最高）</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>警情描述</translation>
    </message>
    <message>
        <source>Create alert</source>
        <translation>创建警情</translation>
    </message>
    <message>
        <source>Give the alert a title.</source>
        <translation>请填写警情标题。</translation>
    </message>
</context>
<context>
    <name>InventoryWindow</name>
    <message>
        <source>Inventory and sources</source>
        <extracomment>What one ``inventory.import`` may carry: base64 grows a file by 4/3 inside a 1 MiB frame.</extracomment>
        <translation>清单与数据源</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>所属单位</translation>
    </message>
    <message>
        <source>Radio</source>
        <translation>电台</translation>
    </message>
    <message>
        <source>Talkgroup</source>
        <translation>通话组</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>终端</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Last fix</source>
        <translation>最近定位</translation>
    </message>
    <message>
        <source>Filter units: callsign, device, station…</source>
        <translation>筛选警力：呼号、终端、所属单位…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>PTZ</source>
        <translation>云台</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Filter cameras: name, grid, state…</source>
        <translation>筛选监控：名称、网格、状态…</translation>
    </message>
    <message>
        <source>Filter talkgroups…</source>
        <translation>筛选通话组…</translation>
    </message>
    <message>
        <source>Filter layers: grid, efence, boundary, station…</source>
        <translation>筛选图层：网格、电子围栏、辖区边界、派出所…</translation>
    </message>
    <message>
        <source>Last message</source>
        <translation>最近消息</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已接收</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>已拒收</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Filter sources…</source>
        <translation>筛选数据源…</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>终端</translation>
    </message>
    <message>
        <source>Door</source>
        <translation>接入方式</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>First seen</source>
        <translation>首次出现</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>最近出现</translation>
    </message>
    <message>
        <source>Last position</source>
        <translation>最近位置</translation>
    </message>
    <message>
        <source>Filter devices…</source>
        <translation>筛选终端…</translation>
    </message>
    <message>
        <source>Assign to unit…</source>
        <translation>分配给警力…</translation>
    </message>
    <message>
        <source>Add the selected device to a unit&apos;s devices (updates the inventory)</source>
        <translation>把所选终端加入某个警力的终端列表（更新清单）</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>监控</translation>
    </message>
    <message>
        <source>Talkgroups</source>
        <translation>通话组</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>数据源</translation>
    </message>
    <message>
        <source>Unregistered devices</source>
        <translation>未登记终端</translation>
    </message>
    <message>
        <source>Refresh sources</source>
        <translation>刷新数据源</translation>
    </message>
    <message>
        <source>WGS-84 / CGCS2000</source>
        <translation>WGS-84 / CGCS2000</translation>
    </message>
    <message>
        <source>GCJ-02 (Gaode, Tencent)</source>
        <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
        <source>BD-09 (Baidu)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <source>Check only</source>
        <translation>仅检查</translation>
    </message>
    <message>
        <source>Import files…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <source>Coordinates:</source>
        <translation>坐标系：</translation>
    </message>
    <message>
        <source>no fix yet</source>
        <translation>尚无定位</translation>
    </message>
    <message>
        <source>%1 min ago</source>
        <translation>%1 分钟前</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Asking for the sources…</source>
        <translation>正在查询数据源…</translation>
    </message>
    <message>
        <source>Select a device first.</source>
        <translation>请先选择一个终端。</translation>
    </message>
    <message>
        <source>There is no unit to assign it to.</source>
        <translation>没有可分配的警力。</translation>
    </message>
    <message>
        <source>Assign device</source>
        <translation>分配终端</translation>
    </message>
    <message>
        <source>Give %1 to unit:</source>
        <translation>把 %1 分配给警力：</translation>
    </message>
    <message>
        <source>Assigning %1…</source>
        <translation>正在分配 %1…</translation>
    </message>
    <message>
        <source>active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>已吊销</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>%1 sources.</source>
        <translation>共 %1 个数据源。</translation>
    </message>
    <message>
        <source>Import inventory files</source>
        <translation>导入清单文件</translation>
    </message>
    <message>
        <source>Inventory files (units.csv cameras.csv talkgroups.csv *.geojson)</source>
        <translation>清单文件 (units.csv cameras.csv talkgroups.csv *.geojson)</translation>
    </message>
    <message>
        <source>Reading %1 file(s)…</source>
        <translation>正在读取 %1 个文件…</translation>
    </message>
    <message>
        <source>%1 is larger than the 700 KB a console may send: import it on the server with dispatch-backend import</source>
        <translation>%1 超过调度台可发送的 700 KB：请在服务器上用 dispatch-backend import 导入</translation>
    </message>
    <message>
        <source>Nothing imported.</source>
        <translation>未导入任何内容。</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <source>No answer: the link to the backend was lost.</source>
        <translation>无应答：与后台的连接已断开。</translation>
    </message>
    <message>
        <source>Nothing imported: %1</source>
        <translation>未导入任何内容：%1</translation>
    </message>
    <message>
        <source>Refused (%1): %2</source>
        <translation>被拒绝（%1）：%2</translation>
    </message>
    <message>
        <source>%1 now belongs to %2.</source>
        <translation>%1 现已归属 %2。</translation>
    </message>
    <message>
        <source>%1: %2 new, %3 updated, %4 retired, %5 unchanged</source>
        <translation>%1：新增 %2，更新 %3，退役 %4，未变 %5</translation>
    </message>
    <message>
        <source>Imported at %1.</source>
        <translation>已于 %1 导入。</translation>
    </message>
    <message>
        <source>Checked: no errors; nothing was changed (check only).</source>
        <translation>检查完毕：无错误；未做任何更改（仅检查）。</translation>
    </message>
    <message>
        <source>Nothing to change: the inventory already holds these files.</source>
        <translation>无需更改：清单中已有这些文件的内容。</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>110 call</source>
        <translation>110报警</translation>
    </message>
    <message>
        <source>E-fence</source>
        <translation>电子围栏</translation>
    </message>
    <message>
        <source>Face match</source>
        <translation>人脸比对</translation>
    </message>
    <message>
        <source>Plate match</source>
        <translation>车牌布控</translation>
    </message>
    <message>
        <source>Radio emergency</source>
        <translation>电台紧急报警</translation>
    </message>
    <message>
        <source>Video analytics</source>
        <translation>视频分析</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>人工录入</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新警情</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>已派警</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>重连中</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Unauthorized</source>
        <translation>未授权</translation>
    </message>
    <message>
        <source>%n s</source>
        <translation>%n 秒</translation>
    </message>
    <message>
        <source>%n min</source>
        <translation>%n 分钟</translation>
    </message>
    <message>
        <source>%h h %m min</source>
        <translation>%h 小时 %m 分</translation>
    </message>
    <message>
        <source>Ack</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>Arrive</source>
        <translation>到场</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>En route</source>
        <translation>出警中</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>Off duty</source>
        <translation>下班</translation>
    </message>
    <message>
        <source>Patrol car</source>
        <translation>巡逻车</translation>
    </message>
    <message>
        <source>Foot patrol</source>
        <translation>步巡</translation>
    </message>
    <message>
        <source>Motorcycle</source>
        <translation>摩托车</translation>
    </message>
    <message>
        <source>Traffic police</source>
        <translation>交警</translation>
    </message>
    <message>
        <source>SWAT</source>
        <translation>特警</translation>
    </message>
    <message>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>District boundary</source>
        <translation>辖区边界</translation>
    </message>
    <message>
        <source>Police station</source>
        <translation>派出所</translation>
    </message>
</context>
<context>
    <name>LinkStatusWidget</name>
    <message>
        <source>Recording failed: %1</source>
        <translation>录像失败：%1</translation>
    </message>
    <message>
        <source>%1 — retry in %2 s</source>
        <translation>%1 — %2 秒后重试</translation>
    </message>
    <message>
        <source>%1 as %2 (%3)</source>
        <translation>%1 · %2（%3）</translation>
    </message>
    <message>
        <source>seq %1</source>
        <translation>序号 %1</translation>
    </message>
    <message>
        <source>%1 ev/s</source>
        <translation>%1 事件/秒</translation>
    </message>
</context>
<context>
    <name>LogEntryTableModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>关联警情</translation>
    </message>
    <message>
        <source>Talkgroup</source>
        <translation>通话组</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Superseded by %1</source>
        <translation>已被 %1 更正</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sign in — Dispatch Console</source>
        <translation>登录 — 指挥调度台</translation>
    </message>
    <message>
        <source>token from &apos;dispatch-backend operator add&apos;</source>
        <translation>由 &apos;dispatch-backend operator add&apos; 生成的令牌</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后台地址</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>The backend URL must start with ws:// or wss://.</source>
        <translation>后台地址必须以 ws:// 或 wss:// 开头。</translation>
    </message>
    <message>
        <source>Enter your token.</source>
        <translation>请输入令牌。</translation>
    </message>
</context>
<context>
    <name>MBTiles</name>
    <message>
        <source>There is no file %1.</source>
        <extracomment>Image formats a ``format`` metadata value may name, and their MIME types.</extracomment>
        <translation>文件 %1 不存在。</translation>
    </message>
    <message>
        <source>%1 is not an MBTiles file (no SQLite tiles table).</source>
        <translation>%1 不是 MBTiles 文件（没有 SQLite tiles 表）。</translation>
    </message>
    <message>
        <source>The tiles are %1 images; a base map needs PNG, JPEG or WebP.</source>
        <translation>瓦片是 %1 格式；底图需要 PNG、JPEG 或 WebP 图片。</translation>
    </message>
    <message>
        <source>%1 holds no tiles.</source>
        <translation>%1 中没有瓦片。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Dispatch Console — 指挥调度台</source>
        <extracomment>Builds a new panel of a kind (&quot;map&quot;, &quot;video&quot;, &quot;dashboard&quot;, &quot;radio&quot;) for another dock.</extracomment>
        <translation>指挥调度台</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <source>Video wall</source>
        <translation>视频墙</translation>
    </message>
    <message>
        <source>Alert queue</source>
        <translation>警情队列</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>态势总览</translation>
    </message>
    <message>
        <source>Radio log</source>
        <translation>电台日志</translation>
    </message>
    <message>
        <source>New map</source>
        <translation>新建地图</translation>
    </message>
    <message>
        <source>New video wall</source>
        <translation>新建视频墙</translation>
    </message>
    <message>
        <source>New overview</source>
        <translation>新建态势总览</translation>
    </message>
    <message>
        <source>New radio log</source>
        <translation>新建电台日志</translation>
    </message>
    <message>
        <source>replay: no backend link</source>
        <extracomment>The optional panels a console has unless told otherwise.</extracomment>
        <translation>回放：未连接后端</translation>
    </message>
    <message>
        <source>Replay — %1</source>
        <translation>回放 — %1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Sign in again…</source>
        <translation>重新登录…</translation>
    </message>
    <message>
        <source>Open recording…</source>
        <translation>打开录像…</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Find anything…</source>
        <translation>全局搜索…</translation>
    </message>
    <message>
        <source>Layouts</source>
        <translation>布局</translation>
    </message>
    <message>
        <source>Evidence…</source>
        <translation>证据…</translation>
    </message>
    <message>
        <source>Inventory and sources…</source>
        <translation>清单与数据源…</translation>
    </message>
    <message>
        <source>&amp;Wall</source>
        <translation>大屏(&amp;W)</translation>
    </message>
    <message>
        <source>Push layout to wall…</source>
        <translation>推送布局到大屏…</translation>
    </message>
    <message>
        <source>Push cameras to wall…</source>
        <translation>推送摄像机到大屏…</translation>
    </message>
    <message>
        <source>&amp;Incident</source>
        <translation>警情(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>New alert</source>
        <translation>接警</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <source>Close alert</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Find anything (Ctrl+K)</source>
        <translation>查找任意内容 (Ctrl+K)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Current layout</source>
        <translation>当前布局</translation>
    </message>
    <message>
        <source>Open recording</source>
        <translation>打开录像</translation>
    </message>
    <message>
        <source>Recordings (*.sqlite3 *.rec)</source>
        <translation>录像文件 (*.sqlite3 *.rec)</translation>
    </message>
    <message>
        <source>Save layout as…</source>
        <translation>布局另存为…</translation>
    </message>
    <message>
        <source>Export layout…</source>
        <translation>导出布局…</translation>
    </message>
    <message>
        <source>Import layout…</source>
        <translation>导入布局…</translation>
    </message>
    <message>
        <source>Reset to default</source>
        <translation>恢复默认</translation>
    </message>
    <message>
        <source>Save layout</source>
        <translation>保存布局</translation>
    </message>
    <message>
        <source>Layout name:</source>
        <translation>布局名称：</translation>
    </message>
    <message>
        <source>Export layout</source>
        <translation>导出布局</translation>
    </message>
    <message>
        <source>Import layout</source>
        <translation>导入布局</translation>
    </message>
    <message>
        <source>Not a layout file: %1</source>
        <translation>不是布局文件：%1</translation>
    </message>
    <message>
        <source>A or Space: acknowledge the selected alert
D: dispatch (Enter takes the recommended unit)
S: units on scene · F: record feedback · C: close with a disposition
N: new alert from a phone call
M: merge a duplicate · X: cancel · T: transfer · R: release a unit
H: search closed incidents · P: PDF report · E: EIDO export
Ctrl+K: find any alert, unit, camera, layout or action
Ctrl+,: settings
Up/Down: move through the queue
Ctrl+Q: quit</source>
        <translation>A 或 空格：签收选中的警情
D：派警（回车派推荐警力）
S：警力到场 · F：记录反馈 · C：结案
N：电话接警
M：合并重复警情 · X：撤销 · T：移交 · R：释放警力
H：搜索已结警情 · P：PDF 报告 · E：导出 EIDO
Ctrl+K：搜索警情、警力、摄像头、布局或操作
Ctrl+,：设置
上/下：在队列中移动
Ctrl+Q：退出</translation>
    </message>
    <message>
        <source>The backend refused the sign-in: %1. Use File → Sign in again.</source>
        <translation>后台拒绝登录：%1。请使用 文件 → 重新登录。</translation>
    </message>
    <message>
        <source>%1 acknowledged.</source>
        <translation>%1 已签收。</translation>
    </message>
    <message>
        <source>Not done — someone else changed this alert first: %1 The row now shows its current state.</source>
        <translation>未执行 — 该警情已被他人先行修改：%1 该行已刷新为最新状态。</translation>
    </message>
    <message>
        <source>Not done (%1): %2</source>
        <translation>未执行（%1）：%2</translation>
    </message>
    <message>
        <source>Layout %1 pushed to wall %2.</source>
        <translation>布局 %1 已推送到大屏 %2。</translation>
    </message>
    <message>
        <source>No cameras on the video wall to push.</source>
        <translation>视频墙上没有可推送的摄像机。</translation>
    </message>
    <message>
        <source>%1 cameras pushed to wall %2.</source>
        <translation>%1 路摄像机已推送到大屏 %2。</translation>
    </message>
    <message>
        <source>No available unit with a known position.</source>
        <translation>没有位置已知的可用警力。</translation>
    </message>
    <message>
        <source>%1 dispatched to %2.</source>
        <translation>已派 %1 处置 %2。</translation>
    </message>
    <message>
        <source>Watch list…</source>
        <translation>布控名单…</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <source>Base map not changed: %1</source>
        <extracomment>Batches per second pushed to the page. Longest fence name ``layer.create`` accepts.</extracomment>
        <translation>底图未更改：%1</translation>
    </message>
    <message>
        <source>Where each unit went in the last %1 minutes (from zoom 13)</source>
        <translation>各警力最近 %1 分钟的行驶轨迹（13 级及以上显示）</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Trails</source>
        <translation>轨迹</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Cameras</source>
        <translation>监控</translation>
    </message>
    <message>
        <source>Grids &amp;&amp; fences</source>
        <translation>网格与围栏</translation>
    </message>
    <message>
        <source>Whole district</source>
        <translation>全区</translation>
    </message>
    <message>
        <source>Draw fence</source>
        <translation>绘制电子围栏</translation>
    </message>
    <message>
        <source>Click the map to add corners; double-click or Finish to close; Esc cancels.</source>
        <translation>单击地图添加拐点；双击或点“完成”闭合；Esc 取消。</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel drawing</source>
        <translation>取消绘制</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>已派警</translation>
    </message>
    <message>
        <source>En route</source>
        <translation>出警中</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>Off duty</source>
        <translation>下班</translation>
    </message>
    <message>
        <source>No fix &gt; 5 min</source>
        <translation>定位超5分钟</translation>
    </message>
    <message>
        <source>Alert P%1</source>
        <translation>P%1 警情</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>E-fence</source>
        <translation>电子围栏</translation>
    </message>
    <message>
        <source>Dispatch nearest available unit</source>
        <translation>派最近的空闲警力</translation>
    </message>
    <message>
        <source>New e-fence</source>
        <translation>新建电子围栏</translation>
    </message>
    <message>
        <source>Name of the e-fence:</source>
        <translation>电子围栏名称：</translation>
    </message>
    <message>
        <source>E-fence %1 saved.</source>
        <translation>电子围栏“%1”已保存。</translation>
    </message>
    <message>
        <source>Trajectory…</source>
        <translation>轨迹查询…</translation>
    </message>
    <message>
        <source>Search a plate or person&apos;s sightings and draw the route</source>
        <translation>查询车牌或人员的抓拍记录并在地图上绘制轨迹</translation>
    </message>
    <message>
        <source>Where next…</source>
        <translation>布控研判…</translation>
    </message>
    <message>
        <source>The cameras ahead of a plate or person, and the units to send</source>
        <translation>车辆或人员前方的卡口摄像机，以及可派的警力</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Show or hide units, trails, alerts, cameras, grids and fences</source>
        <translation>显示或隐藏警力、轨迹、警情、摄像机、网格与围栏</translation>
    </message>
</context>
<context>
    <name>MapSearchBox</name>
    <message>
        <source>Callsign, radio id, grid or address…</source>
        <extracomment>The most hits offered in the completion list.</extracomment>
        <translation>呼号、电台号、网格或地址…</translation>
    </message>
</context>
<context>
    <name>MapTools</name>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Person (face)</source>
        <translation>人员（人脸）</translation>
    </message>
    <message>
        <source>e.g. 蒙K7S521</source>
        <translation>例如 蒙K7S521</translation>
    </message>
    <message>
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 公里</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Right-click a unit to follow it; a pan stops.</source>
        <translation>右键单击警力即可跟随；拖动地图即停止。</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>测距</translation>
    </message>
    <message>
        <source>Click points on the map to measure the distance.</source>
        <translation>在地图上依次单击以测量距离。</translation>
    </message>
    <message>
        <source>Nothing on the map matches “%1”.</source>
        <translation>地图上没有与“%1”匹配的内容。</translation>
    </message>
    <message>
        <source>%1 has no position to follow.</source>
        <translation>%1 没有位置，无法跟随。</translation>
    </message>
    <message>
        <source>Following %1</source>
        <translation>正在跟随 %1</translation>
    </message>
    <message>
        <source>Follow %1</source>
        <translation>跟随 %1</translation>
    </message>
    <message>
        <source>Dispatch %1 to %2</source>
        <translation>派 %1 处置 %2</translation>
    </message>
    <message>
        <source>Not dispatched: alert %1 is no longer open.</source>
        <translation>未派警：警情 %1 已不再处于未结状态。</translation>
    </message>
    <message>
        <source>%1 dispatched to %2.</source>
        <translation>已派 %1 处置 %2。</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge — %1</source>
        <translation>合并 — %1</translation>
    </message>
    <message>
        <source>%1 (possible duplicate)</source>
        <translation>%1（疑似重复）</translation>
    </message>
    <message>
        <source>This alert will be closed as merged; its units and cameras join the main incident.</source>
        <translation>本警情将以“已合并”结案；其警力和摄像头并入主警情。</translation>
    </message>
    <message>
        <source>Main incident</source>
        <translation>主警情</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>There is no open incident to merge into.</source>
        <translation>没有可合并到的未结警情。</translation>
    </message>
</context>
<context>
    <name>PtzPad</name>
    <message>
        <source>Tilt up (hold)</source>
        <translation>上仰（按住）</translation>
    </message>
    <message>
        <source>Tilt down (hold)</source>
        <translation>下俯（按住）</translation>
    </message>
    <message>
        <source>Pan left (hold)</source>
        <translation>左转（按住）</translation>
    </message>
    <message>
        <source>Pan right (hold)</source>
        <translation>右转（按住）</translation>
    </message>
    <message>
        <source>Zoom in (hold)</source>
        <translation>放大（按住）</translation>
    </message>
    <message>
        <source>Zoom out (hold)</source>
        <translation>缩小（按住）</translation>
    </message>
    <message>
        <source>Go to a preset position</source>
        <translation>转到预置位</translation>
    </message>
    <message>
        <source>Preset %1</source>
        <translation>预置位 %1</translation>
    </message>
</context>
<context>
    <name>PushDialog</name>
    <message>
        <source>Push layout to wall</source>
        <translation>推送布局到大屏</translation>
    </message>
    <message>
        <source>Push cameras</source>
        <translation>推送摄像机</translation>
    </message>
    <message>
        <source>Wall group:</source>
        <translation>大屏分组：</translation>
    </message>
    <message>
        <source>Current layout</source>
        <translation>当前布局</translation>
    </message>
    <message>
        <source>Layout:</source>
        <translation>布局：</translation>
    </message>
</context>
<context>
    <name>RadioCallTableModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Talkgroup</source>
        <translation>通话组</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>发起方</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>接收方</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>关联警情</translation>
    </message>
</context>
<context>
    <name>RadioExporter</name>
    <message>
        <source>Export calls</source>
        <translation>导出通话</translation>
    </message>
    <message>
        <source>Zip archives (*.zip)</source>
        <translation>Zip 压缩包 (*.zip)</translation>
    </message>
</context>
<context>
    <name>RadioFeedView</name>
    <message>
        <source>▲ %1 new</source>
        <translation>▲ %1 条新通话</translation>
    </message>
</context>
<context>
    <name>RadioFilterBar</name>
    <message>
        <source>Add or remove the talkgroup from favourites</source>
        <translation>收藏或取消收藏该通话组</translation>
    </message>
    <message>
        <source>Radio id</source>
        <translation>电台号</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>≥ </source>
        <translation>≥ </translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Minimum duration</source>
        <translation>最短时长</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>Search calls…</source>
        <translation>搜索通话…</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>All talkgroups</source>
        <translation>全部通话组</translation>
    </message>
    <message>
        <source>★ Favourites</source>
        <translation>★ 收藏</translation>
    </message>
    <message>
        <source>%1 shown / %2 total</source>
        <translation>显示 %1 / 共 %2</translation>
    </message>
</context>
<context>
    <name>RadioLog</name>
    <message>
        <source>Group</source>
        <translation>组呼</translation>
    </message>
    <message>
        <source>Individual</source>
        <translation>个呼</translation>
    </message>
    <message>
        <source>Emergency</source>
        <translation>紧急呼叫</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>短数据</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>%1 (encrypted)</source>
        <translation>%1（加密）</translation>
    </message>
    <message>
        <source>✓ %1 %2</source>
        <translation>✓ %1 %2 已确认</translation>
    </message>
    <message>
        <source>Acknowledged by %1 at %2</source>
        <translation>%1 于 %2 确认</translation>
    </message>
</context>
<context>
    <name>RadioLogPanel</name>
    <message>
        <source>Acknowledge emergency</source>
        <translation>确认紧急报警</translation>
    </message>
    <message>
        <source>%1 emergency call(s) to acknowledge — latest from %2</source>
        <translation>%1 个紧急呼叫待确认 — 最新来自 %2</translation>
    </message>
    <message>
        <source>Emergency call %1 from %2 acknowledged.</source>
        <translation>已确认来自 %2 的紧急呼叫 %1。</translation>
    </message>
    <message>
        <source>%1 acknowledged.</source>
        <translation>%1 已签收。</translation>
    </message>
    <message>
        <source>Select an incident in the alert queue first.</source>
        <translation>请先在警情队列中选择一条警情。</translation>
    </message>
    <message>
        <source>%1 call(s) linked to %2.</source>
        <translation>%1 个通话已关联到 %2。</translation>
    </message>
</context>
<context>
    <name>RadioPlayerBar</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Playback speed</source>
        <translation>播放速度</translation>
    </message>
    <message>
        <source>Replay last</source>
        <translation>重播最近</translation>
    </message>
    <message>
        <source>Play results</source>
        <translation>连续播放结果</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Link to incident</source>
        <translation>关联到警情</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>The recording cannot be played.</source>
        <translation>录音无法播放。</translation>
    </message>
    <message>
        <source>Playing %1 · %2 · %3 · %4 (%5 queued)</source>
        <translation>正在播放 %1 · %2 · %3 · %4（队列 %5）</translation>
    </message>
</context>
<context>
    <name>ReassignBox</name>
    <message>
        <source>%1 is on %2 (P%3 %4).</source>
        <translation>%1 正在处置 %2（P%3 %4）。</translation>
    </message>
    <message>
        <source>Reassign units?</source>
        <translation>改派警力？</translation>
    </message>
    <message>
        <source>Reassign to %1? The other incident loses the unit.</source>
        <translation>改派到 %1？原警情将失去该警力。</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>改派</translation>
    </message>
</context>
<context>
    <name>ReleaseDialog</name>
    <message>
        <source>Release a unit — %1</source>
        <translation>释放警力 — %1</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>It is the last unit: the alert goes back to acknowledged.</source>
        <translation>这是最后一个警力：警情将退回“已签收”。</translation>
    </message>
    <message>
        <source>Release</source>
        <translation>释放</translation>
    </message>
</context>
<context>
    <name>ReplayBanner</name>
    <message>
        <source>REPLAY — {name} — not live; no command reaches a backend</source>
        <translation>回放 — {name} — 非实时；不会向后台发送任何指令</translation>
    </message>
</context>
<context>
    <name>ReplayPanel</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>◀ Step</source>
        <translation>◀ 单步</translation>
    </message>
    <message>
        <source>Step ▶</source>
        <translation>单步 ▶</translation>
    </message>
    <message>
        <source>{speed}×</source>
        <translation>{speed}×</translation>
    </message>
    <message>
        <source>Loop range</source>
        <translation>循环区间</translation>
    </message>
    <message>
        <source>Next alert</source>
        <translation>下一警情</translation>
    </message>
    <message>
        <source>Next bookmark</source>
        <translation>下一书签</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Radio</source>
        <translation>电台</translation>
    </message>
    <message>
        <source>GPS</source>
        <translation>定位</translation>
    </message>
    <message>
        <source>Annotation at the current time (optional)</source>
        <translation>当前时刻的批注（可选）</translation>
    </message>
    <message>
        <source>Add bookmark</source>
        <translation>添加书签</translation>
    </message>
    <message>
        <source>Capture moment</source>
        <translation>截取此刻</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Debrief report…</source>
        <translation>复盘报告…</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Moment captured.</source>
        <translation>已截取此刻画面。</translation>
    </message>
    <message>
        <source>Export recording</source>
        <translation>导出录像</translation>
    </message>
    <message>
        <source>Recordings (*.sqlite3)</source>
        <translation>录像文件 (*.sqlite3)</translation>
    </message>
    <message>
        <source>Debrief report</source>
        <translation>复盘报告</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;HTML (*.html)</source>
        <translation>PDF (*.pdf);;HTML (*.html)</translation>
    </message>
    <message>
        <source>Exported {n} events to {name}.</source>
        <translation>已导出 {n} 条事件到 {name}。</translation>
    </message>
    <message>
        <source>Report written: {name}.</source>
        <translation>报告已生成：{name}。</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>{stamp} UTC (+{h}:{m:02d}:{s:02d})</source>
        <translation>{stamp} UTC（+{h}:{m:02d}:{s:02d}）</translation>
    </message>
    <message>
        <source>{n} events/s</source>
        <translation>{n} 事件/秒</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>system certificates</source>
        <translation>系统证书</translation>
    </message>
    <message>
        <source>built-in offline map (or an XYZ URL template, or an .mbtiles file)</source>
        <translation>内置离线地图（或 XYZ 地址模板，或 .mbtiles 文件）</translation>
    </message>
    <message>
        <source>Base map uses GCJ-02 (shift markers for display)</source>
        <translation>底图为 GCJ-02（显示时偏移标注）</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Dark (control room)</source>
        <translation>深色（指挥大厅）</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>High contrast (video wall)</source>
        <translation>高对比度（大屏）</translation>
    </message>
    <message>
        <source>Play sounds for priority-1 alerts</source>
        <translation>一级警情声音提示</translation>
    </message>
    <message>
        <source>Backend URL</source>
        <translation>后台地址</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA 证书文件</translation>
    </message>
    <message>
        <source>Base map</source>
        <translation>底图</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Evidence folder</source>
        <translation>证据目录</translation>
    </message>
    <message>
        <source>Recording folder</source>
        <translation>录像目录</translation>
    </message>
    <message>
        <source>Language and theme apply at the next start.</source>
        <translation>语言和主题在下次启动时生效。</translation>
    </message>
    <message>
        <source>The backend URL must start with ws:// or wss://.</source>
        <translation>后台地址必须以 ws:// 或 wss:// 开头。</translation>
    </message>
    <message>
        <source>A base map template needs {z}, {x} and {y}.</source>
        <translation>底图模板需要包含 {z}、{x} 和 {y}。</translation>
    </message>
</context>
<context>
    <name>TrajectoryDialog</name>
    <message>
        <source>Trajectory search</source>
        <translation>轨迹查询</translation>
    </message>
    <message>
        <source> h</source>
        <translation> 小时</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Plate or person id</source>
        <translation>车牌或人员编号</translation>
    </message>
    <message>
        <source>Last</source>
        <translation>最近</translation>
    </message>
    <message>
        <source>Enter a plate or a person id.</source>
        <translation>请输入车牌或人员编号。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>%1 sightings; %2 legs are guesses (dashed).</source>
        <translation>%1 条过车/比中记录；%2 段为推测（虚线）。</translation>
    </message>
    <message>
        <source>Not yet sighted at this replay time.</source>
        <translation>回放到此时刻尚未发现。</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>Transfer — %1</source>
        <translation>移交 — %1</translation>
    </message>
    <message>
        <source>Operator id</source>
        <translation>席位编号</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>无人</translation>
    </message>
    <message>
        <source>Owner now</source>
        <translation>当前负责人</translation>
    </message>
    <message>
        <source>Transfer to</source>
        <translation>移交给</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>Name the operator who takes it over.</source>
        <translation>请指定接手的席位。</translation>
    </message>
    <message>
        <source>%1 already owns this alert.</source>
        <translation>%1 已是该警情的负责人。</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>PTZ: %1</source>
        <translation>云台：%1</translation>
    </message>
    <message>
        <source>Offline: %1</source>
        <translation>离线：%1</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>连接中…</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s</source>
        <translation>%1 秒后重连</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>重连中…</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>%1 fps · %2 kbit/s · %3</source>
        <translation>%1 帧/秒 · %2 kbit/s · %3</translation>
    </message>
    <message>
        <source>Drag a camera here</source>
        <translation>将摄像头拖到这里</translation>
    </message>
</context>
<context>
    <name>VideoWallPanel</name>
    <message>
        <source>%1 tiles</source>
        <translation>%1 画面</translation>
    </message>
    <message>
        <source>Tour</source>
        <translation>轮巡</translation>
    </message>
    <message>
        <source>Cycle the cameras the tree shows over the wall</source>
        <translation>在电视墙上轮巡列表中的摄像头</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>抓图</translation>
    </message>
    <message>
        <source>Save the selected tile&apos;s picture as evidence</source>
        <translation>将选中画面保存为证据</translation>
    </message>
    <message>
        <source>Record clip</source>
        <translation>录像取证</translation>
    </message>
    <message>
        <source>Record the next seconds of the selected tile&apos;s stream as evidence</source>
        <translation>将所选画面接下来若干秒的视频录制为证据</translation>
    </message>
    <message>
        <source>Record %1 s</source>
        <translation>录制 %1 秒</translation>
    </message>
    <message>
        <source>Views</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>Saved wall views: recall, save, delete</source>
        <translation>已保存的墙视图：调用、保存、删除</translation>
    </message>
    <message>
        <source>cameras</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>views</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>What the tour cycles through</source>
        <translation>轮巡的对象</translation>
    </message>
    <message>
        <source>Follow P1 alerts</source>
        <translation>联动一级警情</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <source>No picture to save in the selected tile.</source>
        <translation>选中的画面没有可保存的图像。</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>No camera to record in the selected tile.</source>
        <translation>所选画面没有可录制的摄像头。</translation>
    </message>
    <message>
        <source>%1 is offline.</source>
        <translation>%1 离线。</translation>
    </message>
    <message>
        <source>Clip saved: %1</source>
        <translation>录像已保存：%1</translation>
    </message>
    <message>
        <source>Clip of %1 failed: %2</source>
        <translation>%1 录像失败：%2</translation>
    </message>
    <message>
        <source>Evidence — %1</source>
        <translation>证据 — %1</translation>
    </message>
    <message>
        <source>A view needs a name.</source>
        <translation>视图需要名称。</translation>
    </message>
    <message>
        <source>A view name has at most %1 characters.</source>
        <translation>视图名称最多 %1 个字符。</translation>
    </message>
    <message>
        <source>View %1 saved.</source>
        <translation>视图 %1 已保存。</translation>
    </message>
    <message>
        <source>View %1</source>
        <translation>视图 %1</translation>
    </message>
    <message>
        <source>Save current view…</source>
        <translation>保存当前视图…</translation>
    </message>
    <message>
        <source>Delete view</source>
        <translation>删除视图</translation>
    </message>
    <message>
        <source>Save view</source>
        <translation>保存视图</translation>
    </message>
    <message>
        <source>Name of this wall view:</source>
        <translation>此墙视图的名称：</translation>
    </message>
    <message>
        <source>Linked to alert %1</source>
        <translation>已联动警情 %1</translation>
    </message>
    <message>
        <source>Save some views first.</source>
        <translation>请先保存视图。</translation>
    </message>
    <message>
        <source>%1 of %2 tiles live</source>
        <translation>%1 / %2 路在线</translation>
    </message>
</context>
<context>
    <name>WatchListWindow</name>
    <message>
        <source>Watch list</source>
        <translation>布控名单</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Person (face)</source>
        <translation>人员（人脸）</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Plate or person id</source>
        <translation>车牌或人员编号</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>事由</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>By</source>
        <translation>添加人</translation>
    </message>
    <message>
        <source>e.g. 蒙K7S521, 蒙KD5* or a person id</source>
        <translation>如 蒙K7S521、蒙KD5* 或人员编号</translation>
    </message>
    <message>
        <source>Why: the case, the warrant (required)</source>
        <translation>事由：案件、法律文书（必填）</translation>
    </message>
    <message>
        <source>Add to the watch list</source>
        <translation>加入布控</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>移除所选</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <source>Asking for the watch list…</source>
        <translation>正在获取布控名单…</translation>
    </message>
    <message>
        <source>Enter a plate, a plate pattern or a person id.</source>
        <translation>请输入车牌、车牌模式或人员编号。</translation>
    </message>
    <message>
        <source>A watch entry needs a reason.</source>
        <translation>布控条目必须填写事由。</translation>
    </message>
    <message>
        <source>%1 is on the watch list.</source>
        <translation>%1 已布控。</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>正在添加…</translation>
    </message>
    <message>
        <source>Select an entry first.</source>
        <translation>请先选择一个条目。</translation>
    </message>
    <message>
        <source>%1 is off the watch list.</source>
        <translation>%1 已撤控。</translation>
    </message>
    <message>
        <source>Removing…</source>
        <translation>正在移除…</translation>
    </message>
    <message>
        <source>No answer: the link to the backend was lost.</source>
        <translation>无应答：与后台的连接已断开。</translation>
    </message>
    <message>
        <source>Refused (%1): %2</source>
        <translation>被拒绝（%1）：%2</translation>
    </message>
    <message>
        <source>%1 active entries.</source>
        <translation>生效条目 %1 条。</translation>
    </message>
</context>
<context>
    <name>WhereNextDialog</name>
    <message>
        <source>Where next</source>
        <translation>布控研判</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Camera ahead</source>
        <translation>前方摄像机</translation>
    </message>
    <message>
        <source>Arrival window</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <source>On the video wall</source>
        <translation>上视频墙</translation>
    </message>
    <message>
        <source>The selected cameras (or all of them) on the video wall</source>
        <translation>把选中的摄像机（未选则全部）放到视频墙上</translation>
    </message>
    <message>
        <source>Push to wall</source>
        <translation>推送到大屏</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>警力</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <source>Intercept at</source>
        <translation>拦截点</translation>
    </message>
    <message>
        <source>In time</source>
        <translation>来得及</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>Send the checked units to the chosen incident</source>
        <translation>把勾选的警力派往所选警情</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Plate or person id</source>
        <translation>车牌或人员编号</translation>
    </message>
    <message>
        <source>Look ahead</source>
        <translation>预判时长</translation>
    </message>
    <message>
        <source>Wall group</source>
        <translation>大屏组</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Enter a plate or a person id.</source>
        <translation>请输入车牌或人员编号。</translation>
    </message>
    <message>
        <source>Looking ahead…</source>
        <translation>正在研判…</translation>
    </message>
    <message>
        <source>A guess: no street graph</source>
        <translation>估计值：没有路网</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>late</source>
        <translation>来不及</translation>
    </message>
    <message>
        <source>Last seen %1 at %2; %3 cameras ahead, %4 units.</source>
        <translation>最后一次于 %1 在 %2 出现；前方摄像机 %3 个，可派警力 %4 个。</translation>
    </message>
    <message>
        <source>Speed from its sightings: %1.</source>
        <translation>按其抓拍推算速度：%1。</translation>
    </message>
    <message>
        <source>Speed assumed: %1.</source>
        <translation>假定速度：%1。</translation>
    </message>
    <message>
        <source>No street graph on this site: straight lines, every window is a guess.</source>
        <translation>本辖区没有路网：按直线估算，所有时间窗都是估计值。</translation>
    </message>
    <message>
        <source>%1 cameras on the video wall.</source>
        <translation>%1 路摄像机已上视频墙。</translation>
    </message>
    <message>
        <source>New incident at the last sighting</source>
        <translation>在最后出现处新建警情</translation>
    </message>
    <message>
        <source>Tick the units to send.</source>
        <translation>请勾选要派的警力。</translation>
    </message>
    <message>
        <source>Intercept %1 (%2)</source>
        <translation>布控拦截 %1（%2）</translation>
    </message>
    <message>
        <source>%1 dispatched to %2.</source>
        <translation>%1 已派往 %2。</translation>
    </message>
</context>
</TS>
